/**
 * BlobStore: content-addressed bytes, deliberately dumb. It knows nothing of repositories,
 * manifests or who may read what; the metadata store and core own those rules.
 *
 * Staging contract: an upload is a temporary object addressed by an opaque id. Bytes are
 * appended at an explicit offset (so a retry or a second instance cannot silently reorder
 * them), and `commitUpload` publishes the staged bytes under a digest atomically: a reader
 * either sees the whole blob or nothing. Digests are never verified here; core hashes.
 */
import type { Readable } from 'node:stream';

export interface IoOptions {
  signal?: AbortSignal;
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

export interface BlobStore {
  /** Size of a committed blob, or undefined when absent. Never throws for absence. */
  stat(digest: string, options?: IoOptions): Promise<BlobStat | undefined>;

  /**
   * A stream of a committed blob's bytes, optionally a byte range (caller validates the range
   * against `stat`). Throws BlobStoreNotFoundError when the blob is absent.
   */
  read(digest: string, options?: IoOptions & { range?: ReadRange }): Promise<Readable>;

  /** Removes a committed blob. Returns false when it was already absent. */
  delete(digest: string, options?: IoOptions): Promise<boolean>;

  /** Creates an empty staging object. Throws if the id already exists. */
  createUpload(id: string, options?: IoOptions): Promise<void>;

  /**
   * Appends `body` to a staging object whose current size must equal `offset`
   * (BlobStoreOffsetError otherwise, with nothing written). Resolves to the new size. If the
   * body stream errors or is aborted, the staging object is truncated back to `offset`.
   */
  appendUpload(id: string, offset: number, body: Readable, options?: IoOptions): Promise<number>;

  /** Current size of a staging object; BlobStoreNotFoundError when absent. */
  uploadSize(id: string, options?: IoOptions): Promise<number>;

  /** The staged bytes, for re-hashing when no in-process hash state exists. */
  readUpload(id: string, options?: IoOptions): Promise<Readable>;

  /**
   * Makes the staged bytes durable and publishes them under `digest`; removes the staging
   * object. If the digest already exists, the staged copy is discarded (content is identical
   * by definition). Throws BlobStoreNotFoundError when the staging object is absent.
   */
  commitUpload(id: string, digest: string, options?: IoOptions): Promise<BlobStat>;

  /** Removes a staging object; false when absent. */
  abortUpload(id: string, options?: IoOptions): Promise<boolean>;

  /**
   * Removes staging objects last written before `olderThan` and any half-written temporary
   * files a crash left behind. Resolves to how many were removed.
   */
  sweepStaging(olderThan: Date, options?: IoOptions): Promise<number>;

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

export class BlobStoreOffsetError extends Error {
  override readonly name = 'BlobStoreOffsetError';
  constructor(readonly store: string, readonly expected: number, readonly actual: number) {
    super(`${store}: append at offset ${expected} but staged size is ${actual}`);
  }
}
