/**
 * Lifetimes as people type them for credentials and retention: `90d`, `12h`, `2w`, `1y`,
 * `1d12h`. Go durations stop at hours, which makes a year `8760h`; days and weeks read better
 * here. A year is 365 days: a lifetime is a span, not a calendar date.
 */
import { InvalidInputError } from '../errors.js';

const SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
const WHOLE = /^(?:\d+[smhdwy])+$/;
const PART = /(\d+)([smhdwy])/g;
// Far enough for any real credential, near enough that a date computed from it is valid.
const MAX_SECONDS = 100 * SECONDS.y!;

/** Seconds in `text`; InvalidInputError when it is not a positive lifetime. */
export function parseLifetime(text: string): number {
  if (!WHOLE.test(text)) {
    throw new InvalidInputError(`invalid duration "${text.slice(0, 40)}"; write e.g. 30d, 12h, 2w or 1y`);
  }
  let total = 0;
  for (const [, count, unit] of text.matchAll(PART)) total += Number(count) * SECONDS[unit!]!;
  if (total <= 0) throw new InvalidInputError(`the duration "${text}" is zero`);
  if (total > MAX_SECONDS) throw new InvalidInputError(`the duration "${text.slice(0, 40)}" is longer than 100 years`);
  return total;
}

/** The moment `text` from `now`, or undefined when no lifetime is given (never expires). */
export function expiryFrom(text: string | undefined, now: Date): Date | undefined {
  return text === undefined ? undefined : new Date(now.getTime() + parseLifetime(text) * 1000);
}
