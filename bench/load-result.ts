/**
 * What a load run measured, shared by the node:http pool and the raw-socket generator so every
 * row summarises latency the same way.
 */
export interface LoadResult {
  /** Operations completed inside the measured window. */
  ops: number;
  elapsedMs: number;
  /** Sorted ascending, milliseconds. */
  latencies: Float64Array;
  /** Body bytes moved inside the measured window (either direction, as the row defines). */
  bytes: number;
}

/** Collects latencies into a growable typed array: no per-sample allocation on the hot path. */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.count++] = ms;
  }

  reset(): void {
    this.count = 0;
  }

  sorted(): Float64Array {
    return this.samples.slice(0, this.count).sort();
  }
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : NaN;
}

export const MiB = 1024 * 1024;

/** "p50 1.2 ms, p99 4.5 ms" for a table cell's detail. */
export function latencySummary(result: LoadResult): string {
  const f = (v: number): string => (v >= 10 ? v.toFixed(0) : v.toFixed(2));
  return `p50 ${f(percentile(result.latencies, 50))} ms, p99 ${f(percentile(result.latencies, 99))} ms`;
}

export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

/** Three significant digits or so, with thousands separators: what a table cell needs. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
