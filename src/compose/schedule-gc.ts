/**
 * The collector `berth serve` runs on its own, every `lifecycle.gc.interval`. Runs never
 * overlap in this process, and the metadata lease keeps them from overlapping a `berth gc`
 * started by hand (that run is skipped, not failed loudly).
 */
import type { Logger } from 'pino';
import type { BerthConfig } from '../config/config.js';
import type { Lifecycle } from '../core/lifecycle/lifecycle.js';
import { RegistryError } from '../core/errors.js';

/** Starts the schedule; returns a function that stops it (an ongoing run finishes). */
export function scheduleGc(lifecycle: Lifecycle, config: BerthConfig, logger: Logger): () => void {
  const intervalMs = config.lifecycle.gc.intervalSeconds * 1000;
  if (intervalMs <= 0) return () => undefined;
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const report = await lifecycle.gc();
      if (report.manifestsRemoved + report.blobsRemoved + report.repositoriesRemoved > 0 || report.failures.length > 0) {
        logger.info(
          {
            manifests: report.manifestsRemoved,
            blobs: report.blobsRemoved,
            repositories: report.repositoriesRemoved,
            bytes: report.bytesFreed,
            skipped: report.skipped,
            failures: report.failures.length,
            durationMs: report.durationMs,
          },
          'garbage collection finished',
        );
      }
    } catch (error) {
      if (error instanceof RegistryError && error.kind === 'conflict') logger.info('garbage collection skipped: another run holds the lease');
      else logger.error({ err: error }, 'garbage collection failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
