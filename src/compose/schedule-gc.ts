/**
 * The collector `berth serve` runs on its own, every `lifecycle.gc.interval`, after applying
 * every project's retention rules (so what they remove is freed once restorable no more). Runs never
 * overlap in this process, and the metadata lease keeps them from overlapping a `berth gc`
 * started by hand (that run is skipped, not failed loudly).
 */
import type { Logger } from 'pino';
import type { BerthConfig } from '../config/config.js';
import type { Lifecycle } from '../core/lifecycle/lifecycle.js';
import { RegistryError } from '../core/errors.js';
import type { Retention } from '../core/lifecycle/retention.js';
import type { GcRecovery } from '../core/lifecycle/garbage-collector.js';
import { describeInterruption } from '../core/lifecycle/gc-report.js';

/**
 * How often the server looks for a collection that stopped without finishing (a killed
 * `berth gc`): its lease goes stale at once on this host, 30 s after its last heartbeat
 * elsewhere. A check is two indexed reads.
 */
const INTERRUPTED_CHECK_MS = 10_000;

/**
 * Settles what an interrupted collection left, at start-up (then also retrying tombstones a
 * finished run failed to delete) and every INTERRUPTED_CHECK_MS; returns a function that stops.
 */
export function watchInterruptedGc(lifecycle: Lifecycle, logger: Logger): () => void {
  const check = async (evenFailedDeletes: boolean): Promise<void> => {
    try {
      logRecovery(await lifecycle.recoverInterrupted({ evenFailedDeletes }), logger);
    } catch (error) {
      logger.error({ err: error }, 'cleaning up after an interrupted garbage collection failed; retried shortly');
    }
  };
  void check(true);
  const timer = setInterval(() => void check(false), INTERRUPTED_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function logRecovery(recovery: GcRecovery | undefined, logger: Logger): void {
  if (recovery === undefined) return;
  const settled = { forgotten: recovery.forgotten, revived: recovery.revived, failures: recovery.failures.length };
  if (recovery.interrupted === undefined) {
    if (recovery.forgotten + recovery.revived + recovery.failures.length > 0) logger.info(settled, 'finished blob deletes an earlier collection left');
    return;
  }
  const i = recovery.interrupted;
  logger.warn(
    { ...settled, pid: i.pid, host: i.host },
    describeInterruption({ pid: i.pid, host: i.host, startedAt: i.startedAt, stoppedAt: i.lastSeenAt, cleanedAt: recovery.failures.length === 0 ? new Date() : undefined }),
  );
}

async function applyRetention(retention: Retention, logger: Logger): Promise<void> {
  try {
    for (const report of await retention.runAll()) {
      if (report.removed.length > 0 || report.skipped.length > 0) {
        logger.info({ project: report.project, removed: report.removed.length, skipped: report.skipped.length, rules: report.rules }, 'retention applied');
      }
    }
  } catch (error) {
    logger.error({ err: error }, 'retention failed');
  }
}

/**
 * Starts the schedule; returns a function that stops it (an ongoing run finishes). With
 * `claim` (instances sharing a database) every instance keeps the timer but only the one that
 * claims the interval's turn runs: one collection per interval across the instances, and when
 * that instance is gone the next one's timer takes over. A turn is claimed when nobody started
 * one in the last 90 % of an interval, so timers a little out of step never both win.
 */
export function scheduleGc(
  lifecycle: Lifecycle,
  config: BerthConfig,
  logger: Logger,
  retention?: Retention,
  claim?: (name: string, minGapMs: number) => Promise<boolean>,
): () => void {
  const intervalMs = config.lifecycle.gc.intervalSeconds * 1000;
  if (intervalMs <= 0) return () => undefined;
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      if (claim !== undefined && !(await claim('gc', intervalMs * 0.9))) return;
      if (retention !== undefined && config.storage.delete.enabled) await applyRetention(retention, logger);
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
