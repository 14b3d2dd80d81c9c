/**
 * BlobStore: content-addressed bytes, deliberately dumb. It knows nothing of repositories,
 * manifests or who may read what; the metadata store and core own those rules.
 *
 * Staging contract: an upload is a temporary object addressed by an opaque id. Bytes are
 * appended at an explicit offset (so a retry or a second instance cannot silently reorder
 * them), and `commitUpload` publishes the staged bytes under a digest atomically: a reader
 * either sees the whole blob or nothing. Digests are never verified here; core hashes.
 *
 * Keys are validated before any I/O, and a malformed one is rejected with a plain Error (never
 * BlobStoreNotFoundError, never `undefined` from stat), so no input can address anything
 * outside the store:
 *   upload id  [A-Za-z0-9_-]{1,128}
 *   digest     sha256:<64 lowercase hex> | sha512:<128 lowercase hex>
 * An already-aborted signal rejects with its reason (an AbortError) and changes nothing.
 */
import type { Readable } from 'node:stream';

export interface IoOptions {
  signal?: AbortSignal;
}

export interface AppendOptions extends IoOptions {
  expectedBytes?: number;
  releaseChunks?: boolean;
  /** Called with each batch of the body's chunks once the store is done with them (their bytes are staged). */
  written?: (chunks: readonly Uint8Array[]) => void;
}

export interface BlobStat {
  digest: string;
  size: number;
}

export interface ReadRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/**
 * Random access to one committed blob for a caller that brings its own buffers (the HTTP
 * layer reuses a few large ones per process instead of a fresh one per chunk). Holds a file
 * or connection open until `close`, which the caller must always call.
 */
export interface BlobReader {
  /**
   * Reads up to `length` bytes at `position` into the start of `buffer`; resolves to how many
   * were read, 0 at or past the end.
   */
  read(buffer: Uint8Array, length: number, position: number): Promise<number>;
  /**
   * The open file's descriptor when the blob is a local file, so the HTTP layer can hand the
   * bytes to the kernel (sendfile) instead of reading them; valid until `close`. Absent for
   * stores whose reads are not a file.
   */
  readonly fd?: number;
  close(): Promise<void>;
}

export interface BlobStore {
  /** Size of a committed blob, or undefined when absent. Never throws for absence. */
  stat(digest: string, options?: IoOptions): Promise<BlobStat | undefined>;

  /**
   * A stream of a committed blob's bytes, optionally a byte range (caller validates the range
   * against `stat`; a range past the end just yields fewer bytes, a malformed one — negative,
   * non-integer, end < start — is a RangeError). Throws BlobStoreNotFoundError when the blob is
   * absent. The stream may hold a file or connection open: consume it or destroy it.
   */
  read(digest: string, options?: IoOptions & { range?: ReadRange }): Promise<Readable>;

  /**
   * Optional, for stores where positioned reads are cheap (a local file): a BlobReader of a
   * committed blob, opened now, so a blob deleted after this resolves is still read whole.
   * BlobStoreNotFoundError when absent. Stores without it are read with `read`.
   */
  openReader?(digest: string, options?: IoOptions): Promise<BlobReader>;

  /** Removes a committed blob. Returns false when it was already absent. */
  delete(digest: string, options?: IoOptions): Promise<boolean>;

  /**
   * Removes several committed blobs in as few requests as the store allows (S3's
   * DeleteObjects, up to 1,000 keys a request); the collector's sweep uses it when present.
   * Absent blobs count as removed. Rejects when any could not be removed (some may have been):
   * the caller then deletes one by one to learn which.
   */
  deleteMany?(digests: readonly string[], options?: IoOptions): Promise<void>;

  /** Creates an empty staging object. Throws a plain Error (existing bytes kept) if the id exists. */
  createUpload(id: string, options?: IoOptions): Promise<void>;

  /**
   * Appends `body` to a staging object whose current size must equal `offset`
   * (BlobStoreOffsetError otherwise, with nothing written). Resolves to the new size; an empty
   * body is a no-op resolving to `offset`. If the body stream errors or is aborted, the staging
   * object is truncated back to `offset` and the body's own error (or the AbortError) is
   * rethrown. BlobStoreNotFoundError when the staging object is absent. When rejecting before
   * reading (absent, wrong offset, bad id) the body is left unconsumed: the caller owns it.
   * Callers must not run two appends, or an append and a commit, on one id at once; the offset
   * check catches retries, not simultaneous writers. After a crash mid-append the staged size
   * may exceed what the caller recorded (the extra bytes are still the body's prefix):
   * `uploadSize` is the truth. `expectedBytes` is the body's declared length when the client
   * gave one: a hint for how to write it, never a limit (the body's own end is the truth).
   * `releaseChunks` is the caller's promise that nothing else holds the body's chunks once it
   * has emitted them: the store may then free each chunk's memory as soon as it is written
   * (the chunk reads as empty afterwards) rather than leave it to the garbage collector.
   * `written` tells a caller that shares the chunks with someone else when the store no longer
   * needs them; a store may call it for views of the chunks instead, or not at all.
   */
  appendUpload(id: string, offset: number, body: Readable, options?: AppendOptions): Promise<number>;

  /**
   * Fills an empty staging object with the bytes of a file on this machine by hard link, when
   * the store is a directory on the same filesystem as `path` (an import of a local registry
   * tree). Resolves to the staged size, or undefined when the store cannot link it (another
   * filesystem, not a filesystem store, a file it may not link or make read-only): the staging
   * object is then left empty and the caller copies. A linked file shares its inode with the
   * source, so the store first removes the inode's write permission bits: both sides only ever
   * unlink or rename such a file (a collection on either side drops one name, never the bytes
   * of the other), and a writer that opened it in place would otherwise change the blob.
   * Nothing is verified here: core hashes the staged bytes before committing them.
   */
  stageFromFile?(id: string, path: string, options?: IoOptions): Promise<number | undefined>;

  /** Current size of a staging object; BlobStoreNotFoundError when absent. */
  uploadSize(id: string, options?: IoOptions): Promise<number>;

  /**
   * The staged bytes, for re-hashing when no in-process hash state exists.
   * BlobStoreNotFoundError when absent.
   */
  readUpload(id: string, options?: IoOptions): Promise<Readable>;

  /**
   * Makes the staged bytes durable and publishes them under `digest`; removes the staging
   * object. If the digest already exists, the staged copy is discarded (content is identical
   * by definition) and the stored blob is kept untouched. Resolves to the stat of the blob now
   * stored under `digest` (the existing blob's size in that case). Throws
   * BlobStoreNotFoundError when the staging object is absent. A signal is honoured only until
   * publishing starts; a commit that began publishing finishes.
   */
  commitUpload(id: string, digest: string, options?: IoOptions): Promise<BlobStat>;

  /** Removes a staging object; false when absent. */
  abortUpload(id: string, options?: IoOptions): Promise<boolean>;

  /**
   * Removes staging objects last written before `olderThan` and any half-written temporary
   * files a crash left behind. Resolves to how many were removed. Never touches committed
   * blobs. An upload still in use but idle past `olderThan` is removed too: pick `olderThan`
   * beyond the upload session expiry.
   */
  sweepStaging(olderThan: Date, options?: IoOptions): Promise<number>;

  /**
   * Ids of every staging object, so a starting registry can remove those no upload session
   * owns (a crash between creating the staging object and recording its session).
   */
  listStaging(options?: IoOptions): Promise<string[]>;

  /** A URL a client may fetch the blob from directly, when the store supports it. */
  presignedUrl?(digest: string, options?: IoOptions): Promise<string | undefined>;

  /** Whether the store is usable (for /readyz). */
  ping(options?: IoOptions): Promise<void>;

  close(): Promise<void>;
}

export class BlobStoreNotFoundError extends Error {
  override readonly name = 'BlobStoreNotFoundError';
  constructor(readonly store: string, readonly key: string, options?: { cause?: unknown }) {
    super(`${store}: ${key} not found`, options);
  }
}

/**
 * The store has no room (a full disk, an exhausted quota): a write was refused and rolled back.
 * Any writing method (createUpload, appendUpload, commitUpload) may throw it; nothing partial
 * is left behind, and the same call can succeed once space is freed.
 */
export class BlobStoreFullError extends Error {
  override readonly name = 'BlobStoreFullError';
  constructor(readonly store: string, options?: { cause?: unknown }) {
    super(`${store}: no space left for blob data`, options);
  }
}

/**
 * The store cannot be reached (an object store down, refusing connections or answering 5xx
 * after the client's own retries): the failed call published nothing, and the same call can
 * succeed once the store is back. Any method may throw it; the filesystem store never does.
 */
export class BlobStoreUnavailableError extends Error {
  override readonly name = 'BlobStoreUnavailableError';
  constructor(readonly store: string, options?: { cause?: unknown }) {
    super(`${store}: the object store cannot be reached`, options);
  }
}

export class BlobStoreOffsetError extends Error {
  override readonly name = 'BlobStoreOffsetError';
  constructor(readonly store: string, readonly expected: number, readonly actual: number) {
    super(`${store}: append at offset ${expected} but staged size is ${actual}`);
  }
}
