/**
 * A tagged image push without an `org.opencontainers.image.description` annotation may still
 * describe itself with a LABEL of that name (`docker build` puts labels in the config, not in
 * manifest annotations). Read from the config blob, capped; anything unreadable is no label.
 *
 * A config blob never changes under its digest, so what it says is remembered: pushing one
 * image under several tags (`latest`, a version, a commit) read the same config from the blob
 * store once per tag, and those reads (stat, open, read, close on the thread pool) were about a
 * tenth of a manifest PUT's CPU. A blob that could not be read is not remembered, since it may
 * be uploaded, or readable, by the next push.
 */
import type { BlobStore } from '../../ports/blob-store.js';
import { parseImageConfig, readCapped } from '../browse/image-config.js';
import { readManifestDocument } from '../browse/manifest-document.js';

export const DESCRIPTION_KEY = 'org.opencontainers.image.description';
const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
/** Configs larger than this are not read at push time (real ones are a few KiB). */
const MAX_LABEL_CONFIG_BYTES = 1024 * 1024;
/** Configs remembered; a label longer than the longest remembered is read again each time. */
const REMEMBERED_CONFIGS = 512;
const MAX_REMEMBERED_LABEL = 4096;

export class ConfigLabels {
  // Map order is insertion order; re-inserting on a hit keeps the least recently used first.
  private readonly known = new Map<string, string | undefined>();

  constructor(private readonly blobs: BlobStore) {}

  /** The description label of the image `manifestBody` names as its config, if any. */
  async description(manifestBody: Buffer): Promise<string | undefined> {
    const config = readManifestDocument(manifestBody).config;
    if (config === undefined || !IMAGE_CONFIG_TYPES.has(config.mediaType)) return undefined;
    const digest = config.digest;
    if (this.known.has(digest)) {
      const label = this.known.get(digest);
      this.known.delete(digest);
      this.known.set(digest, label);
      return label;
    }
    let found: string | undefined;
    try {
      const bytes = await readCapped(this.blobs, digest, MAX_LABEL_CONFIG_BYTES);
      if (bytes === undefined) return undefined;
      found = parseImageConfig(bytes)?.config.labels[DESCRIPTION_KEY];
    } catch {
      return undefined;
    }
    const label = found === undefined || found === '' ? undefined : found;
    if (label === undefined || label.length <= MAX_REMEMBERED_LABEL) this.remember(digest, label);
    return label;
  }

  private remember(digest: string, label: string | undefined): void {
    this.known.set(digest, label);
    if (this.known.size > REMEMBERED_CONFIGS) {
      const oldest = this.known.keys().next();
      if (oldest.done !== true) this.known.delete(oldest.value);
    }
  }
}
