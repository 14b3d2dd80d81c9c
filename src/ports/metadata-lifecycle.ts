/**
 * The part of the MetadataStore that storage lifecycle needs: restorable tag deletes,
 * repository deletes, and the queries and guarded writes of the garbage collector. The
 * protocol these writes take part in is described in core/lifecycle/garbage-collector.ts;
 * what each method promises is written here.
 *
 * GC candidates: every write that can leave something unreferenced (a tag deleted or moved, a
 * manifest deleted, a manifest pushed untagged, a blob recorded or unlinked, a repository
 * deleted) records a candidate row in the same transaction. The collector examines only those,
 * so its cost follows the garbage and not the registry's size. A candidate says "look here",
 * never "this is garbage": the collector decides.
 */
import type { IoOptions } from './blob-store.js';
import type { UploadAdvance } from './metadata-store.js';

/**
 * The most manifests `deleteGarbageManifests`, or digests `tombstoneBlobs`, take at once: one
 * transaction each, so a batch is a trade between commits (each costs a WAL write) and how
 * long a push may wait for the write lock.
 */
export const GC_MAX_BATCH = 1000;

export interface ManifestKey {
  repository: string;
  digest: string;
}

export type CandidateKind = 'manifest' | 'blob' | 'repository';

/** `repository` is '' for blobs (blobs are global); `digest` is '' for repositories. */
export interface GcCandidate {
  kind: CandidateKind;
  repository: string;
  digest: string;
  /** When the thing last became possibly unreferenced; the grace period runs from here. */
  since: Date;
}

export interface DeletedTag {
  repository: string;
  tag: string;
  digest: string;
  deletedAt: Date;
}

export type RestoreOutcome = 'restored' | 'unknown' | 'expired' | 'tag-exists' | 'manifest-gone';

/** What decides a manifest's liveness, read in bulk. */
export interface ManifestNode {
  repository: string;
  digest: string;
  createdAt: Date;
  subject: string | undefined;
  /** A tag points at it. */
  tagged: boolean;
  /** A tag deleted at or after `restorableSince` points at it. */
  restorable: boolean;
  /** The candidate row's `since`, when there is one. */
  candidateSince: Date | undefined;
  /** Digests of manifests in the same repository that list it as a child. */
  parents: string[];
  /** Digests of manifests in the same repository whose subject it is. */
  referrers: string[];
}

/** What a manifest points at. */
export interface ManifestOutgoing {
  repository: string;
  digest: string;
  children: string[];
  blobs: string[];
}

export interface BlobNode {
  digest: string;
  size: number;
  createdAt: Date;
  /** Newest link (or re-link) into any repository; undefined when no repository links it. */
  lastLinkedAt: Date | undefined;
  /** Repositories that link it. */
  links: string[];
  /** Manifests (in any repository) that reference it. */
  references: number;
  /** An upload session has claimed this digest and is publishing it. */
  claimed: boolean;
  /** Tombstoned: a collector decided to delete it and may be deleting its bytes. */
  deleting: boolean;
}

export interface RepositoryNode {
  name: string;
  manifests: number;
  tagged: boolean;
  /** A tag deleted at or after `restorableSince` belongs to it. */
  restorable: boolean;
  /** An upload session is open in it. */
  uploading: boolean;
  /** Digests it links. */
  links: string[];
}

/** How a guarded delete re-checks, inside its transaction, what the collector decided. */
export interface GarbageCheck {
  /** Only what was created, linked or unreferenced before this may go. */
  cutoff: Date;
  /** Tags deleted at or after this are still restorable, and keep their manifests. */
  restorableSince: Date;
  /** Whether the collector (still) counts this manifest as garbage. */
  isGarbage(repository: string, digest: string): boolean;
}

export interface GarbageManifestResult {
  deleted: ManifestKey[];
  /** Manifests that gained a reason to live since the decision; left untouched. */
  kept: ManifestKey[];
}

export interface TombstonedBlob {
  digest: string;
  size: number;
  /** Repositories whose links were dropped with the tombstone. */
  links: string[];
}

/** The collector's lease, as `gcLease` reads it. */
export interface GcLeaseState {
  holder: string;
  pid: number | undefined;
  host: string | undefined;
  startedAt: Date | undefined;
  /** When the holder last renewed it. */
  heartbeatAt: Date | undefined;
  expiresAt: Date;
  /** Expired, or its holder is a process on this host that no longer runs. */
  stale: boolean;
}

/** A collection found stopped without finishing (its lease stale, taken over). */
export interface GcInterruption {
  holder: string;
  pid: number | undefined;
  host: string | undefined;
  startedAt: Date | undefined;
  /** Its last heartbeat: when it stopped, as closely as anyone can tell. */
  lastSeenAt: Date;
  foundAt: Date;
  /** Blobs it left tombstoned when it was found. */
  tombstones: number;
  /** When its leftovers were finished or revived; undefined while that is still to do. */
  cleanedAt: Date | undefined;
}

export interface MetadataLifecycle {
  /**
   * Records that upload `id` is about to publish `digest`, before its bytes are committed.
   * False (nothing changed) when the digest is tombstoned by a live collector: the caller must
   * wait until `tombstonedBlobs` no longer lists it before committing bytes. A tombstone no
   * live collector holds the lease for (the collector was killed, or its delete failed) is
   * orphaned: nobody is deleting those bytes, so the claim lifts it (the blob is recorded again,
   * unlinked, a GC candidate) and succeeds; the commit then keeps the bytes if they are still
   * there or publishes the staged copy if they are gone. Rejects when the session is gone.
   *
   * `advance` records the session's last chunk in the same transaction (as `advanceUpload`,
   * clearing the hash state: the session is completing), so a push whose PUT carries the body
   * commits once for both; a session no longer at `advance.from` rejects with
   * MetadataUploadMovedError and changes nothing. A false answer changes nothing either.
   */
  claimUpload(id: string, digest: string, options?: IoOptions & { advance?: UploadAdvance }): Promise<boolean>;

  /**
   * Deletes every tag of a repository, each restorable, and records the repository as a GC
   * candidate (it goes, with its links, once nothing in it lives). Resolves to the number of
   * tags deleted, or undefined when the repository does not exist.
   */
  deleteRepository(repository: string, options?: IoOptions): Promise<number | undefined>;
  /**
   * Puts a deleted tag back on the manifest it pointed at, if it was deleted at or after
   * `notBefore`, the tag is not in use again and the manifest still exists.
   */
  restoreTag(repository: string, tag: string, notBefore: Date, options?: IoOptions): Promise<RestoreOutcome>;
  /** Tags of `repository` deleted at or after `notBefore`, by tag name. */
  deletedTags(repository: string, notBefore: Date, options?: IoOptions): Promise<DeletedTag[]>;
  /** Forgets tags deleted before `before` (past the restore window). Resolves to the count. */
  purgeDeletedTags(before: Date, options?: IoOptions): Promise<number>;

  /**
   * Takes (or extends) the collector's lease for `holder` until `until`; false while another
   * holder's lease has not expired. One collector at a time keeps tombstone recovery safe.
   * A lease of `holder`'s own that has already expired is not extended (uploads may have lifted
   * its tombstones meanwhile), and with `renewOnly` a lease that is not `holder`'s is never
   * taken: a run that lost its lease must stop, not win it back with an old plan.
   */
  acquireGcLease(holder: string, until: Date, options?: IoOptions & { renewOnly?: boolean }): Promise<boolean>;
  releaseGcLease(holder: string, options?: IoOptions): Promise<void>;
  /**
   * The lease as stored, with who holds it (the store records the acquiring process's pid and
   * host) and whether it is stale: expired, or held by a process on this host that is gone.
   * Taking over a stale lease records the holder as an interruption (`lastGcInterruption`).
   */
  gcLease(options?: IoOptions): Promise<GcLeaseState | undefined>;
  /** The collection most recently found stopped without finishing, if any. */
  lastGcInterruption(options?: IoOptions): Promise<GcInterruption | undefined>;
  /**
   * Keeps `report` (opaque text: core's summary of a finished real collection) as the last one,
   * replacing the one before, so every instance can show it.
   */
  saveLastGcReport(report: string, finishedAt: Date, options?: IoOptions): Promise<void>;
  /** What saveLastGcReport kept last, or undefined when no collection has finished. */
  lastGcReport(options?: IoOptions): Promise<string | undefined>;
  /** Records that the work interrupted collections left (their tombstones) is done. */
  markGcInterruptionsCleaned(at: Date, options?: IoOptions): Promise<void>;
  /**
   * For a collector holding the lease, before it deletes the bytes of tombstones an earlier run
   * left: of `digests` (whose bytes the caller found present), lifts the tombstone of those an
   * upload has claimed or a manifest references (wanted again; each becomes a GC candidate)
   * and lists those still tombstoned, which no claim can lift any more while the lease is held.
   * Rows locked FOR UPDATE on PostgreSQL, so a claim lifting an orphaned tombstone at the same
   * moment is seen: only `tombstoned` may have its bytes deleted.
   */
  reviveTombstones(digests: string[], options?: IoOptions): Promise<{ revived: string[]; tombstoned: string[] }>;

  /**
   * Full mode: records as candidates every untagged manifest, every blob no manifest references
   * and every repository without manifests, keeping existing candidates as they are. Its cost
   * is the registry's size. Resolves to the number of candidates added.
   */
  rebuildGcCandidates(since: Date, options?: IoOptions): Promise<number>;
  /** Candidates of one kind in key order, after `after` (exclusive). */
  gcCandidates(kind: CandidateKind, after: GcCandidate | undefined, limit: number, options?: IoOptions): Promise<GcCandidate[]>;
  /**
   * Removes candidate rows examined and found alive for good — each only if its `since` is
   * still the one given: a row some write touched after it was read records a newer event
   * and stays. Rows that do not exist are ignored.
   */
  dropGcCandidates(candidates: GcCandidate[], options?: IoOptions): Promise<void>;

  /** Nodes of the existing manifests among `keys` (absent ones are left out). */
  manifestNodes(keys: ManifestKey[], restorableSince: Date, options?: IoOptions): Promise<ManifestNode[]>;
  /** Children and blobs of the manifests among `keys` (those with neither are left out). */
  manifestOutgoing(keys: ManifestKey[], options?: IoOptions): Promise<ManifestOutgoing[]>;
  /** The recorded blobs among `digests`. */
  blobNodes(digests: string[], options?: IoOptions): Promise<BlobNode[]>;
  /** The existing repositories among `names`. */
  repositoryNodes(names: string[], restorableSince: Date, options?: IoOptions): Promise<RepositoryNode[]>;

  /**
   * Deletes the manifests of `batch` (at most GC_MAX_BATCH), in order, each only if — re-checked in the transaction —
   * it has no tag, no restorable deleted tag, was created and unreferenced before the cutoff,
   * and nothing that is not garbage (a parent index, a referrer, its subject) still supports
   * it. A manifest kept makes the ones after it that it supports kept too. Deleting removes
   * its outgoing references, its expired deleted tags and its candidate row, and records its
   * children and blobs as candidates (so a crash mid-collection loses nothing).
   */
  deleteGarbageManifests(batch: ManifestKey[], check: GarbageCheck, options?: IoOptions): Promise<GarbageManifestResult>;
  /**
   * Tombstones the blobs among `digests` (at most GC_MAX_BATCH) that — re-checked in the transaction — exist, are not
   * tombstoned, are referenced by no manifest, claimed by no upload, and were recorded and last
   * linked before `cutoff`; drops their links in the same transaction. After this, links,
   * mounts, upload completions and manifests referencing them are refused until `forgetBlobs`.
   */
  tombstoneBlobs(digests: string[], cutoff: Date, options?: IoOptions): Promise<TombstonedBlob[]>;
  /** Every tombstoned blob (a collector's unfinished work after a crash). */
  tombstonedBlobs(options?: IoOptions): Promise<Array<{ digest: string; size: number }>>;
  /** Removes tombstoned blob rows and their candidate rows; call once their bytes are gone. */
  forgetBlobs(digests: string[], options?: IoOptions): Promise<void>;
  /**
   * Removes a repository that — re-checked in the transaction — has no manifests, tags,
   * restorable deleted tags or open uploads: its links, deleted tags, candidate row and the
   * repository itself. Resolves to the digests it linked, or undefined when it was kept.
   */
  removeRepository(name: string, restorableSince: Date, options?: IoOptions): Promise<{ links: string[] } | undefined>;
}

/**
 * The blob cannot be linked or completed: it was never recorded, or a collector tombstoned it
 * and is deleting its bytes.
 */
export class MetadataBlobUnavailableError extends Error {
  override readonly name = 'MetadataBlobUnavailableError';
  constructor(readonly store: string, readonly digest: string, readonly deleting: boolean) {
    super(`${store}: blob ${digest} is ${deleting ? 'being deleted' : 'not recorded'}`);
  }
}

/**
 * A blob cannot be unlinked from a repository because manifests there reference it: unlinking
 * would leave them unpullable. Names (some of) those manifests and the tags on them.
 */
export class MetadataBlobInUseError extends Error {
  override readonly name = 'MetadataBlobInUseError';
  constructor(
    readonly store: string,
    readonly digest: string,
    readonly manifests: string[],
    readonly tags: string[],
  ) {
    super(`${store}: blob ${digest} is referenced by ${manifests.length} manifest(s)`);
  }
}

/**
 * A manifest names blobs its repository does not link or manifests it does not hold; checked
 * inside the transaction that stores it, so a collector cannot remove them in between.
 */
export class MetadataMissingReferencesError extends Error {
  override readonly name = 'MetadataMissingReferencesError';
  constructor(readonly store: string, readonly missing: string[]) {
    super(`${store}: ${missing.length} referenced blob(s) or manifest(s) missing`);
  }
}
