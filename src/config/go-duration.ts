/**
 * Go's time.ParseDuration grammar, because Distribution's config files use it ("168h", "1h30m",
 * "500ms", "1.5h") and a drop-in replacement must read the same strings the same way.
 * A sign is allowed; "0" is the one unitless form.
 */
// Summed in nanoseconds, as Go does, so "5us" is exactly 5e-6 s rather than a float approximation.
const NANOSECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu; Go accepts both
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

// Go's limit: an int64 count of nanoseconds.
const MAX_NANOSECONDS = 2 ** 63 - 1;

const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/** Seconds (possibly fractional or negative), or undefined when the text is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    if (!match) return undefined;
    const [whole, integer, fraction = '', unit] = match;
    if (integer === '' && fraction === '') return undefined;
    const perUnit = NANOSECONDS_PER_UNIT[unit];
    if (perUnit === undefined) return undefined;
    total += Number(`${integer || '0'}.${fraction || '0'}`) * perUnit;
    rest = rest.slice(whole.length);
  }
  if (total > MAX_NANOSECONDS) return undefined;
  return (sign * total) / 1e9;
}
