/** What the registry use cases need from the outside world, passed in by the composition root. */
import type { OffThreadHashes } from '../../ports/off-thread-hash.js';
import type { ResumableHashes } from '../../ports/resumable-hash.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { PolicyStore } from '../../ports/policy-store.js';
import type { SessionLockStore } from '../../ports/session-lock-store.js';
import type { Checkpoint } from '../checkpoint.js';
import type { PullLog } from '../lifecycle/pull-recorder.js';
import type { Mirror } from '../mirror/mirror.js';

export interface RegistryDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  /** Deletes of blobs, manifests and tags are refused when false (registry:2's storage.delete). */
  deleteEnabled: boolean;
  /**
   * Blob GETs answer with a redirect to the store's presigned URL when it offers one
   * (registry:2's storage.redirect, on unless `disable`); the link check happens first.
   */
  redirectBlobs?: boolean;
  /**
   * Saveable hashes for uploads whose chunks may reach several instances (a shared blob
   * store); unset, uploads hash with Node's faster native SHA-256 and keep the state in memory.
   */
  resumableHashes?: ResumableHashes;
  /**
   * A hashing thread for long upload bodies, so the thread reading the socket does not also
   * hash them (upload-service.ts, OFF_THREAD_MIN_BYTES); unset, every upload hashes inline.
   */
  offThreadHashes?: OffThreadHashes;
  /**
   * Upload session locks shared with other instances (a shared blob store and database);
   * unset, one process's own locks are all there is.
   */
  sessionLocks?: SessionLockStore;
  /** Largest manifest body accepted, in bytes. */
  maxManifestBytes: number;
  now: () => Date;
  /** Per-project write policies (core/lifecycle/write-policy.ts); absent means none apply. */
  policies?: PolicyStore;
  /** Told of every manifest read (GET or HEAD), for retention by last pull; absent: nothing kept. */
  pulls?: PullLog;
  /** Waits between attempts to claim a digest a collector is deleting; setTimeout by default. */
  sleep?: (ms: number) => Promise<void>;
  /** Caps on open upload sessions (see upload-service.ts); absent means none. */
  uploadLimits?: UploadSessionLimits;
  /** Proxy projects (core/mirror): reads through them, writes into them refused; absent: all hosted. */
  mirror?: Mirror;
  /** Whether a project of that name exists (a mirror never shadows one); absent: only repositories count. */
  projectExists?: (project: string) => Promise<boolean>;
  /** Test hooks between steps (see core/checkpoint.ts); absent in production. */
  checkpoint?: Checkpoint;
}

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface UploadSessionLimits {
  /** Open sessions one account may hold at once. */
  perAccount: number;
  /** Open sessions the repositories of one project may hold at once. */
  perProject: number;
  /** A session idle this long may be closed to make room for a new one under a full cap. */
  reclaimAfterMs: number;
}
