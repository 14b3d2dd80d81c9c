/**
 * Row 14: how long a collection takes to free N deleted images, timed as an operator runs it.
 * Berth collects online (`berth gc` while `berth serve` goes on serving the same data dir);
 * Distribution's collector needs its registry stopped. The row starts a registry of its own
 * (same kind and configuration as the run's) on a fresh root, so both collect exactly the same
 * garbage whatever ran before (a collection of the run's registry would also sweep the
 * unreferenced blobs of rows 1–5), and Distribution can be stopped without ending the run's.
 * The collection is checked on disk: the deleted images' blob files must be gone and the kept
 * images' still there, so a collector that does nothing cannot report a fast time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { berthGc, blobsDir, diskUsage, distributionGc } from '../collectors.js';
import { ImageSet } from '../images.js';
import {
  BERTH_ENV,
  commandTimeoutMs,
  deleteAll,
  mib,
  probeMode,
  pushAll,
  SEED_CONCURRENCY,
  verifyDisk,
  verifyServed,
} from '../lifecycle-common.js';
import type { Profile } from '../options.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const KiB = 1024;
/** A config and two small layers each, so the count, not bytes, is the work. */
const SMALL_LAYERS = [32 * KiB, 8 * KiB];

export function gcTimeRows(profile: Profile): Row[] {
  return [
    {
      id: '14',
      title: `GC after deleting ${profile.gcImages} images by digest (${profile.gcLiveImages} tagged images kept)`,
      unit: 's',
      better: 'lower',
      // Seeding thousands of images through the API comes before the measure.
      timeoutMs: profile.name === 'quick' ? 180_000 : 600_000,
      run: gcTime,
    },
  ];
}

async function gcTime(ctx: BenchContext): Promise<Measurement> {
  const { gcImages, gcLiveImages } = ctx.profile;
  const kind = ctx.target.kind;
  const repos = Math.max(1, Math.ceil((gcImages + gcLiveImages) / 100));
  const garbage = new ImageSet('gcdel', SMALL_LAYERS, repos, 'bench/gc').images(gcImages);
  const live = new ImageSet('gckeep', SMALL_LAYERS, repos, 'bench/gc').images(gcLiveImages);
  const registry = await ctx.startRegistry(kind === 'berth' ? BERTH_ENV : undefined);
  const configDir = await mkdtemp(join(ctx.scratch, 'gc-config-'));
  try {
    const client = ctx.registryAt(registry, SEED_CONCURRENCY);
    const mode = await probeMode(client);
    ctx.log(`  seeding ${gcImages} + ${gcLiveImages} images in ${repos} repositories, deleting ${gcImages} by digest (untimed)`);
    const t0 = Date.now();
    await pushAll(client, mode, [...garbage, ...live], SEED_CONCURRENCY);
    await deleteAll(client, garbage, 16);
    const seeded = (Date.now() - t0) / 1000;
    execFileSync('sync');
    const before = await diskUsage(blobsDir(registry));

    let value: number;
    let how: string;
    if (kind === 'berth') {
      // Online, as an operator runs it: the server goes on serving on the same data dir.
      const run = await berthGc(registry, { grace: '0s', auth: ctx.launcher?.auth ?? 'none', extraEnv: BERTH_ENV, timeoutMs: commandTimeoutMs(ctx) });
      const r = run.report;
      if (r.failures.length > 0) throw new Error(`berth gc could not delete ${r.failures.length} blobs: ${r.failures[0].error}`);
      value = run.ms / 1000;
      how =
        `online, server running; collector ${(r.durationMs / 1000).toFixed(2)} s of the command's ${value.toFixed(2)} s ` +
        `(rest: process start, config, database open); removed ${r.blobsRemoved} blobs, ${mib(r.bytesFreed)}`;
      await verifyServed(client, live);
    } else {
      // Offline, as Distribution requires: stop the registry, collect, (the row then ends it).
      await ctx.stopRegistry(registry, { keepData: true });
      const run = await distributionGc(registry.root, configDir, commandTimeoutMs(ctx));
      value = run.ms / 1000;
      how =
        `offline: the registry must be stopped or read-only during GC; ` +
        `${run.marked} blobs marked, ${run.blobsEligible} blobs + ${run.manifestsEligible} manifests deleted`;
    }
    const after = await diskUsage(blobsDir(registry));
    await verifyDisk(registry, garbage, live);
    const freed = `${before.files - after.files} files, ${mib(before.bytes - after.bytes)} left the disk`;
    return { value, detail: `${how}; ${freed}; seeded in ${seeded.toFixed(1)} s` };
  } finally {
    await ctx.stopRegistry(registry);
    await rm(configDir, { recursive: true, force: true });
  }
}
