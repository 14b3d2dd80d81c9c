/**
 * An S3 upload's state, one small JSON object per upload (uploads/<id>/state) in the bucket
 * itself, so any instance sharing the bucket can continue the upload. The staged bytes are, in
 * order:
 *
 *   base       the completed `data` object, when a read had to flatten the upload, or
 *   multipart  an open S3 multipart upload on `data`: its parts, with ETags, in order
 *   tail       then the bytes that did not yet fill a part (S3 parts but the last must be at
 *              least 5 MiB), as their own object under a fresh name per write
 *
 * base and multipart never coexist: opening a multipart upload copies base into its first parts.
 *
 * The state object is the commit point of every change: a write first puts new parts and a new
 * tail, then replaces the state with If-Match on the ETag it read, and only then deletes what the
 * old state referred to. A failed or interrupted write therefore leaves the old state valid (its
 * tail untouched; stray parts are never listed at completion) and at most unreferenced objects,
 * which abort and sweep remove. If-Match also refuses a second writer that read the same state.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BlobStoreNotFoundError } from '../../ports/blob-store.js';
import { isPreconditionFailed } from './s3-client.js';
import { STORE_NAME, type S3Layout } from './s3-layout.js';
import type { PartRecord, S3Objects } from './s3-objects.js';

export interface UploadState {
  size: number;
  /** Bytes in the `data` object (a flattened upload). */
  base?: number;
  multipart?: { uploadId: string; parts: PartRecord[] };
  tail?: { key: string; size: number };
}

export interface LoadedState {
  state: UploadState;
  etag: string;
}

/** The state was replaced by another writer between read and write. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
}

export class UploadStates {
  constructor(private readonly objects: S3Objects, private readonly layout: S3Layout) {}

  async load(id: string, signal?: AbortSignal): Promise<LoadedState | undefined> {
    const found = await this.objects.getBytes(this.layout.stateKey(id), signal);
    if (found === undefined) return undefined;
    return { state: parseState(id, found.bytes), etag: found.etag };
  }

  async require(id: string, signal?: AbortSignal): Promise<LoadedState> {
    const loaded = await this.load(id, signal);
    if (loaded === undefined) throw new BlobStoreNotFoundError(STORE_NAME, `upload ${id}`);
    return loaded;
  }

  /** Creates the state of an empty upload; false when the id already has one. */
  async create(id: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.put(id, { size: 0 }, { IfNoneMatch: '*' }, signal);
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  /** Replaces the state read as `etag`; StateConflictError when it changed since. */
  async replace(id: string, state: UploadState, etag: string): Promise<void> {
    try {
      // Ceph RGW compares If-Match against the bare ETag and refuses the quoted form; AWS takes both.
      await this.put(id, state, { IfMatch: etag.replace(/^"|"$/g, '') });
    } catch (error) {
      if (isPreconditionFailed(error)) throw new StateConflictError(`${STORE_NAME}: upload ${id} changed while being written`, { cause: error });
      throw error;
    }
  }

  private async put(id: string, state: UploadState, condition: { IfMatch?: string; IfNoneMatch?: string }, signal?: AbortSignal): Promise<void> {
    const body = Buffer.from(JSON.stringify({ v: 1, ...state }));
    await this.objects.client.send(
      new PutObjectCommand({ Bucket: this.objects.bucket, Key: this.layout.stateKey(id), Body: body, ContentType: 'application/json', ...condition }),
      { abortSignal: signal },
    );
  }
}

function parseState(id: string, bytes: Buffer): UploadState {
  const value = JSON.parse(bytes.toString('utf8')) as { v?: number } & UploadState;
  if (value.v !== 1 || !Number.isSafeInteger(value.size)) throw new Error(`${STORE_NAME}: upload ${id} has an unreadable state`);
  const { v: _version, ...state } = value;
  return state;
}
