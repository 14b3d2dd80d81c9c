/**
 * The composition root: the only place (with the CLI) that turns configuration into adapters,
 * wires them into the core and hands the result to the HTTP edge.
 */
import type { Logger } from 'pino';
import { FilesystemBlobStore } from '../adapters/blob/filesystem-blob-store.js';
import { createSqliteMetadataStore } from '../adapters/metadata/sqlite-metadata-store.js';
import type { BerthConfig } from '../config/config.js';
import { Registry } from '../core/registry/registry.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../core/registry/registry-deps.js';

export interface Composed {
  registry: Registry;
  close(): Promise<void>;
}

export async function compose(config: BerthConfig, logger: Logger): Promise<Composed> {
  const blobs = new FilesystemBlobStore({ root: config.storage.filesystem.rootdirectory });
  const metadata = await createSqliteMetadataStore({ path: config.metadata.sqlite.path, synchronous: 'normal' });
  await metadata.migrate();
  const registry = new Registry({
    blobs,
    metadata,
    deleteEnabled: config.storage.delete.enabled,
    maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
    now: () => new Date(),
  });
  await startupSweep(registry, config, logger);
  return {
    registry,
    async close() {
      await metadata.close();
      await blobs.close();
    },
  };
}

/**
 * Removes what a crash or an abandoned client left: staged bytes no session owns at once,
 * and upload sessions idle longer than the purge age (with their staged bytes). Only safe
 * while no other instance shares the blob store, which holds for the embedded filesystem.
 */
async function startupSweep(registry: Registry, config: BerthConfig, logger: Logger): Promise<void> {
  const purging = config.storage.maintenance.uploadpurging;
  const cutoff = new Date(Date.now() - purging.ageSeconds * 1000);
  const sessions = purging.enabled ? await registry.uploads.purgeStale(cutoff) : 0;
  const files = await registry.deps.blobs.sweepStaging(purging.enabled ? cutoff : new Date(0));
  const orphans = await registry.uploads.removeOrphanStaging();
  if (sessions + files + orphans > 0) {
    logger.info({ sessions, files, orphans }, 'swept stale uploads and temporary files');
  }
}

/** Purges stale upload sessions periodically; returns a function that stops it. */
export function scheduleUploadPurge(registry: Registry, config: BerthConfig, logger: Logger): () => void {
  const purging = config.storage.maintenance.uploadpurging;
  if (!purging.enabled) return () => undefined;
  const timer = setInterval(() => {
    const cutoff = new Date(Date.now() - purging.ageSeconds * 1000);
    registry.uploads
      .purgeStale(cutoff)
      .then((count) => count > 0 && logger.info({ count }, 'purged stale upload sessions'))
      .catch((error: unknown) => logger.error({ err: error }, 'upload purge failed'));
  }, purging.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
