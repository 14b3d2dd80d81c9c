/** What the registry use cases need from the outside world, passed in by the composition root. */
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';

export interface RegistryDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  /** Deletes of blobs, manifests and tags are refused when false (registry:2's storage.delete). */
  deleteEnabled: boolean;
  /** Largest manifest body accepted, in bytes. */
  maxManifestBytes: number;
  now: () => Date;
}

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
