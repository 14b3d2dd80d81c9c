/**
 * Runs `count` async operations from `concurrency` workers (pushes, manifest PUTs, seeding).
 * The first failure stops the run and is rethrown: a row with failed requests has no number,
 * and a broken server would otherwise be hammered with the rest of the batch. Count-based rows
 * warm up by running a separate small batch first; duration-based rows use raw-load.ts.
 */
import { performance } from 'node:perf_hooks';
import { LatencyRecorder, type LoadResult } from './load-result.js';

export interface PoolOptions {
  concurrency: number;
  /** Operations get indices 0…count-1, each exactly once. */
  count: number;
  /** Returns the body bytes it moved. */
  op: (index: number) => Promise<number>;
}

export async function runPool(options: PoolOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  let next = 0;
  let bytes = 0;
  let failure: unknown;
  const start = performance.now();

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < options.count) {
      const index = next++;
      const t0 = performance.now();
      try {
        const moved = await options.op(index);
        recorder.add(performance.now() - t0);
        bytes += moved;
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  if (failure !== undefined) throw failure;
  const latencies = recorder.sorted();
  return { ops: latencies.length, elapsedMs: performance.now() - start, latencies, bytes };
}
