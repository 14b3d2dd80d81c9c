/**
 * Object-level primitives the S3 blob store builds on: absence as a value rather than an
 * exception, whole small objects as bytes, listing a prefix, batched deletes, and server-side
 * copies of any size (CopyObject stops at 5 GiB; past that a multipart copy does the same).
 */
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isNotFound } from './s3-client.js';
import { STORE_NAME } from './s3-layout.js';

/** S3's limits on one part (and on one CopyObject). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;

export interface PartRecord {
  number: number;
  etag: string;
  size: number;
}

export interface ListedObject {
  key: string;
  size: number;
  modified: Date;
}

export class S3Objects {
  constructor(readonly client: S3Client, readonly bucket: string) {}

  async head(key: string, signal?: AbortSignal): Promise<{ size: number; etag?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { size: out.ContentLength ?? 0, ...(out.ETag === undefined ? {} : { etag: out.ETag }) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A small object's bytes and ETag, or undefined when absent. */
  async getBytes(key: string, signal?: AbortSignal): Promise<{ bytes: Buffer; etag: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array(0));
      return { bytes, etag: out.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
    const found: ListedObject[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
        { abortSignal: signal },
      );
      for (const item of out.Contents ?? []) {
        if (item.Key !== undefined) found.push({ key: item.Key, size: item.Size ?? 0, modified: item.LastModified ?? new Date(0) });
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found;
  }

  /** Deletes keys in batches of 1000 (S3's limit per request); absent keys are not an error. */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += 1000) {
      const batch = keys.slice(at, at + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(`${STORE_NAME}: could not delete ${failed.length} object(s), first ${first?.Key}: ${first?.Code} ${first?.Message}`);
      }
    }
  }

  async startMultipart(key: string): Promise<string> {
    const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }));
    if (out.UploadId === undefined) throw new Error(`${STORE_NAME}: CreateMultipartUpload returned no upload id`);
    return out.UploadId;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly PartRecord[]): Promise<void> {
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
      }),
    );
  }

  /**
   * Copies `size` bytes of `source` into parts `firstNumber…` of a multipart upload. The ranges
   * are near-equal and at most 5 GiB, so each is at least 5 MiB whenever `size` is (a part that
   * is not the last must be).
   */
  async copyIntoParts(key: string, uploadId: string, source: string, size: number, firstNumber: number): Promise<PartRecord[]> {
    const count = Math.max(1, Math.ceil(size / MAX_PART_BYTES));
    const step = Math.ceil(size / count);
    const parts: PartRecord[] = [];
    for (let start = 0, number = firstNumber; start < size; start += step, number++) {
      const end = Math.min(size, start + step) - 1;
      const out = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: number,
          CopySource: copySource(this.bucket, source),
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      const etag = out.CopyPartResult?.ETag;
      if (etag === undefined) throw new Error(`${STORE_NAME}: UploadPartCopy returned no ETag`);
      parts.push({ number, etag, size: end - start + 1 });
    }
    return parts;
  }

  /** Server-side copy of a whole object of `size` bytes. */
  async copy(source: string, target: string, size: number): Promise<void> {
    if (size <= MAX_PART_BYTES) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: copySource(this.bucket, source) }));
      return;
    }
    const uploadId = await this.startMultipart(target);
    try {
      const parts = await this.copyIntoParts(target, uploadId, source, size, 1);
      await this.completeMultipart(target, uploadId, parts);
    } catch (error) {
      await this.abortMultipart(target, uploadId).catch(() => undefined);
      throw error;
    }
  }
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function randomSuffix(): string {
  return randomBytes(8).toString('hex');
}
