/**
 * Port errors that mean something to a client whichever use case met them. A full disk can
 * surface from any write (a manifest, an upload session, an audit row), so it is translated
 * here once, at the edge's request, rather than in every use case. So can an unreachable
 * database or object store (scale-out), which becomes a 503 the client may retry.
 */
import { BlobStoreFullError, BlobStoreUnavailableError } from '../ports/blob-store.js';
import { MetadataStoreFullError, MetadataStoreUnavailableError } from '../ports/metadata-store.js';
import { StorageFullError, UnavailableError, type RegistryError } from './errors.js';

export function domainErrorOf(error: unknown): RegistryError | undefined {
  if (error instanceof BlobStoreFullError || error instanceof MetadataStoreFullError) {
    return new StorageFullError("the registry's storage is full; free space on the registry's volume or enlarge it, then retry", {}, { cause: error });
  }
  // A dependency that is down (a database restart, an object store outage) is a 503 a client
  // may retry, not a 500: the request was fine and nothing was half-written.
  if (error instanceof MetadataStoreUnavailableError) {
    return new UnavailableError("the registry's database cannot be reached right now; retry shortly", { retryAfterSeconds: 5 }, { cause: error });
  }
  if (error instanceof BlobStoreUnavailableError) {
    return new UnavailableError("the registry's object store cannot be reached right now; retry shortly", { retryAfterSeconds: 5 }, { cause: error });
  }
  return undefined;
}
