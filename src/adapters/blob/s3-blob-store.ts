/**
 * S3BlobStore: blobs in an S3-compatible bucket (AWS, Ceph RGW, MinIO…), for several Berth
 * instances sharing one bucket. The key layout is in s3-layout.ts; how an upload is staged (an
 * S3 multipart upload, a tail object for the bytes short of a part, and a state object that
 * any instance can read) is in s3-upload-state.ts.
 *
 * Publishing: the staged bytes are made one object (completing the multipart upload), then
 * copied server-side to the content-addressed key and the staging objects removed. A copy or a
 * completed multipart upload appears whole or not at all, so a reader never sees a partial
 * blob; a crash leaves only staging objects, which abort and sweep remove.
 *
 * Concurrent writers on one id are the caller's to prevent, as with every BlobStore; the state
 * object's If-Match write still refuses the second of two appends that read the same state.
 */
import { Readable } from 'node:stream';
import { addAbortSignal } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobStoreNotFoundError, type BlobStat, type BlobStore, type IoOptions, type ReadRange } from '../../ports/blob-store.js';
import { createS3Client, describeBucketError, isInvalidRange, isNotFound, whenFull, type S3ConnectionOptions } from './s3-client.js';
import { STORE_NAME, S3Layout, assertUploadId } from './s3-layout.js';
import { MIN_PART_BYTES, S3Objects } from './s3-objects.js';
import { S3Staging } from './s3-staging.js';
import { UploadStates } from './s3-upload-state.js';

export interface S3BlobStoreOptions extends S3ConnectionOptions {
  bucket: string;
  /** Key prefix inside the bucket (registry:2's rootdirectory). */
  rootDirectory?: string;
  /** Bytes per multipart part (registry:2's chunksize); at least 5 MiB. */
  partSize?: number;
  /** Lifetime of presigned GET URLs. */
  presignSeconds?: number;
}

const DEFAULT_PART_BYTES = 10 * 1024 * 1024;
const DEFAULT_PRESIGN_SECONDS = 20 * 60;

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly layout: S3Layout;
  private readonly objects: S3Objects;
  private readonly states: UploadStates;
  private readonly staging: S3Staging;

  constructor(private readonly options: S3BlobStoreOptions) {
    const partSize = options.partSize ?? DEFAULT_PART_BYTES;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_BYTES) {
      throw new RangeError(`${STORE_NAME}: chunksize must be at least ${MIN_PART_BYTES} bytes (S3's minimum part size)`);
    }
    this.client = createS3Client(options);
    this.layout = new S3Layout(options.rootDirectory);
    this.objects = new S3Objects(this.client, options.bucket);
    this.states = new UploadStates(this.objects, this.layout);
    this.staging = new S3Staging(this.objects, this.layout, this.states, partSize);
  }

  async stat(digest: string, options: IoOptions = {}): Promise<BlobStat | undefined> {
    const key = this.layout.blobKey(digest);
    options.signal?.throwIfAborted();
    const found = await this.objects.head(key, options.signal);
    return found === undefined ? undefined : { digest, size: found.size };
  }

  async read(digest: string, options: IoOptions & { range?: ReadRange } = {}): Promise<Readable> {
    const key = this.layout.blobKey(digest);
    const { range, signal } = options;
    if (range !== undefined) assertRange(range);
    signal?.throwIfAborted();
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        { abortSignal: signal },
      );
      const body = out.Body instanceof Readable ? out.Body : Readable.from([]);
      return signal === undefined ? body : addAbortSignal(signal, body);
    } catch (error) {
      if (isNotFound(error)) throw new BlobStoreNotFoundError(STORE_NAME, digest, { cause: error });
      // A range starting past the end (or any range of an empty blob) is "fewer bytes", not an error.
      if (isInvalidRange(error)) {
        if ((await this.objects.head(key, signal)) === undefined) throw new BlobStoreNotFoundError(STORE_NAME, digest, { cause: error });
        return Readable.from([]);
      }
      throw error;
    }
  }

  async delete(digest: string, options: IoOptions = {}): Promise<boolean> {
    const key = this.layout.blobKey(digest);
    options.signal?.throwIfAborted();
    if ((await this.objects.head(key, options.signal)) === undefined) return false;
    await this.objects.deleteKeys([key]);
    return true;
  }

  /** Removes many blobs in batched DeleteObjects requests (GC's sweep); absent ones are skipped. */
  async deleteMany(digests: readonly string[], options: IoOptions = {}): Promise<void> {
    const keys = digests.map((digest) => this.layout.blobKey(digest));
    options.signal?.throwIfAborted();
    await this.objects.deleteKeys(keys);
  }

  async createUpload(id: string, options: IoOptions = {}): Promise<void> {
    assertUploadId(id);
    options.signal?.throwIfAborted();
    let created: boolean;
    try {
      created = await this.states.create(id, options.signal);
    } catch (error) {
      throw whenFull(error);
    }
    if (!created) throw new Error(`${STORE_NAME}: upload ${id} already exists`);
  }

  async appendUpload(id: string, offset: number, body: Readable, options: IoOptions = {}): Promise<number> {
    assertUploadId(id);
    options.signal?.throwIfAborted();
    return this.staging.append(id, offset, body, options.signal);
  }

  async uploadSize(id: string, options: IoOptions = {}): Promise<number> {
    assertUploadId(id);
    options.signal?.throwIfAborted();
    return (await this.states.require(id, options.signal)).state.size;
  }

  async readUpload(id: string, options: IoOptions = {}): Promise<Readable> {
    assertUploadId(id);
    options.signal?.throwIfAborted();
    const key = await this.staging.flatten(id, await this.states.require(id, options.signal));
    if (key === undefined) return Readable.from([]);
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: options.signal });
    const body = out.Body instanceof Readable ? out.Body : Readable.from([]);
    return options.signal === undefined ? body : addAbortSignal(options.signal, body);
  }

  async commitUpload(id: string, digest: string, options: IoOptions = {}): Promise<BlobStat> {
    assertUploadId(id);
    const target = this.layout.blobKey(digest);
    options.signal?.throwIfAborted();
    const loaded = await this.states.require(id, options.signal);
    options.signal?.throwIfAborted();
    // Past this point the commit runs to the end: stopping halfway would gain nothing.
    const existing = await this.objects.head(target);
    if (existing !== undefined) {
      // Same digest, same bytes: keep the object readers may already be streaming.
      await this.discard(id, loaded.state);
      return { digest, size: existing.size };
    }
    try {
      const source = await this.staging.flatten(id, loaded);
      if (source === undefined) {
        await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: target, Body: Buffer.alloc(0) }));
      } else {
        await this.objects.copy(source, target, loaded.state.size);
      }
    } catch (error) {
      throw whenFull(error);
    }
    await this.discard(id);
    return { digest, size: loaded.state.size };
  }

  async abortUpload(id: string, options: IoOptions = {}): Promise<boolean> {
    assertUploadId(id);
    options.signal?.throwIfAborted();
    const loaded = await this.states.load(id, options.signal);
    await this.discard(id, loaded?.state);
    return loaded !== undefined;
  }

  async listStaging(options: IoOptions = {}): Promise<string[]> {
    options.signal?.throwIfAborted();
    const ids: string[] = [];
    for (const object of await this.objects.list(this.layout.uploadsPrefix, options.signal)) {
      const id = this.layout.uploadIdOf(object.key);
      if (id !== undefined && object.key === this.layout.stateKey(id)) ids.push(id);
    }
    return ids;
  }

  async sweepStaging(olderThan: Date, options: IoOptions = {}): Promise<number> {
    const cutoff = olderThan.getTime();
    if (Number.isNaN(cutoff)) throw new RangeError(`${STORE_NAME}: sweepStaging needs a valid date`);
    options.signal?.throwIfAborted();
    // Every write replaces the state, so its age is the upload's idle time.
    const uploads = new Map<string, { state?: Date; newest: number }>();
    for (const object of await this.objects.list(this.layout.uploadsPrefix, options.signal)) {
      const id = this.layout.uploadIdOf(object.key);
      if (id === undefined) continue;
      const entry = uploads.get(id) ?? { newest: 0 };
      if (object.key === this.layout.stateKey(id)) entry.state = object.modified;
      entry.newest = Math.max(entry.newest, object.modified.getTime());
      uploads.set(id, entry);
    }
    let removed = 0;
    for (const [id, entry] of uploads) {
      options.signal?.throwIfAborted();
      // Without a state, the objects are what a crashed abort or commit left: old ones go.
      const age = entry.state?.getTime() ?? entry.newest;
      if (age >= cutoff) continue;
      const loaded = entry.state === undefined ? undefined : await this.states.load(id);
      await this.discard(id, loaded?.state);
      removed += 1;
    }
    await this.abortStrayMultiparts(cutoff, new Set(uploads.keys()));
    return removed;
  }

  async presignedUrl(digest: string, options: IoOptions = {}): Promise<string | undefined> {
    const key = this.layout.blobKey(digest);
    options.signal?.throwIfAborted();
    const command = new GetObjectCommand({ Bucket: this.options.bucket, Key: key });
    return getSignedUrl(this.client, command, { expiresIn: this.options.presignSeconds ?? DEFAULT_PRESIGN_SECONDS });
  }

  async ping(options: IoOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }), { abortSignal: options.signal });
    } catch (error) {
      throw new Error(`${STORE_NAME}: ${describeBucketError(this.options.bucket, this.options.endpoint, error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Removes an upload's state first (it is then absent to everyone), then everything else it had. */
  private async discard(id: string, state?: { multipart?: { uploadId: string } }): Promise<void> {
    const prefix = this.layout.uploadPrefix(id);
    await this.objects.deleteKeys([this.layout.stateKey(id)]);
    if (state?.multipart !== undefined) await this.objects.abortMultipart(this.layout.dataKey(id), state.multipart.uploadId);
    const rest = await this.objects.list(prefix);
    if (rest.length > 0) await this.objects.deleteKeys(rest.map((object) => object.key));
  }

  /** Multipart uploads no state refers to (a crash mid-append) that began before the cutoff. */
  private async abortStrayMultiparts(cutoff: number, known: Set<string>): Promise<void> {
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    do {
      const out = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.options.bucket,
          Prefix: this.layout.uploadsPrefix,
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(idMarker === undefined ? {} : { UploadIdMarker: idMarker }),
        }),
      );
      for (const upload of out.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        const id = this.layout.uploadIdOf(upload.Key);
        if (id === undefined || (upload.Initiated?.getTime() ?? 0) >= cutoff) continue;
        const state = known.has(id) ? (await this.states.load(id))?.state : undefined;
        if (state?.multipart?.uploadId === upload.UploadId) continue;
        await this.objects.abortMultipart(upload.Key, upload.UploadId);
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      idMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
  }
}

function assertRange(range: ReadRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`${STORE_NAME}: invalid range ${start}-${end}`);
  }
}

export { describeBucketError };
