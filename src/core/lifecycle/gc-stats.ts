/**
 * Counters of real collections in this process, for /metrics: a scrape reads a snapshot, so
 * the exporter needs no knowledge of the collector.
 */
import type { GcReport } from './gc-report.js';

export interface GcStats {
  /** Completed real runs (dry runs are not counted). */
  runs: number;
  /** Runs that ended with an error (including "another collector is running"). */
  failedRuns: number;
  lastRunAt: Date | undefined;
  lastDurationMs: number | undefined;
  lastError: string | undefined;
  bytesFreedTotal: number;
  blobsRemovedTotal: number;
  manifestsRemovedTotal: number;
  repositoriesRemovedTotal: number;
}

export class GcStatsRecorder {
  private stats: GcStats = {
    runs: 0,
    failedRuns: 0,
    lastRunAt: undefined,
    lastDurationMs: undefined,
    lastError: undefined,
    bytesFreedTotal: 0,
    blobsRemovedTotal: 0,
    manifestsRemovedTotal: 0,
    repositoriesRemovedTotal: 0,
  };

  record(report: GcReport): void {
    const s = this.stats;
    this.stats = {
      ...s,
      runs: s.runs + 1,
      lastRunAt: report.startedAt,
      lastDurationMs: report.durationMs,
      lastError: undefined,
      bytesFreedTotal: s.bytesFreedTotal + report.bytesFreed,
      blobsRemovedTotal: s.blobsRemovedTotal + report.blobsRemoved,
      manifestsRemovedTotal: s.manifestsRemovedTotal + report.manifestsRemoved,
      repositoriesRemovedTotal: s.repositoriesRemovedTotal + report.repositoriesRemoved,
    };
  }

  fail(startedAt: Date, error: unknown): void {
    this.stats = {
      ...this.stats,
      failedRuns: this.stats.failedRuns + 1,
      lastRunAt: startedAt,
      lastError: error instanceof Error ? error.message : String(error),
    };
  }

  snapshot(): GcStats {
    return { ...this.stats };
  }
}
