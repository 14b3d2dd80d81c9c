/**
 * Writing an S3 upload: appending a body (bytes gathered into parts of `partSize`, the rest
 * into a fresh tail object) and flattening the staged bytes into one object for reading or
 * publishing. The state format and its commit rule are described in s3-upload-state.ts.
 */
import type { Readable } from 'node:stream';
import { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { BlobStoreOffsetError } from '../../ports/blob-store.js';
import { whenFull } from './s3-client.js';
import { STORE_NAME, type S3Layout } from './s3-layout.js';
import { randomSuffix, type PartRecord, type S3Objects } from './s3-objects.js';
import { StateConflictError, type LoadedState, type UploadState, type UploadStates } from './s3-upload-state.js';

export class S3Staging {
  constructor(
    private readonly objects: S3Objects,
    private readonly layout: S3Layout,
    private readonly states: UploadStates,
    private readonly partSize: number,
  ) {}

  async append(id: string, offset: number, body: Readable, signal?: AbortSignal): Promise<number> {
    const { state, etag } = await this.states.require(id, signal);
    if (state.size !== offset) throw new BlobStoreOffsetError(STORE_NAME, offset, state.size);
    const next: UploadState = structuredClone(state);
    const written: { tail?: string; multipart?: string } = {};
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let received = 0;
    try {
      for await (const chunk of body) {
        signal?.throwIfAborted();
        const bytes = toBytes(chunk);
        if (bytes.length === 0) continue;
        if (received === 0 && state.tail !== undefined) {
          // The old tail joins the new bytes; it is read only once there are new bytes.
          const old = await this.objects.getBytes(state.tail.key);
          if (old === undefined) throw new Error(`${STORE_NAME}: upload ${id} lost its tail object`);
          pending.push(old.bytes);
          pendingBytes += old.bytes.length;
        }
        pending.push(bytes);
        pendingBytes += bytes.length;
        received += bytes.length;
        if (pendingBytes >= this.partSize) {
          await this.uploadPart(id, next, Buffer.concat(pending), written);
          pending = [];
          pendingBytes = 0;
        }
      }
      signal?.throwIfAborted();
      if (received === 0) return offset;
      delete next.tail;
      if (pendingBytes > 0) {
        const key = `${this.layout.uploadPrefix(id)}tail-${randomSuffix()}`;
        await this.objects.client.send(
          // A buffer, not a stream: the SDK then sends a plain Content-Length body (see s3-client.ts).
          new PutObjectCommand({ Bucket: this.objects.bucket, Key: key, Body: Buffer.concat(pending) }),
        );
        written.tail = key;
        next.tail = { key, size: pendingBytes };
      }
      next.size = offset + received;
      await this.states.replace(id, next, etag);
    } catch (error) {
      await this.rollback(id, written);
      if (error instanceof StateConflictError) {
        const now = await this.states.load(id);
        throw new BlobStoreOffsetError(STORE_NAME, offset, now?.state.size ?? offset);
      }
      throw whenFull(error);
    }
    // The new state no longer refers to the old tail.
    if (state.tail !== undefined) await this.objects.deleteKeys([state.tail.key]).catch(() => undefined);
    return next.size;
  }

  /**
   * Makes the staged bytes one object and returns its key (undefined for an empty upload),
   * writing the flattened state when that took work.
   */
  async flatten(id: string, loaded: LoadedState): Promise<string | undefined> {
    const { state, etag } = loaded;
    if (state.size === 0) return undefined;
    if (state.multipart === undefined && state.base === undefined && state.tail !== undefined) return state.tail.key;
    if (state.multipart === undefined && state.tail === undefined) return this.layout.dataKey(id);
    const next: UploadState = structuredClone(state);
    const written: { multipart?: string } = {};
    try {
      const multipart = await this.openMultipart(id, next, written);
      if (state.tail !== undefined) {
        // The last part may be smaller than 5 MiB, so the tail can join as it is.
        multipart.parts.push(
          ...(await this.objects.copyIntoParts(this.layout.dataKey(id), multipart.uploadId, state.tail.key, state.tail.size, multipart.parts.length + 1)),
        );
      }
      await this.objects.completeMultipart(this.layout.dataKey(id), multipart.uploadId, multipart.parts);
    } catch (error) {
      await this.rollback(id, written);
      throw whenFull(error);
    }
    await this.states.replace(id, { size: state.size, base: state.size }, etag);
    if (state.tail !== undefined) await this.objects.deleteKeys([state.tail.key]).catch(() => undefined);
    return this.layout.dataKey(id);
  }

  private async uploadPart(id: string, next: UploadState, bytes: Buffer, written: { multipart?: string }): Promise<void> {
    const multipart = await this.openMultipart(id, next, written);
    const number = multipart.parts.length + 1;
    const out = await this.objects.client.send(
      new UploadPartCommand({ Bucket: this.objects.bucket, Key: this.layout.dataKey(id), UploadId: multipart.uploadId, PartNumber: number, Body: bytes }),
    );
    if (out.ETag === undefined) throw new Error(`${STORE_NAME}: UploadPart returned no ETag`);
    multipart.parts.push({ number, etag: out.ETag, size: bytes.length });
  }

  /** The open multipart upload of `next`, opening one (with base copied in) if there is none. */
  private async openMultipart(id: string, next: UploadState, written: { multipart?: string }): Promise<{ uploadId: string; parts: PartRecord[] }> {
    if (next.multipart !== undefined) return next.multipart;
    const key = this.layout.dataKey(id);
    const uploadId = await this.objects.startMultipart(key);
    written.multipart = uploadId;
    const parts = next.base === undefined ? [] : await this.objects.copyIntoParts(key, uploadId, key, next.base, 1);
    delete next.base;
    next.multipart = { uploadId, parts };
    return next.multipart;
  }

  /** Removes what a failed write created; the old state never referred to any of it. */
  private async rollback(id: string, written: { tail?: string; multipart?: string }): Promise<void> {
    if (written.multipart !== undefined) await this.objects.abortMultipart(this.layout.dataKey(id), written.multipart).catch(() => undefined);
    if (written.tail !== undefined) await this.objects.deleteKeys([written.tail]).catch(() => undefined);
  }
}

function toBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`${STORE_NAME}: upload body must yield bytes`);
}
