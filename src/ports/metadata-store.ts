/**
 * MetadataStore: the authoritative record of what exists — repositories, blob links,
 * manifests (bytes as pushed), tags, the reference graph and upload sessions. Repositories
 * are keyed by their full name; a repository exists once anything has been linked into it.
 *
 * Every method is atomic on its own. Writers that change several rows (putManifest,
 * deleteManifest) do it in one transaction so a crash never leaves a half-recorded manifest.
 */
import type { IoOptions } from './blob-store.js';
import type { MetadataBrowse } from './metadata-browse.js';
import type { MetadataLifecycle } from './metadata-lifecycle.js';
import type { MetadataUsage } from './metadata-usage.js';

export interface ManifestRecord {
  repository: string;
  digest: string;
  mediaType: string;
  /** artifactType, or the config media type for artifacts without one; used by referrers. */
  artifactType: string | undefined;
  /** Digest of the `subject` manifest, if any. */
  subject: string | undefined;
  /** Raw bytes exactly as pushed. */
  body: Buffer;
  /** Annotations, JSON-encoded, surfaced in referrers descriptors. */
  annotations: Record<string, string> | undefined;
  createdAt: Date;
}

export interface ManifestReferences {
  /** Blob digests (config + layers) the manifest points at. */
  blobs: string[];
  /** Manifest digests (index children) the manifest points at. */
  manifests: string[];
}

/** One hit of `searchRepositories`. */
export interface RepositoryMatch {
  name: string;
  /** From the newest tagged push's `org.opencontainers.image.description`; '' when none. */
  description: string;
}

export interface Page {
  /** Exclusive lower bound in lexical order (the `last` parameter). */
  last?: string;
  /** Maximum number of entries; undefined = no limit. */
  limit?: number;
}

export interface UploadSession {
  id: string;
  repository: string;
  /** Who started it (caps open sessions per account); undefined for an anonymous caller. */
  account?: string;
  /** Bytes staged so far. */
  size: number;
  createdAt: Date;
  updatedAt: Date;
  /**
   * The digest the session claimed after verifying its staged bytes (see `claimUpload`): the
   * only digest it may complete to once those bytes are gone (a crash after publishing).
   */
  claimedDigest?: string;
  /**
   * The running hash of the first `size` bytes, saved by the instance that received them
   * (opaque to the store; see core/registry/upload-service.ts), or undefined.
   */
  hashState?: string;
}

/** Caps `createUpload` checks in the same transaction as the insert. */
export interface UploadLimits {
  /** Open sessions one account may hold (sessions without an account are not counted). */
  perAccount?: number;
  /** Open sessions the repositories of one project may hold. */
  perProject?: number;
}

/** Which sessions a query looks at: one account's, or one project's. */
export type UploadScope = { account: string } | { project: string };

/** Open sessions of a scope and the bytes they have staged. */
export interface UploadTotals {
  sessions: number;
  stagedBytes: number;
}

export interface ReferrerRecord {
  digest: string;
  mediaType: string;
  artifactType: string | undefined;
  size: number;
  annotations: Record<string, string> | undefined;
}

/** Lifecycle methods (restorable deletes, garbage collection) are in metadata-lifecycle.ts. */
/**
 * Conditions a manifest put re-checks inside its transaction, so that two writers racing
 * cannot both pass a check made before either wrote.
 */
export interface PutManifestOptions extends IoOptions {
  /** Judges the tag's current digest (undefined: no such tag); throwing refuses the put. */
  checkTag?: (current: string | undefined) => void;
  /** Refuse (MetadataQuotaExceededError) when the project would hold more than this. */
  quotaBytes?: number;
  /**
   * The description a tagged push gives the repository when its manifest has no
   * `org.opencontainers.image.description` annotation (the image config's label of that name).
   */
  description?: { text: string; source: 'label' };
  /**
   * For proxy repositories only (a manifest cached from an upstream before its content is):
   * referenced blobs need only be recorded (`recordBlob`, not tombstoned), not linked in the
   * repository, and child manifests need not be stored. Usage counts the recorded sizes at
   * once; the collector keeps referenced blobs whether or not their bytes have arrived.
   */
  lazyReferences?: boolean;
}

export interface MetadataStore extends MetadataLifecycle, MetadataUsage, MetadataBrowse {
  /** Runs pending migrations; safe to call on every start and from several instances. */
  migrate(options?: IoOptions): Promise<void>;

  /**
   * Records a committed blob's size (idempotent); a new blob is a GC candidate.
   * MetadataBlobUnavailableError when the digest is tombstoned. With `declared`, the size comes
   * from a proxied manifest's descriptor before any bytes arrived: recorded only when the digest
   * is not, never changing a recorded size. Without it the size is the bytes' own, and replaces
   * a different recorded one (a declared size that lied), usage included.
   */
  recordBlob(digest: string, size: number, options?: IoOptions & { declared?: boolean }): Promise<void>;
  /**
   * Links a recorded blob into a repository (idempotent; a re-link restarts the link's grace
   * period); creates the repository. MetadataBlobUnavailableError, creating nothing, when the
   * blob was never recorded or is tombstoned: record first, then link.
   */
  linkBlob(repository: string, digest: string, options?: IoOptions): Promise<void>;
  /** The blob's size if `repository` links it, else undefined. */
  linkedBlob(repository: string, digest: string, options?: IoOptions): Promise<{ size: number } | undefined>;
  /** The blob's size if it is recorded and not tombstoned, else undefined. */
  blob(digest: string, options?: IoOptions): Promise<{ size: number } | undefined>;
  /**
   * Removes the link (the blob becomes a GC candidate); false when it did not exist.
   * MetadataBlobInUseError, removing nothing, while a manifest in `repository` references the
   * blob (checked in the transaction that unlinks, so a manifest put cannot slip in between).
   */
  unlinkBlob(repository: string, digest: string, options?: IoOptions): Promise<boolean>;
  /** Of `digests`, the ones `repository` does not link: each once, in first-seen order. */
  missingBlobs(repository: string, digests: string[], options?: IoOptions): Promise<string[]>;

  /**
   * Stores a manifest, its references and optionally points `tag` at it, in one transaction;
   * creates the repository. Re-putting the same digest keeps the original record (createdAt,
   * annotations, references: same digest, same bytes) and only moves the tag.
   * Inside that transaction every `refs.blobs` digest must be linked in the repository and
   * every `refs.manifests` digest stored there, else MetadataMissingReferencesError and nothing
   * is written: a collector cannot remove them between a caller's check and the write.
   * A manifest stored untagged, and one a moved tag leaves, become GC candidates. The
   * project's usage counter moves in the same transaction; `options` adds conditions to it.
   */
  putManifest(record: ManifestRecord, refs: ManifestReferences, tag: string | undefined, options?: PutManifestOptions): Promise<void>;
  manifest(repository: string, digest: string, options?: IoOptions): Promise<ManifestRecord | undefined>;
  /** The manifest a tag points at, in one lookup (the hot path of every pull). */
  manifestByTag(repository: string, tag: string, options?: IoOptions): Promise<ManifestRecord | undefined>;
  /** Of `digests`, the ones that are not manifests in `repository`: each once, in first-seen order. */
  missingManifests(repository: string, digests: string[], options?: IoOptions): Promise<string[]>;
  /**
   * Removes a manifest, every tag pointing at it and its outgoing references; false when it was
   * not there. Incoming references stay: an index may keep listing it, referrers keep it as
   * their subject, and its blobs stay linked. Its blobs, children, subject and referrers
   * become GC candidates.
   */
  deleteManifest(repository: string, digest: string, options?: IoOptions): Promise<boolean>;

  /** Tags in byte-wise lexical order (never locale order); `limit: 0` gives []. */
  listTags(repository: string, page: Page, options?: IoOptions): Promise<string[]>;
  /**
   * Removes a tag, recording it as deleted (see `restoreTag`); its manifest becomes a GC
   * candidate. False when the tag did not exist.
   */
  deleteTag(repository: string, tag: string, options?: IoOptions): Promise<boolean>;
  /**
   * Whether the repository exists: from the first linkBlob or putManifest into it on. Deleting
   * its manifests, tags or links does not remove it; only the collector does, after
   * `deleteRepository` — which hides it at once (see `isRepositoryDeleted`).
   */
  hasRepository(repository: string, options?: IoOptions): Promise<boolean>;
  /**
   * Given up with `deleteRepository` and not tagged again since (by a push or a restore): such a
   * repository is gone for /v2 at once — `hasRepository` is false, `listRepositories` leaves it
   * out, its manifests are not served — while its deleted tags stay restorable until the
   * collector removes it.
   */
  isRepositoryDeleted(repository: string, options?: IoOptions): Promise<boolean>;
  /**
   * Repository names in byte-wise lexical order (never locale order); `limit: 0` gives [].
   * Deleted repositories (`isRepositoryDeleted`) are left out.
   */
  listRepositories(page: Page, options?: IoOptions): Promise<string[]>;
  /**
   * Repositories whose name or description contains `term` (case-insensitive for ASCII; `%`, `_`
   * and `\\` are literal), in the order and with the paging of `listRepositories`. Deleted
   * repositories are left out. An empty term matches every repository.
   */
  searchRepositories(term: string, page: Page, options?: IoOptions): Promise<RepositoryMatch[]>;

  /**
   * Manifests in `repository` whose subject is `digest`, optionally of one artifactType, in
   * digest order. `size` is the manifest body's length.
   */
  listReferrers(repository: string, digest: string, artifactType: string | undefined, options?: IoOptions): Promise<ReferrerRecord[]>;

  /**
   * Rejects when the id exists. Does not create the repository. With `limits`, counts the
   * account's and the project's open sessions in the same transaction as the insert and throws
   * MetadataUploadLimitError (nothing inserted) when one is already at its cap.
   */
  createUpload(session: UploadSession, options?: IoOptions & { limits?: UploadLimits }): Promise<void>;
  upload(id: string, options?: IoOptions): Promise<UploadSession | undefined>;
  /**
   * Moves the recorded size from `from` to `to` and stamps updatedAt with the store's clock;
   * false if another writer got there first (or the session is gone). The session's
   * `hashState` becomes `options.hashState` (cleared when absent), in the same write.
   */
  advanceUpload(id: string, from: number, to: number, options?: IoOptions & { hashState?: string }): Promise<boolean>;
  deleteUpload(id: string, options?: IoOptions): Promise<boolean>;
  /**
   * Finishes an upload in one transaction: records the blob, links it into the session's
   * repository and removes the session. One durable write instead of three, and no state in
   * which the session is gone but the blob is not linked. MetadataBlobUnavailableError when
   * the digest is tombstoned (callers claim first; see `claimUpload`).
   */
  completeUpload(id: string, digest: string, size: number, options?: IoOptions): Promise<void>;
  /** Sessions last updated before `before`, oldest first; optionally of one scope, at most `limit`. */
  staleUploads(before: Date, options?: IoOptions & { scope?: UploadScope; limit?: number }): Promise<UploadSession[]>;
  /** How many sessions the scope has open and how many bytes they have staged. */
  uploadTotals(scope: UploadScope, options?: IoOptions): Promise<UploadTotals>;

  ping(options?: IoOptions): Promise<void>;
  close(): Promise<void>;
}

/** A session's size moving from `from` to `to` bytes (see `claimUpload`). */
export interface UploadAdvance {
  from: number;
  to: number;
}

/** A claim's `advance` found the session at another size than `from` (another request moved it). */
export class MetadataUploadMovedError extends Error {
  override readonly name = 'MetadataUploadMovedError';
  constructor(readonly store: string, readonly id: string) {
    super(`${store}: upload ${id} is no longer at the size the claim assumed`);
  }
}

/** createUpload refused: the account or project already has `open` sessions, its cap `limit`. */
export class MetadataUploadLimitError extends Error {
  override readonly name = 'MetadataUploadLimitError';
  constructor(
    readonly store: string,
    readonly scope: UploadScope,
    readonly open: number,
    readonly limit: number,
  ) {
    super(`${store}: ${'account' in scope ? `account ${scope.account}` : `project ${scope.project}`} has ${open} open uploads (limit ${limit})`);
  }
}

/**
 * The store has no room (a full disk): a write was refused and its transaction rolled back.
 * Any writing method may throw it; the same call can succeed once space is freed.
 */
/**
 * The store cannot be reached (a database restarting, refusing connections, or gone): nothing
 * was written by the failed call, and the same call can succeed once the store is back. Any
 * method may throw it; stores that live in the process (SQLite) never do.
 */
export class MetadataStoreUnavailableError extends Error {
  override readonly name = 'MetadataStoreUnavailableError';
  constructor(readonly store: string, options?: { cause?: unknown }) {
    super(`${store}: the metadata database cannot be reached`, options);
  }
}

export class MetadataStoreFullError extends Error {
  override readonly name = 'MetadataStoreFullError';
  constructor(readonly store: string, options?: { cause?: unknown }) {
    super(`${store}: no space left for metadata`, options);
  }
}
