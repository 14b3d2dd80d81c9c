/**
 * The lifecycle use cases for one-shot commands (`berth gc`, `berth rm`, `berth restore`):
 * the metadata database and the blob store, and none of `compose()`'s start-up work. The
 * orphan-staging sweep would delete the staged bytes of an upload a running server is between
 * starting and recording, and the admin bootstrap would create an account whose generated
 * password nobody sees; both are wrong while `berth serve` runs on the same data, which is
 * exactly when an online collection is started by hand. SQLite's WAL lets both share the file.
 */
import { createBlobStore } from './blob-store.js';
import { openMetadataDatabase } from './metadata-database.js';
import type { BerthConfig } from '../config/config.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { Lifecycle } from '../core/lifecycle/lifecycle.js';
import { Registry } from '../core/registry/registry.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../core/registry/registry-deps.js';

export interface ComposedLifecycle {
  lifecycle: Lifecycle;
  /** For deletes by tag or digest, which go through the same use case as the /v2 API. */
  registry: Registry;
  close(): Promise<void>;
}

/** `checkpoint`: for tests that hold a real `berth gc` process at a step (core/checkpoint.ts). */
export async function composeLifecycle(config: BerthConfig, options: { checkpoint?: Checkpoint } = {}): Promise<ComposedLifecycle> {
  const blobs = await createBlobStore(config);
  const stores = await openMetadataDatabase(config, { synchronous: 'normal' });
  try {
    await stores.metadata.migrate();
  } catch (error) {
    await stores.close();
    throw error;
  }
  const now = () => new Date();
  const deleteEnabled = config.storage.delete.enabled;
  // The policies apply here as on /v2: the command line is not a way around an immutable tag.
  const registry = new Registry({ blobs, metadata: stores.metadata, deleteEnabled, maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES, now, policies: stores.policies });
  const lifecycle = new Lifecycle({
    metadata: stores.metadata,
    blobs,
    now,
    graceMs: config.lifecycle.gc.graceSeconds * 1000,
    restoreWindowMs: config.lifecycle.restoreWindowSeconds * 1000,
    deleteEnabled,
    policies: stores.policies,
    checkpoint: options.checkpoint,
  });
  return {
    lifecycle,
    registry,
    async close() {
      await stores.close();
      await blobs.close();
    },
  };
}
