/**
 * How upload failures are told to the client: what went wrong with the session and what to do
 * next (start again, finish or cancel others, free space). The blob store's errors become
 * domain errors here.
 */
import { BlobStoreFullError, BlobStoreNotFoundError, BlobStoreOffsetError } from '../../ports/blob-store.js';
import type { MetadataUploadLimitError } from '../../ports/metadata-store.js';
import { BlobUploadUnknownError, RangeInvalidError, StorageFullError, TooManyRequestsError } from '../errors.js';

export function bytesGone(id: string, cause?: unknown): InstanceType<typeof BlobUploadUnknownError> {
  return new BlobUploadUnknownError(
    'the bytes of this upload are gone (it expired or was lost in a restart); start the upload again',
    { upload: id },
    { cause },
  );
}

export function tooManyUploads(full: MetadataUploadLimitError, reclaimAfterMs: number): InstanceType<typeof TooManyRequestsError> {
  const who = 'account' in full.scope ? `account ${full.scope.account}` : `project ${full.scope.project}`;
  const minutes = Math.max(1, Math.round(reclaimAfterMs / 60_000));
  return new TooManyRequestsError(
    `${who} has ${full.open} unfinished uploads open, the most it may have (${full.limit}): complete or cancel ` +
      `(DELETE its Location) an upload before starting another; an upload idle for ${minutes} minutes makes room by itself`,
    { ...full.scope, open: full.open, limit: full.limit },
  );
}

export function translateStoreError(error: unknown, id: string, offset?: number): unknown {
  if (error instanceof BlobStoreFullError) {
    return new StorageFullError(
      "the registry's storage is full; free space on the registry's volume or enlarge it, then retry the upload",
      { upload: id },
      { cause: error },
    );
  }
  if (error instanceof BlobStoreNotFoundError) return bytesGone(id, error);
  if (error instanceof BlobStoreOffsetError) {
    return new RangeInvalidError('upload offset mismatch', { expectedStart: offset }, { cause: error });
  }
  return error;
}
