/**
 * Storage lifecycle use cases, for the edges (API, CLI, the scheduler): collect garbage,
 * delete a whole repository, and restore a deleted tag within the restore window.
 *
 * Deleting is cheap and reversible for a while; freeing space is the collector's job. A deleted
 * tag keeps its manifest (and so its blobs) alive for the restore window; after it, the content
 * is ordinary garbage. A deleted repository loses its tags at once (each restorable) and the
 * rest — manifests, links, the name itself — once the collector finds nothing in it alive.
 */
import type { DeletedTag } from '../../ports/metadata-lifecycle.js';
import { ConflictError, NameUnknownError, NotFoundError, UnsupportedError } from '../errors.js';
import type { PolicyStore } from '../../ports/policy-store.js';
import { projectOf } from '../../ports/project-name.js';
import { assertName, assertTag } from '../reference/reference.js';
import { checkTagDelete, checkWritable } from './write-policy.js';
import { GarbageCollector, type CollectorDeps, type GcRecovery } from './garbage-collector.js';
import { describeInterruption, type GcOptions, type GcProgress, type GcReport, type InterruptedRun } from './gc-report.js';
import type { GcStats } from './gc-stats.js';
import { gcSummaryFromText, gcSummaryOf, gcSummaryText, type GcSummary } from './gc-summary.js';

export interface LifecycleDeps extends CollectorDeps {
  /** Deletes are refused when false (registry:2's storage.delete); collection still runs. */
  deleteEnabled: boolean;
  /** Write policies: a read-only project, or an immutable tag, refuses a repository delete. */
  policies?: PolicyStore;
  /** Told when cleaning up after an interrupted collection fails (the next attempt retries). */
  onRecoveryError?: (error: unknown) => void;
  /** Told when a finished collection's summary could not be stored (the status keeps the one before). */
  onReportError?: (error: unknown) => void;
}

/**
 * Collections as the API shows them: the run in progress here, one running in another process
 * (from the lease), the last one that stopped without finishing, and the last one anywhere.
 */
export interface GcStatus {
  running: { startedAt: Date; dryRun: boolean; progress: GcProgress | undefined } | undefined;
  elsewhere: { pid: number | undefined; host: string | undefined; startedAt: Date | undefined; heartbeatAt: Date | undefined } | undefined;
  interrupted: (InterruptedRun & { message: string }) | undefined;
  /** The last real collection, by any instance or `berth gc`, without its lists. */
  last: GcSummary | undefined;
}

export class Lifecycle {
  readonly collector: GarbageCollector;
  private running: GcStatus['running'];
  private recovering: Promise<GcRecovery | undefined> | undefined;

  constructor(private readonly deps: LifecycleDeps) {
    this.collector = new GarbageCollector(deps);
  }

  async gc(options: GcOptions = {}): Promise<GcReport> {
    const run = { startedAt: this.deps.now(), dryRun: options.dryRun === true, progress: undefined as GcProgress | undefined };
    // Only this process's runs are seen here; a `berth gc` in another process shows in its own output.
    if (this.running === undefined) this.running = run;
    try {
      const report = await this.collector.collect({
        ...options,
        onProgress: (progress) => {
          run.progress = progress;
          options.onProgress?.(progress);
        },
      });
      if (!run.dryRun) {
        // Kept where every instance reads it; a failure to keep it costs the status line, not the run.
        await this.deps.metadata
          .saveLastGcReport(gcSummaryText(gcSummaryOf(report)), this.deps.now())
          .catch((error: unknown) => this.deps.onReportError?.(error));
      }
      return report;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** The run in progress in this process, for /metrics (no I/O). */
  runningHere(): GcStatus['running'] {
    return this.running === undefined ? undefined : { ...this.running };
  }

  /**
   * Reads the lease as well as this process's runs, so a collection running elsewhere, or one
   * that died, is reported as such. Finding a stale lease starts the clean-up of its leftovers.
   */
  async gcStatus(): Promise<GcStatus> {
    const { metadata } = this.deps;
    const lease = await metadata.gcLease();
    let elsewhere: GcStatus['elsewhere'];
    let interrupted: InterruptedRun | undefined;
    if (lease !== undefined && !lease.stale && lease.holder !== this.collector.currentHolder()) {
      elsewhere = { pid: lease.pid, host: lease.host, startedAt: lease.startedAt, heartbeatAt: lease.heartbeatAt };
    }
    if (lease?.stale === true) {
      interrupted = { pid: lease.pid, host: lease.host, startedAt: lease.startedAt, stoppedAt: lease.heartbeatAt, cleanedAt: undefined };
      this.recoverInBackground();
    } else {
      const last = await metadata.lastGcInterruption();
      if (last !== undefined) {
        interrupted = { pid: last.pid, host: last.host, startedAt: last.startedAt, stoppedAt: last.lastSeenAt, cleanedAt: last.cleanedAt };
        if (last.cleanedAt === undefined && lease === undefined) this.recoverInBackground();
      }
    }
    return {
      running: this.runningHere(),
      elsewhere,
      interrupted: interrupted === undefined ? undefined : { ...interrupted, message: describeInterruption(interrupted) },
      last: await this.lastCollection(),
    };
  }

  private async lastCollection(): Promise<GcSummary | undefined> {
    const text = await this.deps.metadata.lastGcReport();
    return text === undefined ? undefined : gcSummaryFromText(text);
  }

  /**
   * Settles what a collection that stopped without finishing left, unless a live collector
   * holds the lease (it will). One at a time in this process; the lease guards the rest.
   */
  async recoverInterrupted(options: { evenFailedDeletes?: boolean } = {}): Promise<GcRecovery | undefined> {
    this.recovering ??= this.collector.recoverInterrupted(options).finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private recoverInBackground(): void {
    void this.recoverInterrupted().catch((error: unknown) => this.deps.onRecoveryError?.(error));
  }

  gcStats(): GcStats {
    return this.collector.gcStats();
  }

  /** Deletes every tag of `repository` (each restorable) and leaves the rest to the collector. */
  async deleteRepository(repository: string): Promise<{ tags: number }> {
    if (!this.deps.deleteEnabled) throw new UnsupportedError('deletes are disabled on this registry');
    assertName(repository);
    const policy = await this.deps.policies?.get(projectOf(repository));
    checkWritable(policy, repository);
    if (policy !== undefined && policy.immutableTags.length > 0) {
      // Checked before, not inside, the delete: an immutable tag pushed in between is a race
      // the caller could equally have lost by deleting a moment earlier.
      for (const tag of await this.deps.metadata.listTags(repository, {})) checkTagDelete(policy, repository, tag);
    }
    const tags = await this.deps.metadata.deleteRepository(repository);
    if (tags === undefined) throw new NameUnknownError('repository name not known to registry', { repository });
    return { tags };
  }

  /** Puts a deleted tag back on the manifest it named, within the restore window. */
  async restoreTag(repository: string, tag: string): Promise<{ digest: string }> {
    assertName(repository);
    assertTag(tag);
    // A restore writes a tag: a read-only project refuses it like a push.
    checkWritable(await this.deps.policies?.get(projectOf(repository)), repository);
    const { metadata } = this.deps;
    const outcome = await metadata.restoreTag(repository, tag, this.restorableSince());
    const detail = { repository, tag };
    switch (outcome) {
      case 'restored': {
        const record = await metadata.manifestByTag(repository, tag);
        if (record === undefined) throw new NotFoundError('the restored tag was deleted again', detail);
        return { digest: record.digest };
      }
      case 'unknown':
        throw new NotFoundError('no deleted tag of that name', detail);
      case 'expired':
        throw new NotFoundError('the tag was deleted before the restore window; it can no longer be restored', detail);
      case 'manifest-gone':
        throw new NotFoundError('the manifest the tag named has been deleted', detail);
      case 'tag-exists':
        throw new ConflictError('the tag exists again; delete it first to restore the old one', detail);
    }
  }

  /** Tags of `repository` that can still be restored. */
  async deletedTags(repository: string): Promise<DeletedTag[]> {
    assertName(repository);
    return this.deps.metadata.deletedTags(repository, this.restorableSince());
  }

  /** Until when a tag deleted now can be restored. */
  restorableUntil(): Date {
    return new Date(this.deps.now().getTime() + this.deps.restoreWindowMs);
  }

  private restorableSince(): Date {
    return new Date(this.deps.now().getTime() - this.deps.restoreWindowMs);
  }
}
