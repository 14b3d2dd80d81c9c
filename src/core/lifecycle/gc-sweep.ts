/**
 * The sweep phase: carries out a plan in batches, each removal re-checked by the store in its
 * own transaction (see the protocol in garbage-collector.ts). What a push revived between the
 * plan and the removal is skipped, never removed.
 */
import type { BlobStore } from '../../ports/blob-store.js';
import { GC_MAX_BATCH, type ManifestKey } from '../../ports/metadata-lifecycle.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { Checkpoint } from '../checkpoint.js';
import type { GcPhase } from './gc-report.js';
import type { GcPlan } from './gc-plan.js';
import { manifestKey } from './liveness.js';

/** Blob files deleted at once: enough to hide a disk's latency, few enough to spare its queue. */
const DELETE_CONCURRENCY = 16;

export interface SweepContext {
  metadata: MetadataStore;
  blobs: BlobStore;
  cutoff: Date;
  restorableSince: Date;
  checkpoint?: Checkpoint;
  signal?: AbortSignal;
  /** Called between batches: reports progress and keeps the collector's lease alive. */
  between: (phase: GcPhase, done: number, total: number) => Promise<void>;
  /** Adds to the run's freed bytes as files go. */
  freed: (bytes: number) => void;
  /** Renews the lease, throwing if this run lost it; called before every tombstone and byte delete. */
  assertHeld: () => Promise<void>;
}

export interface RemovedBlob {
  digest: string;
  size: number;
  links: string[];
}

export interface BlobSweep {
  removed: RemovedBlob[];
  skipped: number;
  failures: Array<{ digest: string; error: string }>;
}

export async function sweepManifests(ctx: SweepContext, plan: GcPlan): Promise<{ deleted: ManifestKey[]; kept: number }> {
  const garbage = new Set(plan.garbage);
  const deleted: ManifestKey[] = [];
  let kept = 0;
  const check = {
    cutoff: ctx.cutoff,
    restorableSince: ctx.restorableSince,
    isGarbage: (repository: string, digest: string) => garbage.has(manifestKey(repository, digest)),
  };
  for (let i = 0; i < plan.manifests.length; i += GC_MAX_BATCH) {
    ctx.signal?.throwIfAborted();
    const batch = plan.manifests.slice(i, i + GC_MAX_BATCH);
    const result = await ctx.metadata.deleteGarbageManifests(batch, check, { signal: ctx.signal });
    deleted.push(...result.deleted);
    // A manifest kept lives; what it supports in later batches must see it as alive.
    for (const k of result.kept) garbage.delete(manifestKey(k.repository, k.digest));
    kept += result.kept.length;
    await ctx.between('manifests', Math.min(i + GC_MAX_BATCH, plan.manifests.length), plan.manifests.length);
  }
  return { deleted, kept };
}

export async function sweepRepositories(
  ctx: SweepContext,
  plan: GcPlan,
): Promise<{ removed: Array<{ name: string; links: string[] }>; kept: number }> {
  const removed: Array<{ name: string; links: string[] }> = [];
  let done = 0;
  for (const repository of plan.repositories) {
    ctx.signal?.throwIfAborted();
    const result = await ctx.metadata.removeRepository(repository.name, ctx.restorableSince, { signal: ctx.signal });
    if (result !== undefined) removed.push({ name: repository.name, links: result.links });
    await ctx.between('repositories', ++done, plan.repositories.length);
  }
  return { removed, kept: plan.repositories.length - removed.length };
}

/**
 * Tombstone, delete bytes, forget: in that order, so no metadata ever points at bytes that may
 * be gone without also saying they are going.
 */
export async function sweepBlobs(ctx: SweepContext, digests: string[]): Promise<BlobSweep> {
  const sweep: BlobSweep = { removed: [], skipped: 0, failures: [] };
  for (let i = 0; i < digests.length; i += GC_MAX_BATCH) {
    ctx.signal?.throwIfAborted();
    const batch = digests.slice(i, i + GC_MAX_BATCH);
    await ctx.assertHeld();
    const tombstoned = await ctx.metadata.tombstoneBlobs(batch, ctx.cutoff, { signal: ctx.signal });
    sweep.skipped += batch.length - tombstoned.length;
    await ctx.checkpoint?.('gc:tombstoned', tombstoned.map((t) => t.digest));
    await ctx.assertHeld();
    const gone = await deleteBytes(ctx, tombstoned, sweep.failures);
    await ctx.checkpoint?.('gc:bytes-deleted', gone.map((t) => t.digest));
    await ctx.metadata.forgetBlobs(gone.map((t) => t.digest));
    sweep.removed.push(...gone);
    await ctx.between('blobs', Math.min(i + GC_MAX_BATCH, digests.length), digests.length);
  }
  return sweep;
}

/**
 * Settles what an interrupted run (or a failed delete) left tombstoned. Their links went with
 * the tombstone. Bytes already gone: the row is forgotten, so a re-upload simply writes the
 * blob again. Bytes still there: a blob an upload claims or a manifest references is revived;
 * the rest was garbage when tombstoned and is deleted as the interrupted run meant to.
 */
export async function recoverTombstones(ctx: SweepContext, pending: Array<{ digest: string; size: number }>): Promise<BlobSweep & { revived: string[] }> {
  const sweep: BlobSweep & { revived: string[] } = { removed: [], skipped: 0, failures: [], revived: [] };
  for (let i = 0; i < pending.length; i += GC_MAX_BATCH) {
    ctx.signal?.throwIfAborted();
    const batch = pending.slice(i, i + GC_MAX_BATCH).map((p) => ({ ...p, links: [] as string[] }));
    const present: RemovedBlob[] = [];
    const absent: RemovedBlob[] = [];
    for (const blob of batch) ((await ctx.blobs.stat(blob.digest)) === undefined ? absent : present).push(blob);
    await ctx.assertHeld();
    const { revived, tombstoned } = await ctx.metadata.reviveTombstones(present.map((b) => b.digest), { signal: ctx.signal });
    sweep.revived.push(...revived);
    const still = new Set(tombstoned);
    const gone = await deleteBytes(ctx, present.filter((b) => still.has(b.digest)), sweep.failures);
    await ctx.metadata.forgetBlobs([...absent, ...gone].map((t) => t.digest));
    sweep.removed.push(...absent, ...gone);
    await ctx.between('recover', Math.min(i + GC_MAX_BATCH, pending.length), pending.length);
  }
  return sweep;
}

/**
 * Deletes the files; those that fail stay tombstoned for the next run. A store that deletes in
 * batches (S3) gets the whole batch in one call; if that fails, one by one says which failed.
 * A batch cannot say which blobs were already absent, so each counts as freed.
 */
async function deleteBytes(ctx: SweepContext, batch: RemovedBlob[], failures: BlobSweep['failures']): Promise<RemovedBlob[]> {
  if (ctx.blobs.deleteMany !== undefined && batch.length > 1) {
    try {
      await ctx.blobs.deleteMany(batch.map((b) => b.digest), { signal: ctx.signal });
      for (const blob of batch) ctx.freed(blob.size);
      return [...batch];
    } catch {
      ctx.signal?.throwIfAborted();
    }
  }
  const gone: RemovedBlob[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < batch.length; i = next++) {
      const blob = batch[i]!;
      try {
        // Absent already (a crash after the delete, or removed by hand) is as good as deleted.
        const existed = await ctx.blobs.delete(blob.digest);
        if (existed) ctx.freed(blob.size);
        gone.push(blob);
      } catch (error) {
        failures.push({ digest: blob.digest, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, batch.length) }, worker));
  return gone;
}
