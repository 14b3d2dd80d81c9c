/**
 * Where the S3 blob store keeps things in its bucket, and the validation that guarantees no
 * caller input can name a key outside its prefix. Every key the store touches comes from here.
 *
 *   <prefix>blobs/<algorithm>/<first two hex chars>/<hex>   committed blobs, immutable
 *   <prefix>uploads/<id>/state                              an upload's state (JSON, see s3-upload-state.ts)
 *   <prefix>uploads/<id>/tail-<random>                      bytes not yet part of a multipart part
 *   <prefix>uploads/<id>/data                               the multipart upload's target
 *
 * `prefix` is storage.s3.rootdirectory without its leading slash, with one trailing slash.
 */
export const STORE_NAME = 's3';

// Ids become key segments: no separators, no dots, so nothing can climb out of uploads/<id>/.
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;
const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
const DIGEST = /^([a-z0-9]+):([0-9a-f]+)$/;

export function assertUploadId(id: string): void {
  if (typeof id !== 'string' || !UPLOAD_ID.test(id)) {
    throw new Error(`${STORE_NAME}: invalid upload id ${JSON.stringify(id)}`);
  }
}

export class S3Layout {
  readonly prefix: string;

  constructor(rootDirectory = '') {
    const trimmed = rootDirectory.replace(/^\/+|\/+$/g, '');
    if (trimmed.split('/').some((part) => part === '.' || part === '..')) {
      throw new Error(`${STORE_NAME}: rootdirectory must not contain . or .. segments`);
    }
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
  }

  get uploadsPrefix(): string {
    return `${this.prefix}uploads/`;
  }

  blobKey(digest: string): string {
    const match = typeof digest === 'string' ? DIGEST.exec(digest) : null;
    const algorithm = match?.[1];
    const hex = match?.[2];
    if (algorithm === undefined || hex === undefined || HEX_LENGTH[algorithm] !== hex.length) {
      throw new Error(`${STORE_NAME}: invalid digest ${JSON.stringify(digest)}`);
    }
    // Same fan-out as the filesystem store, so the two trees read alike.
    return `${this.prefix}blobs/${algorithm}/${hex.slice(0, 2)}/${hex}`;
  }

  /** Everything of one upload lives under this prefix. */
  uploadPrefix(id: string): string {
    assertUploadId(id);
    return `${this.uploadsPrefix}${id}/`;
  }

  stateKey(id: string): string {
    return `${this.uploadPrefix(id)}state`;
  }

  dataKey(id: string): string {
    return `${this.uploadPrefix(id)}data`;
  }

  /** The upload id a key under uploads/ belongs to, or undefined for anything else. */
  uploadIdOf(key: string): string | undefined {
    if (!key.startsWith(this.uploadsPrefix)) return undefined;
    const id = key.slice(this.uploadsPrefix.length).split('/')[0];
    return id !== undefined && UPLOAD_ID.test(id) ? id : undefined;
  }
}
