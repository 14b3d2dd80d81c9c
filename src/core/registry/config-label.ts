/**
 * A tagged image push without an `org.opencontainers.image.description` annotation may still
 * describe itself with a LABEL of that name (`docker build` puts labels in the config, not in
 * manifest annotations). Read from the config blob, capped; anything unreadable is no label.
 */
import type { BlobStore } from '../../ports/blob-store.js';
import { parseImageConfig, readCapped } from '../browse/image-config.js';
import { readManifestDocument } from '../browse/manifest-document.js';

export const DESCRIPTION_KEY = 'org.opencontainers.image.description';
const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
/** Configs larger than this are not read at push time (real ones are a few KiB). */
const MAX_LABEL_CONFIG_BYTES = 1024 * 1024;

export async function labelDescription(blobs: BlobStore, manifestBody: Buffer): Promise<string | undefined> {
  const config = readManifestDocument(manifestBody).config;
  if (config === undefined || !IMAGE_CONFIG_TYPES.has(config.mediaType)) return undefined;
  try {
    const bytes = await readCapped(blobs, config.digest, MAX_LABEL_CONFIG_BYTES);
    const label = bytes === undefined ? undefined : parseImageConfig(bytes)?.config.labels[DESCRIPTION_KEY];
    return label === undefined || label === '' ? undefined : label;
  } catch {
    return undefined;
  }
}
