/**
 * Online garbage collection: mark and sweep over the reference graph in the metadata store,
 * while pushes, pulls and deletes go on.
 *
 * WHAT IS GARBAGE
 * - A manifest nobody needs: no tag, no restorable deleted tag, no live index listing it, no
 *   live referrer/subject relation (liveness.ts), created and untagged before the grace period.
 * - A blob no remaining manifest in any repository references, no upload has claimed, and that
 *   was recorded and last (re)linked before the grace period. Its links in every repository
 *   go with it.
 * - A repository given up with `deleteRepository`, once nothing in it lives (its links go).
 * Only candidates (metadata-lifecycle.ts), and what their removal exposes, are examined.
 *
 * THE PROTOCOL (why a push never ends with a manifest pointing at deleted bytes)
 * Bytes are deleted only between two metadata transactions: a tombstone and a forget.
 *  1. Plan (no writes). Decisions may be stale by the time they are carried out.
 *  2. Manifests: each batch is deleted in a transaction that re-checks tags, restorable tags,
 *     parents, referrers and subject against the still-garbage set. Containers go before what
 *     they contain, and a container kept keeps what it contains, so no kept manifest ever
 *     points at a removed one.
 *  3. Blobs, per batch: TOMBSTONE in one transaction that re-checks "no manifest references
 *     it, no upload claims it, nothing linked it within the grace period" and drops its links;
 *     then DELETE the bytes; then FORGET the row. Every push step that could come to depend on
 *     a blob runs a transaction that refuses a tombstoned one, and the tombstone refuses a blob
 *     any of them has touched — on SQLite transactions run one at a time, on PostgreSQL the rows
 *     are locked (lifecycle-sql.ts) — so each push step lands either wholly before the
 *     tombstone (and the tombstone backs off) or after it (and the step is refused):
 *     - upload completion CLAIMS the digest in metadata before committing bytes. The
 *       filesystem store keeps an existing blob and discards the staged copy, so committing is
 *       only safe while that blob cannot go: a claim before the tombstone makes the tombstone
 *       back off; a claim after it is refused, and the upload waits until the row is forgotten
 *       (its bytes are gone by then), so its commit publishes the staged copy afresh;
 *     - a mount's link is refused on a tombstoned blob, and the client uploads instead;
 *     - a manifest put checks, inside its own transaction, that every blob is linked (the
 *       tombstone dropped the links) and every child stored; otherwise MANIFEST_BLOB_UNKNOWN
 *       and the client pushes the blob again.
 *     A reader streaming a blob while it is deleted keeps its open file to the end.
 *  4. Repositories are removed in a transaction that re-checks they hold nothing alive.
 * One collector runs at a time: a lease in the metadata store naming its holder's process,
 * renewed by a heartbeat every 5 s and expiring 30 s after the last one (gc-lease-keeper.ts);
 * a holder on the same host whose pid is gone is stale at once. Every tombstone and every
 * byte delete first renews the lease and stops the run if another collector has taken it.
 * A collector that dies mid-sweep leaves tombstones. Nothing is deleting their bytes, so:
 *  - an upload claiming such a digest while no live collector holds the lease lifts the
 *    tombstone in its claim transaction (metadata-lifecycle.ts `claimUpload`) and goes on at
 *    once: its commit keeps the bytes if they are there, publishes its own if they are gone;
 *  - the next holder of the lease (`berth gc`, the schedule, or `recoverInterrupted`, which
 *    the server runs at start-up and whenever it finds the lease stale) settles the rest
 *    before planning: bytes gone, the row is forgotten; bytes there, the blob is revived if an
 *    upload claims it or a manifest references it, else deleted as the dead run meant to.
 *    Taking over a stale lease records the dead run, which the status reports.
 * A collector paused beyond its lease (not killed: stopped, or starved for 30 s) could, in
 * principle, delete bytes of a digest a claim revived meanwhile; its next lease check stops it.
 *
 * `--now` (purge): the restore window ends at the start of the run and youth protects only
 * what a push may still be building on (liveness.ts YouthRule, gc-plan.ts planBlobs); every
 * re-check above then uses the run's start as its cutoff, so whatever a push touches after
 * the plan is still left alone. What any run holds back, and why, is gc-held.ts.
 *
 * Dry run: the same plan, no lease and no writes (except `--full`, which records candidates,
 * hints only); its report lists exactly what a real run started at the same moment removes.
 */
import type { BlobStore } from '../../ports/blob-store.js';
import type { GcInterruption } from '../../ports/metadata-lifecycle.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { Checkpoint } from '../checkpoint.js';
import { ConflictError } from '../errors.js';
import { GcLeaseKeeper } from './gc-lease-keeper.js';
import { planCollection, type GcPlan } from './gc-plan.js';
import { heldBack, type PlanRules } from './gc-held.js';
import { buildReport, type GcOptions, type GcPhase, type GcReport } from './gc-report.js';
import { GcStatsRecorder, type GcStats } from './gc-stats.js';
import { recoverTombstones, sweepBlobs, sweepManifests, sweepRepositories, type BlobSweep, type RemovedBlob, type SweepContext } from './gc-sweep.js';

const RECOVER_SINCE = new Date(0);

export interface CollectorDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  now: () => Date;
  /** Default grace period: nothing created, linked or unreferenced more recently is collected. */
  graceMs: number;
  /** How long a deleted tag stays restorable (and keeps its manifest). */
  restoreWindowMs: number;
  checkpoint?: Checkpoint;
}

/** What settling an interrupted collection's leftovers did. */
export interface GcRecovery {
  interrupted: GcInterruption | undefined;
  /** Tombstoned blobs whose bytes were deleted (or were gone) and whose rows were forgotten. */
  forgotten: number;
  /** Tombstoned blobs wanted again (claimed or referenced), whose tombstone was lifted. */
  revived: number;
  failures: BlobSweep['failures'];
}

export class GarbageCollector {
  private readonly stats = new GcStatsRecorder();
  private holding: GcLeaseKeeper | undefined;

  constructor(private readonly deps: CollectorDeps) {}

  /** Counters for /metrics. */
  gcStats(): GcStats {
    return this.stats.snapshot();
  }

  /** The lease holder of the run in progress in this process, if any. */
  currentHolder(): string | undefined {
    return this.holding?.holder;
  }

  /** Collects (or, dry, reports) garbage. ConflictError while another collector holds the lease. */
  async collect(options: GcOptions = {}): Promise<GcReport> {
    const started = this.deps.now();
    const graceMs = options.graceMs ?? this.deps.graceMs;
    const purge = options.purge === true;
    const rules: PlanRules = {
      cutoff: new Date(started.getTime() - graceMs),
      // --now ends the restore window: a tag deleted up to this moment is no longer restorable.
      restorableSince: purge ? new Date(started.getTime() + 1) : new Date(started.getTime() - this.deps.restoreWindowMs),
      purge,
    };
    // The sweep's re-checks back off for anything touched after the plan's rules were applied:
    // for --now that is anything since the run started (the plan exempted what is in flight).
    const cutoff = purge ? started : rules.cutoff;
    const restorableSince = rules.restorableSince;
    const dryRun = options.dryRun === true;
    const lease = dryRun ? undefined : await this.takeLease();
    if (lease === false) {
      const busy = await this.busy();
      this.stats.fail(started, busy);
      throw busy;
    }
    let bytesFreed = 0;
    const ctx = this.context(lease, { cutoff, restorableSince, signal: options.signal, onProgress: options.onProgress, freed: (bytes) => (bytesFreed += bytes), bytesFreed: () => bytesFreed });
    try {
      const report = await this.run(ctx, options, { started, dryRun, rules, graceMs });
      if (!dryRun) this.stats.record(report);
      return report;
    } catch (error) {
      if (!dryRun) this.stats.fail(started, error);
      throw error;
    } finally {
      if (lease !== undefined) await this.dropLease(lease);
    }
  }

  /**
   * Settles what a collection that stopped without finishing left (its tombstones), when no
   * live collector holds the lease: at start-up, and whenever its lease is found stale.
   * Undefined when there was nothing to do or a live collector will do it.
   */
  async recoverInterrupted(options: { evenFailedDeletes?: boolean } = {}): Promise<GcRecovery | undefined> {
    const { metadata } = this.deps;
    const current = await metadata.gcLease();
    if (current !== undefined && !current.stale) return undefined;
    if (current === undefined) {
      const last = await metadata.lastGcInterruption();
      const unsettled = last !== undefined && last.cleanedAt === undefined;
      // Tombstones a finished run could not delete wait for the next collection, unless asked
      // (at start-up): retrying a failing delete on every check would only repeat the failure.
      if (!unsettled && !(options.evenFailedDeletes === true && (await metadata.tombstonedBlobs()).length > 0)) return undefined;
    }
    const lease = await this.takeLease();
    if (lease === false) return undefined;
    const now = this.deps.now();
    const ctx = this.context(lease, { cutoff: now, restorableSince: now, freed: () => undefined, bytesFreed: () => 0 });
    try {
      const { removed: _, ...recovery } = await this.settle(ctx);
      return recovery;
    } finally {
      await this.dropLease(lease);
    }
  }

  private async settle(ctx: SweepContext, onInterrupted?: (interruption: GcInterruption) => void): Promise<GcRecovery & { removed: RemovedBlob[] }> {
    const { metadata } = this.deps;
    const last = await metadata.lastGcInterruption();
    const interrupted = last !== undefined && last.cleanedAt === undefined ? last : undefined;
    if (interrupted !== undefined) onInterrupted?.(interrupted);
    const sweep = await recoverTombstones(ctx, await metadata.tombstonedBlobs({ signal: ctx.signal }));
    if (interrupted !== undefined && sweep.failures.length === 0) await metadata.markGcInterruptionsCleaned(this.deps.now());
    return { interrupted, forgotten: sweep.removed.length, revived: sweep.revived.length, failures: sweep.failures, removed: sweep.removed };
  }

  private async takeLease(): Promise<GcLeaseKeeper | false> {
    const keeper = new GcLeaseKeeper(this.deps.metadata, this.deps.now);
    if (!(await keeper.acquire())) return false;
    this.holding = keeper;
    return keeper;
  }

  private async dropLease(keeper: GcLeaseKeeper): Promise<void> {
    if (this.holding === keeper) this.holding = undefined;
    await keeper.release();
  }

  /** The refusal while another collector runs, naming it so an operator can find it. */
  private async busy(): Promise<ConflictError> {
    const lease = await this.deps.metadata.gcLease().catch(() => undefined);
    if (lease === undefined) return new ConflictError('another garbage collection is running; try again when it finishes');
    const who = lease.pid === undefined ? 'another collector' : `pid ${lease.pid}${lease.host === undefined ? '' : ` on ${lease.host}`}`;
    const since = lease.startedAt === undefined ? '' : `, started ${lease.startedAt.toISOString()}`;
    const beat = lease.heartbeatAt === undefined ? '' : `, last heartbeat ${lease.heartbeatAt.toISOString()}`;
    return new ConflictError(`another garbage collection is running (${who}${since}${beat}); try again when it finishes`, {
      pid: lease.pid,
      host: lease.host,
      startedAt: lease.startedAt?.toISOString(),
      heartbeatAt: lease.heartbeatAt?.toISOString(),
    });
  }

  private context(
    lease: GcLeaseKeeper | undefined,
    run: {
      cutoff: Date;
      restorableSince: Date;
      signal?: AbortSignal;
      onProgress?: GcOptions['onProgress'];
      freed: (bytes: number) => void;
      bytesFreed: () => number;
    },
  ): SweepContext {
    const assertHeld = async (): Promise<void> => {
      if (lease === undefined) throw new Error('a dry run deletes nothing');
      await lease.assertHeld();
    };
    return {
      metadata: this.deps.metadata,
      blobs: this.deps.blobs,
      cutoff: run.cutoff,
      restorableSince: run.restorableSince,
      checkpoint: this.deps.checkpoint,
      signal: run.signal,
      between: async (phase: GcPhase, done: number, total: number) => {
        run.onProgress?.({ phase, done, total, bytesFreed: run.bytesFreed() });
        lease?.check();
      },
      freed: run.freed,
      assertHeld,
    };
  }

  private async run(
    ctx: SweepContext,
    options: GcOptions,
    run: { started: Date; dryRun: boolean; rules: PlanRules; graceMs: number },
  ): Promise<GcReport> {
    const { metadata } = this.deps;
    const signal = options.signal;
    if (options.full === true) await metadata.rebuildGcCandidates(RECOVER_SINCE, { signal });
    const recovered = run.dryRun ? undefined : await this.settle(ctx, options.onInterrupted);
    if (!run.dryRun) await metadata.purgeDeletedTags(ctx.restorableSince, { signal });
    const plan = await planCollection({
      metadata,
      ...run.rules,
      signal,
      onExamined: (examined, known) => options.onProgress?.({ phase: 'mark', done: examined, total: Math.max(examined, known), bytesFreed: 0 }),
    });
    await this.deps.checkpoint?.('gc:planned', plan.blobs.map((b) => b.digest));
    const held = await heldBack(
      { metadata, started: run.started, graceMs: run.graceMs, restoreWindowMs: this.deps.restoreWindowMs, signal },
      run.rules,
      plan,
    );
    const base = (examined: number) => ({
      dryRun: run.dryRun,
      purge: run.rules.purge,
      startedAt: run.started,
      cutoff: run.rules.cutoff,
      durationMs: this.deps.now().getTime() - run.started.getTime(),
      examined,
      held,
    });
    if (run.dryRun) return this.dryReport(plan, base(plan.examined));

    const manifests = await sweepManifests(ctx, plan);
    const repositories = await sweepRepositories(ctx, plan);
    const blobs = await sweepBlobs(ctx, plan.blobs.map((b) => b.digest));
    await metadata.dropGcCandidates(plan.drop, { signal });
    await ctx.between('done', 1, 1);
    const recoveredBlobs = recovered?.removed ?? [];
    return buildReport(
      {
        ...base(plan.examined + recoveredBlobs.length),
        skipped: { manifests: manifests.kept, blobs: blobs.skipped, repositories: repositories.kept },
        failures: [...(recovered?.failures ?? []), ...blobs.failures],
      },
      { manifests: manifests.deleted, repositories: repositories.removed, blobs: [...recoveredBlobs, ...blobs.removed] },
    );
  }

  private dryReport(plan: GcPlan, base: Omit<Parameters<typeof buildReport>[0], 'skipped' | 'failures'>): GcReport {
    return buildReport(
      { ...base, skipped: { manifests: 0, blobs: 0, repositories: 0 }, failures: [] },
      {
        manifests: plan.manifests,
        repositories: plan.repositories.map((r) => ({ name: r.name, links: r.links })),
        blobs: [
          ...plan.pending.map((p) => ({ ...p, links: [] })),
          ...plan.blobs.map((b) => ({ digest: b.digest, size: b.size, links: b.links })),
        ],
      },
    );
  }
}
