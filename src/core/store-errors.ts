/**
 * Port errors that mean something to a client whichever use case met them. A full disk can
 * surface from any write (a manifest, an upload session, an audit row), so it is translated
 * here once, at the edge's request, rather than in every use case.
 */
import { BlobStoreFullError } from '../ports/blob-store.js';
import { MetadataStoreFullError } from '../ports/metadata-store.js';
import { StorageFullError, type RegistryError } from './errors.js';

export function domainErrorOf(error: unknown): RegistryError | undefined {
  if (error instanceof BlobStoreFullError || error instanceof MetadataStoreFullError) {
    return new StorageFullError("the registry's storage is full; free space on the registry's volume or enlarge it, then retry", {}, { cause: error });
  }
  return undefined;
}
