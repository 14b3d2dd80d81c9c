/**
 * What the lifecycle rows (14–15c) share: seeding and deleting whole images, the checks that a
 * collection really freed the garbage and kept the rest, and the settings both sides run with.
 */
import type { RegistryProcess } from '../test/support/registry-process.js';
import { presentBlobs } from './collectors.js';
import { sha256 } from './data.js';
import { pushImage, type Image, type PushErrors } from './images.js';
import { MiB } from './load-result.js';
import { MANIFEST_ACCEPT, ProtocolError, type Registry, type UploadMode } from './oci.js';
import { runPool } from './pool.js';
import type { BenchContext } from './workload.js';

export const SEED_CONCURRENCY = 32;
/** Berth's own scheduled collector stays off where the rows run the collector themselves. */
export const BERTH_ENV = { BERTH_LIFECYCLE_GC_INTERVAL: '0s' };
export const DISTRIBUTION_OFFLINE =
  "Distribution's GC is offline: it requires the registry stopped (or read-only), so no push can run during it";

/** One collector command's limit, inside the row's. */
export function commandTimeoutMs(ctx: BenchContext): number {
  return ctx.profile.name === 'quick' ? 120_000 : 400_000;
}

export async function probeMode(registry: Registry): Promise<UploadMode> {
  const probe = Buffer.from('berth-bench lifecycle probe\n');
  return registry.uploadMode('bench/probe', { digest: sha256(probe), body: { parts: [probe], length: probe.length } });
}

export async function pushAll(registry: Registry, mode: UploadMode, images: Image[], concurrency: number): Promise<void> {
  await runPool({ concurrency, count: images.length, op: (i) => pushImage(registry, mode, images[i]) });
}

export async function deleteAll(registry: Registry, images: Image[], concurrency: number): Promise<void> {
  await runPool({
    concurrency,
    count: images.length,
    op: async (i) => {
      await registry.deleteManifest(images[i].repo, images[i].digest);
      return 0;
    },
  });
}

/** Every blob of `images` must have left the disk, and every blob of `kept` must still be there. */
export async function verifyDisk(registry: RegistryProcess, deleted: Image[], kept: Image[]): Promise<void> {
  const deletedBlobs = new Set(deleted.flatMap((image) => image.blobs.map((b) => b.digest)));
  const left = await presentBlobs(registry, deletedBlobs);
  if (left.length > 0) throw new Error(`${left.length} of ${deletedBlobs.size} deleted blobs are still on disk after GC (e.g. ${left[0]})`);
  const keptBlobs = new Set(kept.flatMap((image) => image.blobs.map((b) => b.digest)));
  const present = await presentBlobs(registry, keptBlobs);
  if (present.length < keptBlobs.size) throw new Error(`GC removed ${keptBlobs.size - present.length} blobs of tagged images`);
}

/** The kept images still resolve through the API: manifest by tag, and each blob. */
export async function verifyServed(registry: Registry, images: Image[]): Promise<void> {
  await runPool({
    concurrency: 16,
    count: images.length,
    op: async (i) => {
      const image = images[i];
      const res = await registry.http.request('HEAD', `/v2/${image.repo}/manifests/${image.tag}`, { headers: { Accept: MANIFEST_ACCEPT } });
      if (res.status !== 200) throw new ProtocolError(`kept image ${image.repo}:${image.tag} answers ${res.status} after GC`);
      for (const blob of image.blobs) {
        if (!(await registry.blobExists(image.repo, blob.digest))) throw new ProtocolError(`kept blob ${blob.digest} is gone after GC`);
      }
      return 0;
    },
  });
}

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes >= 10 * MiB ? 0 : 1)} MiB`;
}

/** DELETE by digest, again after a 5xx or a reset; a 404 on a retry means the first one landed. */
export async function deleteCounting(registry: Registry, image: Image, errors: PushErrors): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await registry.deleteManifest(image.repo, image.digest);
      return;
    } catch (error) {
      if (attempt > 1 && error instanceof ProtocolError && error.status === 404) return;
      if (attempt === 4) throw error;
      errors.record(error);
    }
  }
}

/** Error lines (pino level ≥ 50) Berth logged since `from`, with the first one's message. */
export function serverErrors(registry: RegistryProcess, from: number): { count: number; first: string } {
  let count = 0;
  let first = '';
  for (const line of registry.output().slice(from).split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 50) continue;
    count++;
    if (first === '') first = `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 160);
  }
  return { count, first };
}
