/**
 * Runs an async operation from `concurrency` workers, for a fixed count or a fixed duration.
 * The first failure stops the run and is rethrown: a row with failed requests has no number,
 * and a broken server would otherwise be hammered for the whole duration.
 */
import { performance } from 'node:perf_hooks';
import { LatencyRecorder, type LoadResult } from './load-result.js';

export interface PoolOptions {
  concurrency: number;
  /** Exactly this many operations, indices 0…count-1. */
  count?: number;
  /** Or: keep going this long (after warm-up); indices keep increasing. */
  durationMs?: number;
  /** Meant for duration runs; count runs warm up by running a separate small batch first. */
  warmupMs?: number;
  /** Returns the body bytes it moved. */
  op: (index: number) => Promise<number>;
}

export async function runPool(options: PoolOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  let next = 0;
  let ops = 0;
  let bytes = 0;
  let failure: unknown;
  let measuring = options.warmupMs === undefined || options.warmupMs <= 0;
  let start = performance.now();
  let stopAt = Infinity;
  if (!measuring) {
    const warmupEnd = start + (options.warmupMs ?? 0);
    setTimeout(() => {
      measuring = true;
      recorder.reset();
      ops = 0;
      bytes = 0;
      start = performance.now();
      if (options.durationMs !== undefined) stopAt = start + options.durationMs;
    }, warmupEnd - start).unref();
  } else if (options.durationMs !== undefined) {
    stopAt = start + options.durationMs;
  }

  const more = (): boolean => {
    if (failure !== undefined) return false;
    if (options.count !== undefined) return next < options.count;
    return performance.now() < stopAt;
  };

  const worker = async (): Promise<void> => {
    while (more()) {
      const index = next++;
      const t0 = performance.now();
      try {
        const moved = await options.op(index);
        const t1 = performance.now();
        // Only operations that finished inside the window count, so warm-up and tail are excluded.
        if (measuring && t0 >= start && t1 <= stopAt) {
          recorder.add(t1 - t0);
          ops++;
          bytes += moved;
        }
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (failure !== undefined) throw failure;
  const end = options.durationMs !== undefined ? Math.min(stopAt, performance.now()) : performance.now();
  return { ops, elapsedMs: end - start, latencies: recorder.sorted(), bytes };
}
