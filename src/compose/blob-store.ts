/**
 * The blob store the configuration asks for: the filesystem tree under
 * storage.filesystem.rootdirectory (the embedded default) or an S3-compatible bucket
 * (storage.s3, for several instances sharing one store).
 *
 * The S3 adapter is imported only when storage.s3 is set: the AWS SDK it pulls in costs ~25 MB
 * of resident memory and ~100 ms of start-up, which the embedded default never uses.
 */
import { FilesystemBlobStore } from '../adapters/blob/filesystem-blob-store.js';
import { nativeDirectWriter } from '../adapters/blob/native-direct-write.js';
import type { BerthConfig } from '../config/config.js';
import { InvalidInputError } from '../core/errors.js';
import type { BlobStore } from '../ports/blob-store.js';

/** Whether other instances may share the blob store (start-up sweeps must then hold back). */
export function blobStoreIsShared(config: BerthConfig): boolean {
  return config.storage.s3 !== undefined;
}

/** Upload bytes this process has written past the page cache (the direct-write addon; 0 without it). */
export function directWriteBytes(): number {
  return nativeDirectWriter()?.directBytes() ?? 0;
}

/** Upload body bytes freed as soon as they were written (the direct-write addon; 0 without it). */
export function releasedUploadBytes(): number {
  return nativeDirectWriter()?.releasedBytes() ?? 0;
}

/** Frees chunks nothing holds any more (the direct-write addon's release); undefined without the addon. */
export function chunkFreer(): ((chunks: Uint8Array[]) => void) | undefined {
  return nativeDirectWriter()?.release;
}

/**
 * `otherWriters`: other processes (`berth serve --workers`) may commit uploads this one appends
 * to, so the filesystem store keeps no sync running past an append (FilesystemBlobStoreOptions).
 */
export async function createBlobStore(config: BerthConfig, options: { otherWriters?: boolean } = {}): Promise<BlobStore> {
  const s3 = config.storage.s3;
  if (s3 === undefined) return new FilesystemBlobStore({ root: config.storage.filesystem.rootdirectory, backgroundSyncs: options.otherWriters !== true });
  const { S3BlobStore } = await import('../adapters/blob/s3-blob-store.js');
  return new S3BlobStore({
    region: s3.region,
    ...(s3.regionendpoint === undefined ? {} : { endpoint: s3.regionendpoint }),
    ...(s3.accesskey === undefined ? {} : { accessKey: s3.accesskey }),
    ...(s3.secretkey === undefined ? {} : { secretKey: s3.secretkey }),
    forcePathStyle: s3.forcepathstyle,
    bucket: s3.bucket,
    rootDirectory: s3.rootdirectory,
    partSize: s3.chunksize,
  });
}

/**
 * The configured store, checked before anything is served: a bucket that is missing or refuses
 * the credentials stops the start with one line (the store's own ping says which).
 */
export async function openBlobStore(config: BerthConfig, options: { otherWriters?: boolean } = {}): Promise<BlobStore> {
  const blobs = await createBlobStore(config, options);
  if (config.storage.s3 === undefined) return blobs;
  try {
    await blobs.ping({ signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    await blobs.close();
    const message = error instanceof Error ? error.message.replace(/^s3: /, '') : String(error);
    throw new InvalidInputError(`storage.s3: ${message}`, undefined, { cause: error });
  }
  return blobs;
}
