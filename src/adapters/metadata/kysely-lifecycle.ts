/**
 * MetadataLifecycle over Kysely, the base of KyselyMetadataStore. The queries live in modules
 * by concern (tag-lifecycle-queries, gc-lease, gc-read-queries, gc-guarded-writes); this class
 * only honours the common contract (an aborted signal rejects before any I/O).
 */
import type { IoOptions } from '../../ports/blob-store.js';
import type { UploadAdvance } from '../../ports/metadata-store.js';
import type {
  BlobNode,
  CandidateKind,
  DeletedTag,
  GarbageCheck,
  GarbageManifestResult,
  GcCandidate,
  GcInterruption,
  GcLeaseState,
  ManifestKey,
  ManifestNode,
  ManifestOutgoing,
  MetadataLifecycle,
  RepositoryNode,
  RestoreOutcome,
  TombstonedBlob,
} from '../../ports/metadata-lifecycle.js';
import * as guarded from './gc-guarded-writes.js';
import * as lease from './gc-lease.js';
import * as reads from './gc-read-queries.js';
import type { LifecycleContext } from './lifecycle-sql.js';
import { KyselyUsage } from './kysely-usage.js';
import * as tags from './tag-lifecycle-queries.js';

export class KyselyLifecycle extends KyselyUsage implements MetadataLifecycle {
  readonly #ctx: LifecycleContext;

  constructor(ctx: LifecycleContext) {
    super(ctx);
    this.#ctx = ctx;
  }

  async claimUpload(id: string, digest: string, options?: IoOptions & { advance?: UploadAdvance }): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return tags.claimUpload(this.#ctx, id, digest, options?.advance);
  }

  async deleteRepository(repository: string, options?: IoOptions): Promise<number | undefined> {
    options?.signal?.throwIfAborted();
    return tags.deleteRepository(this.#ctx, repository);
  }

  async restoreTag(repository: string, tag: string, notBefore: Date, options?: IoOptions): Promise<RestoreOutcome> {
    options?.signal?.throwIfAborted();
    return tags.restoreTag(this.#ctx, repository, tag, notBefore);
  }

  async deletedTags(repository: string, notBefore: Date, options?: IoOptions): Promise<DeletedTag[]> {
    options?.signal?.throwIfAborted();
    return tags.deletedTags(this.#ctx, repository, notBefore);
  }

  async purgeDeletedTags(before: Date, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    return tags.purgeDeletedTags(this.#ctx, before);
  }

  async acquireGcLease(holder: string, until: Date, options?: IoOptions & { renewOnly?: boolean }): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return lease.acquireGcLease(this.#ctx, holder, until, options?.renewOnly === true);
  }

  async releaseGcLease(holder: string, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await lease.releaseGcLease(this.#ctx, holder);
  }

  async gcLease(options?: IoOptions): Promise<GcLeaseState | undefined> {
    options?.signal?.throwIfAborted();
    return lease.gcLease(this.#ctx);
  }

  async lastGcInterruption(options?: IoOptions): Promise<GcInterruption | undefined> {
    options?.signal?.throwIfAborted();
    return lease.lastGcInterruption(this.#ctx);
  }

  async saveLastGcReport(report: string, finishedAt: Date, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await lease.saveLastGcReport(this.#ctx, report, finishedAt);
  }

  async lastGcReport(options?: IoOptions): Promise<string | undefined> {
    options?.signal?.throwIfAborted();
    return lease.lastGcReport(this.#ctx);
  }

  async markGcInterruptionsCleaned(at: Date, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await lease.markGcInterruptionsCleaned(this.#ctx, at);
  }

  async reviveTombstones(digests: string[], options?: IoOptions): Promise<{ revived: string[]; tombstoned: string[] }> {
    options?.signal?.throwIfAborted();
    return lease.reviveTombstones(this.#ctx, digests);
  }

  async rebuildGcCandidates(since: Date, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    return reads.rebuildGcCandidates(this.#ctx, since);
  }

  async gcCandidates(kind: CandidateKind, after: GcCandidate | undefined, limit: number, options?: IoOptions): Promise<GcCandidate[]> {
    options?.signal?.throwIfAborted();
    return reads.gcCandidates(this.#ctx, kind, after, limit);
  }

  async dropGcCandidates(candidates: GcCandidate[], options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await reads.dropGcCandidates(this.#ctx, candidates);
  }

  async manifestNodes(keys: ManifestKey[], restorableSince: Date, options?: IoOptions): Promise<ManifestNode[]> {
    options?.signal?.throwIfAborted();
    return reads.manifestNodes(this.#ctx, keys, restorableSince);
  }

  async manifestOutgoing(keys: ManifestKey[], options?: IoOptions): Promise<ManifestOutgoing[]> {
    options?.signal?.throwIfAborted();
    return reads.manifestOutgoing(this.#ctx, keys);
  }

  async blobNodes(digests: string[], options?: IoOptions): Promise<BlobNode[]> {
    options?.signal?.throwIfAborted();
    return reads.blobNodes(this.#ctx, digests);
  }

  async repositoryNodes(names: string[], restorableSince: Date, options?: IoOptions): Promise<RepositoryNode[]> {
    options?.signal?.throwIfAborted();
    return reads.repositoryNodes(this.#ctx, names, restorableSince);
  }

  async deleteGarbageManifests(batch: ManifestKey[], check: GarbageCheck, options?: IoOptions): Promise<GarbageManifestResult> {
    options?.signal?.throwIfAborted();
    return guarded.deleteGarbageManifests(this.#ctx, batch, check);
  }

  async tombstoneBlobs(digests: string[], cutoff: Date, options?: IoOptions): Promise<TombstonedBlob[]> {
    options?.signal?.throwIfAborted();
    return guarded.tombstoneBlobs(this.#ctx, digests, cutoff);
  }

  async tombstonedBlobs(options?: IoOptions): Promise<Array<{ digest: string; size: number }>> {
    options?.signal?.throwIfAborted();
    return reads.tombstonedBlobs(this.#ctx);
  }

  async forgetBlobs(digests: string[], options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await guarded.forgetBlobs(this.#ctx, digests);
  }

  async removeRepository(name: string, restorableSince: Date, options?: IoOptions): Promise<{ links: string[] } | undefined> {
    options?.signal?.throwIfAborted();
    return guarded.removeRepository(this.#ctx, name, restorableSince);
  }
}
