/**
 * Rows 15–15c: what pushing costs while a collector runs. Row 15 pushes into an idle registry;
 * 15b pushes while `berth gc` runs back to back as a separate process and old images are
 * deleted meanwhile, 15c the same with the server's own scheduled collector. Distribution's
 * collector is offline, so 15b and 15c are n/a there. Each bed is a registry of the rows' own
 * (see gc-time.ts for why), and every run ends with checks on disk and through the API that
 * the deleted images' blobs are gone and every pushed image is intact.
 */
import { execFileSync } from 'node:child_process';
import type { RegistryProcess } from '../../test/support/registry-process.js';
import { berthGc, type BerthGcRun } from '../collectors.js';
import { ImageSet, pushImage, pushImageCounting, PushErrors, type Image } from '../images.js';
import {
  BERTH_ENV,
  commandTimeoutMs,
  deleteCounting,
  DISTRIBUTION_OFFLINE,
  mib,
  probeMode,
  pushAll,
  SEED_CONCURRENCY,
  serverErrors,
  verifyDisk,
  verifyServed,
} from '../lifecycle-common.js';
import { latencySummary, MiB, perSecond } from '../load-result.js';
import { ProtocolError, type Registry, type UploadMode } from '../oci.js';
import type { Profile } from '../options.js';
import { runPool } from '../pool.js';
import { NotApplicable, type BenchContext, type Measurement, type Row } from '../workload.js';

const PUSH_CONCURRENCY = 8;
const KiB = 1024;
const PUSH_LAYERS = [MiB, 512 * KiB, 256 * KiB];
/**
 * The grace the collector runs with in rows 15b and 15c (row 14 uses 0s: nothing is pushed
 * meanwhile). With pushes in flight, 0s lets a collection take a layer a push uploaded a moment
 * before its manifest, which is what the grace period exists to prevent (the client must push it
 * again); 5 s is longer than any image push here takes and shorter than the garbage's age.
 */
const LOOP_GRACE_S = 5;
/** Row 15c: the server collects on its own, this often, with row 15b's grace. */
const SCHEDULED_INTERVAL_S = 2;
const SCHEDULED_ENV = { BERTH_LIFECYCLE_GC_INTERVAL: `${SCHEDULED_INTERVAL_S}s`, BERTH_LIFECYCLE_GC_GRACE: `${LOOP_GRACE_S}s` };

export function pushDuringGcRows(profile: Profile): Row[] {
  const pushMiB = (new ImageSet('x', PUSH_LAYERS, 1, 'x').layerBytes / MiB).toFixed(2);
  // Seeding the older images through the API comes before the measure.
  const timeoutMs = profile.name === 'quick' ? 180_000 : 600_000;
  return [
    {
      id: '15',
      title: `push images (3 layers, ${pushMiB} MiB), c${PUSH_CONCURRENCY}, no GC running (${profile.gcPushImages} images)`,
      unit: 'MiB/s',
      better: 'higher',
      timeoutMs,
      run: pushIdle,
    },
    {
      id: '15b',
      title: `push images as in 15 while \`berth gc\` runs in a loop and old images are deleted (${profile.gcPushImages} images)`,
      unit: 'MiB/s',
      better: 'higher',
      timeoutMs,
      run: (ctx) => pushDuringGc(ctx, false),
    },
    {
      id: '15c',
      title: `push images as in 15 while the server's scheduled GC runs every ${SCHEDULED_INTERVAL_S} s and old images are deleted (${profile.gcPushImages} images)`,
      unit: 'MiB/s',
      better: 'higher',
      timeoutMs,
      run: (ctx) => pushDuringGc(ctx, true),
    },
  ];
}

/** Rows 15 and 15b share one registry: the same contents, pushed idle and then under GC. */
interface PushBed {
  registry: RegistryProcess;
  mode: UploadMode;
  /** Tagged images seeded first; rows 15b/15c delete them while they push (the collector's work). */
  old: Image[];
  seededAt: number;
}

/** Row 15's result per run and registry, for the ratio in 15b's and 15c's notes. */
const idleMiBps = new WeakMap<BenchContext, number>();

/** The bed of rows 15/15b (`scheduled` false) or the one of row 15c, whose server collects on its own. */
function pushBed(ctx: BenchContext, scheduled: boolean): Promise<PushBed> {
  return ctx.fixture(`lifecycle-push-bed${scheduled ? '-scheduled' : ''}`, async () => {
    const env = ctx.target.kind !== 'berth' ? undefined : scheduled ? SCHEDULED_ENV : BERTH_ENV;
    const registry = await ctx.startRegistry(env);
    const client = ctx.registryAt(registry, SEED_CONCURRENCY);
    const mode = await probeMode(client);
    const old = new ImageSet('old', PUSH_LAYERS, 10, 'bench/churn').images(ctx.profile.gcPushImages);
    ctx.log(`  seeding ${old.length} images of ${mib(old[0].bytes)} (untimed)`);
    await pushAll(client, mode, old, SEED_CONCURRENCY);
    return { registry, mode, old, seededAt: Date.now() };
  });
}

async function timedPush(
  registry: Registry,
  mode: UploadMode,
  images: Image[],
  errors: PushErrors,
  onPushed?: () => void,
): Promise<{ mibPerSecond: number; latency: string; ms: number }> {
  const result = await runPool({
    concurrency: PUSH_CONCURRENCY,
    count: images.length,
    op: async (i) => {
      const bytes = await pushImageCounting(registry, mode, images[i], errors);
      onPushed?.();
      return bytes;
    },
  });
  return { mibPerSecond: perSecond(result.bytes / MiB, result.elapsedMs), latency: latencySummary(result), ms: result.elapsedMs };
}

async function pushIdle(ctx: BenchContext): Promise<Measurement> {
  const bed = await pushBed(ctx, false);
  const images = new ImageSet('idle', PUSH_LAYERS, 10, 'bench/fresh').images(ctx.profile.gcPushImages);
  const registry = ctx.registryAt(bed.registry, PUSH_CONCURRENCY);
  await warmUp(registry, bed.mode);
  execFileSync('sync');
  const errors = new PushErrors();
  const result = await timedPush(registry, bed.mode, images, errors);
  idleMiBps.set(ctx, result.mibPerSecond);
  const imagesPerSecond = perSecond(images.length, result.ms);
  return { value: result.mibPerSecond, detail: `${imagesPerSecond.toFixed(0)} images/s, ${result.latency} per image; ${errors.summary()}` };
}

async function warmUp(registry: Registry, mode: UploadMode): Promise<void> {
  const warm = new ImageSet('warm15', PUSH_LAYERS, 1, 'bench/warm').images(PUSH_CONCURRENCY * 2);
  await runPool({ concurrency: PUSH_CONCURRENCY, count: warm.length, op: (i) => pushImage(registry, mode, warm[i]) });
}

/** What collects while row 15b or 15c pushes. */
interface Collector {
  /** Runs alongside the push until `pushing()` turns false. */
  run(pushing: () => boolean): Promise<void>;
  /** After the push: a last collection, so the disk check sees every delete collected. */
  finish(): Promise<void>;
  note(): string;
  /** Why no collection happened during the push, if none did: the row then has no number. */
  nothingCollected(): string | undefined;
}

/** Row 15b's: `berth gc` run back to back as a separate process, as an operator or cron would. */
function commandLoop(ctx: BenchContext, registry: RegistryProcess): Collector {
  const options = { grace: `${LOOP_GRACE_S}s`, auth: ctx.launcher?.auth ?? 'none', extraEnv: BERTH_ENV, timeoutMs: commandTimeoutMs(ctx) } as const;
  const runs: BerthGcRun[] = [];
  const errors: string[] = [];
  /** Runs that ended while the push was still going (the last one usually outlives it). */
  let completedDuringPush = 0;
  let finalBlobs = 0;
  return {
    async run(pushing) {
      while (pushing()) {
        try {
          runs.push(await berthGc(registry, options));
          if (pushing()) completedDuringPush++;
        } catch (error) {
          errors.push(error instanceof Error ? error.message.replace(/^berth gc exited 1 without a JSON report: /, '') : String(error));
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      for (const error of errors.slice(0, 3)) ctx.log(`  gc run failed: ${error}`);
    },
    async finish() {
      finalBlobs = (await berthGc(registry, options)).report.blobsRemoved;
    },
    note() {
      const blobs = runs.reduce((n, r) => n + r.report.blobsRemoved, 0);
      const bytes = runs.reduce((n, r) => n + r.report.bytesFreed, 0);
      const failures = runs.reduce((n, r) => n + r.report.failures.length, 0);
      const collectorMs = runs.map((r) => r.report.durationMs).sort((a, b) => a - b);
      const failed = errors.length > 0 ? `, ${errors.length} failed (${errors[0]})` : '';
      return (
        `gc runs (grace ${LOOP_GRACE_S} s, back to back): ${runs.length + errors.length} started during the push, ` +
        `${completedDuringPush} completed before it ended${failed}, ${runs.length - completedDuringPush} completed after it; ` +
        `together they freed ${blobs} blobs, ${mib(bytes)} (collector p50 ${collectorMs[collectorMs.length >> 1] ?? 0} ms)` +
        `${failures > 0 ? `, ${failures} blob deletes failed` : ''}; a final gc freed ${finalBlobs} more blobs`
      );
    },
    nothingCollected() {
      if (runs.length > 0) return undefined;
      return errors.length === 0 ? 'the push ended before a collection could start' : `${errors.length} of ${errors.length} failed (${errors[0]})`;
    },
  };
}

/** Berth's gc counters from /metrics. */
async function gcCounters(registry: Registry): Promise<{ runs: number; failed: number; blobs: number; bytes: number }> {
  const res = await registry.http.request('GET', '/metrics');
  if (res.status !== 200) throw new ProtocolError(`${res.status} on GET /metrics`);
  const text = res.body.toString('utf8');
  const counter = (name: string): number => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    if (!match) throw new ProtocolError(`/metrics has no ${name}`);
    return Number(match[1]);
  };
  return {
    runs: counter('berth_gc_runs_total'),
    failed: counter('berth_gc_failed_runs_total'),
    blobs: counter('berth_gc_blobs_removed_total'),
    bytes: counter('berth_gc_bytes_freed_total'),
  };
}

/** Row 15c's: the server's own scheduled collector, in process, every SCHEDULED_INTERVAL_S. */
function scheduled(ctx: BenchContext, registry: RegistryProcess): Collector {
  const metrics = ctx.registryAt(registry, 1);
  let before: Awaited<ReturnType<typeof gcCounters>> | undefined;
  let atEnd: Awaited<ReturnType<typeof gcCounters>> | undefined;
  let after: Awaited<ReturnType<typeof gcCounters>> | undefined;
  return {
    async run(pushing) {
      before = await gcCounters(metrics);
      while (pushing()) await new Promise((r) => setTimeout(r, 50));
      atEnd = await gcCounters(metrics);
    },
    async finish() {
      // Two more completed runs (the counter counts completed ones): the second began after the last delete.
      const deadline = Date.now() + (SCHEDULED_INTERVAL_S * 3 + 30) * 1000;
      for (;;) {
        after = await gcCounters(metrics);
        if (after.runs - (atEnd?.runs ?? 0) >= 2) return;
        if (Date.now() > deadline) throw new Error('the scheduled collector did not run twice after the push');
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    note() {
      if (!before || !atEnd || !after) return '';
      const runs = atEnd.runs - before.runs;
      const failed = atEnd.failed - before.failed;
      return (
        `scheduled gc (every ${SCHEDULED_INTERVAL_S} s, grace ${LOOP_GRACE_S} s, in the server): ${runs} runs during the push` +
        `${failed > 0 ? `, ${failed} failed` : ''}, freeing ${atEnd.blobs - before.blobs} blobs, ${mib(atEnd.bytes - before.bytes)}; ` +
        `${after.blobs - atEnd.blobs} more blobs after it`
      );
    },
    nothingCollected() {
      if (!before || !atEnd) return 'no metrics';
      if (atEnd.runs > before.runs) return undefined;
      return `no scheduled collection completed${atEnd.failed > before.failed ? ` (${atEnd.failed - before.failed} failed)` : ''}`;
    },
  };
}

async function pushDuringGc(ctx: BenchContext, scheduledCollector: boolean): Promise<Measurement> {
  if (ctx.target.kind !== 'berth') throw new NotApplicable(DISTRIBUTION_OFFLINE);
  const bed = await pushBed(ctx, scheduledCollector);
  const images = new ImageSet(scheduledCollector ? 'sched' : 'busy', PUSH_LAYERS, 10, 'bench/fresh').images(ctx.profile.gcPushImages);
  const registry = ctx.registryAt(bed.registry, PUSH_CONCURRENCY);
  const deleter = ctx.registryAt(bed.registry, 1);
  const collector = scheduledCollector ? scheduled(ctx, bed.registry) : commandLoop(ctx, bed.registry);
  // Row 15 warmed the shared bed up; row 15c's (or 15b's, run alone) needs its own warm-up.
  if (scheduledCollector || !idleMiBps.has(ctx)) await warmUp(registry, bed.mode);
  // The old images must be older than the grace, or the collector may not take them yet.
  const wait = bed.seededAt + (LOOP_GRACE_S + 1) * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  execFileSync('sync');

  let done = false;
  let pushed = 0;
  let deleted = 0;
  let wake: (() => void) | undefined;
  let deleteError: unknown;
  const deleteErrors = new PushErrors();
  const logFrom = bed.registry.output().length;
  // Garbage keeps appearing: one old image deleted (by digest) for every new image pushed.
  const deleting = (async () => {
    while (!done && deleted < bed.old.length) {
      if (deleted >= pushed) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      await deleteCounting(deleter, bed.old[deleted], deleteErrors);
      deleted++;
    }
  })().catch((error: unknown) => {
    deleteError = error;
  });
  const collecting = collector.run(() => !done);

  const errors = new PushErrors();
  let result: Awaited<ReturnType<typeof timedPush>>;
  try {
    result = await timedPush(registry, bed.mode, images, errors, () => {
      pushed++;
      wake?.();
    });
  } finally {
    done = true;
    wake?.();
    await deleting;
    await collecting;
  }
  if (deleteError !== undefined) throw deleteError;

  // Untimed: collect what the last deletes left, then check nothing live went and the garbage did.
  await collector.finish();
  const gone = bed.old.slice(0, deleted);
  const kept = [...bed.old.slice(deleted), ...images];
  await verifyDisk(bed.registry, gone, kept);
  await verifyServed(deleter, images);

  const logged = serverErrors(bed.registry, logFrom);
  if (logged.count > 0) ctx.log(`  the registry logged ${logged.count} errors meanwhile, first: ${logged.first}`);
  const idle = idleMiBps.get(ctx);
  const ratio = idle === undefined ? '' : `; ${(result.mibPerSecond / idle).toFixed(2)}× of row 15`;
  const nothing = collector.nothingCollected();
  if (nothing !== undefined) {
    // A number here would read as "push throughput during GC" when no collection happened.
    throw new Error(
      `no gc run completed during the push: ${nothing}; pushes meanwhile ${result.mibPerSecond.toFixed(1)} MiB/s${ratio}, ${errors.summary()}`,
    );
  }
  const others =
    `${deleted} old images deleted meanwhile (${deleteErrors.summary()})` +
    `${logged.count > 0 ? `; server logged ${logged.count} errors: ${logged.first}` : ''}`;
  return {
    value: result.mibPerSecond,
    detail: `${result.latency} per image; ${errors.summary()}; ${collector.note()}; ${others}${ratio}`,
  };
}
