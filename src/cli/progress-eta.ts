/** The ", ETA h:mm:ss" suffix of the migrate and import progress lines. */

/**
 * Time left at the rate of the bytes this run actually moved (`moved`), not of all counted
 * `bytes`: blobs skipped as already there would flatter the rate.
 */
export function etaSuffix(p: { totalBytes: number; bytes: number; moved: number }, elapsedMs: number): string {
  const left = p.totalBytes - p.bytes;
  if (left <= 0 || p.moved === 0 || elapsedMs < 1000) return '';
  const seconds = Math.ceil(left / (p.moved / (elapsedMs / 1000)));
  const m = Math.floor(seconds / 60);
  const h = Math.floor(m / 60);
  const clock = h > 0 ? `${h}:${String(m % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}` : `${m}:${String(seconds % 60).padStart(2, '0')}`;
  return `, ETA ${clock}`;
}
