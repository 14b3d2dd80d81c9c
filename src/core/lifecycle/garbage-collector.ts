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
 * One collector runs at a time (a lease in the metadata store, renewed as it goes): a run
 * finishes the tombstones an interrupted run left before planning, which is only safe if no
 * other collector is still working on them. A collector paused beyond its lease (10 minutes)
 * could, in principle, delete bytes of a digest re-pushed after another collector finished
 * that tombstone; nothing else can make a manifest point at missing bytes.
 *
 * Dry run: the same plan, no lease and no writes (except `--full`, which records candidates,
 * hints only); its report lists exactly what a real run started at the same moment removes.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { Checkpoint } from '../checkpoint.js';
import { ConflictError } from '../errors.js';
import { planCollection, type GcPlan } from './gc-plan.js';
import { buildReport, type GcOptions, type GcPhase, type GcReport } from './gc-report.js';
import { GcStatsRecorder, type GcStats } from './gc-stats.js';
import { finishTombstones, sweepBlobs, sweepManifests, sweepRepositories, type SweepContext } from './gc-sweep.js';

const LEASE_MS = 10 * 60_000;
/** Renewed well before it runs out, between batches. */
const RENEW_AFTER_MS = LEASE_MS / 4;
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

export class GarbageCollector {
  private readonly stats = new GcStatsRecorder();

  constructor(private readonly deps: CollectorDeps) {}

  /** Counters for /metrics. */
  gcStats(): GcStats {
    return this.stats.snapshot();
  }

  /** Collects (or, dry, reports) garbage. ConflictError while another collector holds the lease. */
  async collect(options: GcOptions = {}): Promise<GcReport> {
    const started = this.deps.now();
    const graceMs = options.graceMs ?? this.deps.graceMs;
    const cutoff = new Date(started.getTime() - graceMs);
    const restorableSince = new Date(started.getTime() - this.deps.restoreWindowMs);
    const dryRun = options.dryRun === true;
    const holder = `gc-${randomUUID()}`;
    const { metadata } = this.deps;
    if (!dryRun && !(await metadata.acquireGcLease(holder, new Date(started.getTime() + LEASE_MS)))) {
      const busy = new ConflictError('another garbage collection is running');
      this.stats.fail(started, busy);
      throw busy;
    }
    let renewed = Date.now();
    let bytesFreed = 0;
    const between = async (phase: GcPhase, done: number, total: number): Promise<void> => {
      options.onProgress?.({ phase, done, total, bytesFreed });
      if (!dryRun && Date.now() - renewed > RENEW_AFTER_MS) {
        renewed = Date.now();
        if (!(await metadata.acquireGcLease(holder, new Date(this.deps.now().getTime() + LEASE_MS)))) {
          throw new ConflictError('the garbage collection lease was lost to another collector');
        }
      }
    };
    const ctx: SweepContext = {
      metadata,
      blobs: this.deps.blobs,
      cutoff,
      restorableSince,
      checkpoint: this.deps.checkpoint,
      signal: options.signal,
      between,
      freed: (bytes) => {
        bytesFreed += bytes;
      },
    };
    try {
      const report = await this.run(ctx, options, { started, dryRun });
      if (!dryRun) this.stats.record(report);
      return report;
    } catch (error) {
      if (!dryRun) this.stats.fail(started, error);
      throw error;
    } finally {
      if (!dryRun) await metadata.releaseGcLease(holder).catch(() => undefined);
    }
  }

  private async run(ctx: SweepContext, options: GcOptions, run: { started: Date; dryRun: boolean }): Promise<GcReport> {
    const { metadata } = this.deps;
    const signal = options.signal;
    if (options.full === true) await metadata.rebuildGcCandidates(RECOVER_SINCE, { signal });
    const recovered = run.dryRun ? undefined : await finishTombstones(ctx, await metadata.tombstonedBlobs({ signal }));
    if (!run.dryRun) await metadata.purgeDeletedTags(ctx.restorableSince, { signal });
    const plan = await planCollection({
      metadata,
      cutoff: ctx.cutoff,
      restorableSince: ctx.restorableSince,
      signal,
      onExamined: (examined, known) => options.onProgress?.({ phase: 'mark', done: examined, total: Math.max(examined, known), bytesFreed: 0 }),
    });
    await this.deps.checkpoint?.('gc:planned', plan.blobs.map((b) => b.digest));
    const base = (examined: number) => ({
      dryRun: run.dryRun,
      startedAt: run.started,
      cutoff: ctx.cutoff,
      durationMs: this.deps.now().getTime() - run.started.getTime(),
      examined,
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
