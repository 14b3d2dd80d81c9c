/**
 * A registry:2 tree in an S3 bucket, as Distribution's s3 storage driver lays it out: the
 * filesystem paths become keys under the driver's `rootdirectory` (without its leading '/').
 * Directories are key prefixes, listed with a '/' delimiter. Read-only: nothing is written to
 * the bucket.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Registry2Tree } from '../../ports/registry2-tree.js';
import { isNotFound } from './s3-client.js';

export class S3Registry2Tree implements Registry2Tree {
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** registry:2's `storage.s3.rootdirectory`; '' or '/' for the bucket's top. */
    rootDirectory: string,
  ) {
    const trimmed = rootDirectory.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
  }

  get description(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  async directories(path: string): Promise<string[]> {
    const prefix = `${this.prefix}${path}/`;
    const names: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const common of out.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(prefix.length, -1);
        if (name !== undefined && name !== '' && !name.includes('/')) names.push(name);
      }
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return names.sort();
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }));
      return out.ContentLength;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(path: string, limit: number): Promise<Buffer | undefined> {
    const size = await this.size(path);
    if (size === undefined || size > limit) return undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path, Range: size > 0 ? `bytes=0-${limit - 1}` : undefined }));
      const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array(0));
      // Replaced in between by something larger: read no more than the limit, and say so.
      return bytes.length > limit ? undefined : bytes;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async open(path: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }));
    return out.Body as Readable;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
