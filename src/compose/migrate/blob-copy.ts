/**
 * One blob from the source store to the destination, through the BlobStore port only (so any
 * pair of stores works), with its digest checked on the way: the bytes are hashed as they
 * stream into a staging upload, and only bytes that hash to the digest are committed under it.
 * A destination therefore never holds a blob under a digest it does not match, even when the
 * source's copy is damaged.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { BlobStoreNotFoundError, type BlobStore } from '../../ports/blob-store.js';

export type BlobOutcome = 'copied' | 'present' | 'missing' | 'corrupt';

export interface BlobCopyOptions {
  /** Called with every chunk's length as it moves (for the progress bar). */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** A staging id per digest: a run killed mid-copy leaves one the next run removes first. */
function stagingId(digest: string): string {
  return `migrate-${digest.replace(':', '-').slice(0, 100)}`;
}

function hashOf(digest: string): { algorithm: string; hex: string } {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return { algorithm, hex };
}

/** Hashes and counts what passes through. */
function verifying(digest: string, onBytes?: (bytes: number) => void): Transform & { matches(size: number): boolean } {
  const { algorithm, hex } = hashOf(digest);
  const hash = createHash(algorithm);
  let seen = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      seen += chunk.length;
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  return Object.assign(transform, { matches: (size: number) => seen === size && hash.digest('hex') === hex });
}

/** `body` through `check`, passing a failure of the source on (pipe alone would not). */
function through(body: Readable, check: Transform): Transform {
  body.once('error', (error) => check.destroy(error));
  return body.pipe(check);
}

/** Whether the destination's copy of `digest` is whole: read back and hashed. */
export async function verifyAt(store: BlobStore, digest: string, size: number, options: BlobCopyOptions = {}): Promise<boolean> {
  const stat = await store.stat(digest, options);
  if (stat === undefined || stat.size !== size) return false;
  const check = verifying(digest, options.onBytes);
  const body = await store.read(digest, options);
  for await (const _chunk of through(body, check)) {
    // drained for the hash
  }
  return check.matches(size);
}

export async function copyBlob(source: BlobStore, destination: BlobStore, digest: string, size: number, options: BlobCopyOptions = {}): Promise<BlobOutcome> {
  let body: Readable;
  try {
    body = await source.read(digest, options);
  } catch (error) {
    if (error instanceof BlobStoreNotFoundError) return 'missing';
    throw error;
  }
  const id = stagingId(digest);
  const check = verifying(digest, options.onBytes);
  try {
    await destination.abortUpload(id, options);
    await destination.createUpload(id, options);
    await destination.appendUpload(id, 0, through(body, check), options);
  } catch (error) {
    body.destroy();
    await destination.abortUpload(id).catch(() => undefined);
    throw error;
  }
  if (!check.matches(size)) {
    await destination.abortUpload(id);
    return 'corrupt';
  }
  await destination.commitUpload(id, digest, options);
  return 'copied';
}
