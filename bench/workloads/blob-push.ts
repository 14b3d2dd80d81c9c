/**
 * Rows 1–3: pushing blobs whole (many small ones in parallel, one huge one) and in chunks.
 * Every pushed blob is distinct or freshly uploaded, so the registry always hashes and stores.
 * Rows 1 and 2 speak what docker, containerd and skopeo send (POST, then PUT ?digest= with the
 * body) to both registries; 1b and 2b measure the optional single `POST ?digest=` on its own,
 * `n/a` where the registry does not take it (Distribution 2.8 opens a session instead).
 */
import { BlobFamily, patternBlob } from '../data.js';
import { latencySummary, median, MiB, perSecond } from '../load-result.js';
import type { Profile } from '../options.js';
import { runPool } from '../pool.js';
import type { UploadMode } from '../oci.js';
import { bigBlob, uploadMode } from '../seed.js';
import { NotApplicable, type BenchContext, type Measurement, type Row } from '../workload.js';

const SMALL_CONCURRENCY = 32;
/**
 * Pushes per big-push row (2, 2b, 3), median reported. One 1 GiB push per registry moved
 * Berth's row 2 from 883 to 701 MiB/s between two full runs of the same build, and row 3 by a
 * fifth: which fresh pages a push lands on (the VM backs memory on first touch) decides more
 * than the registry does.
 */
const BIG_PUSHES = { full: 3, quick: 1 } as const;

export function blobPushRows(profile: Profile): Row[] {
  return [
    {
      id: '1',
      title: `push 1 MiB blobs, monolithic, c${SMALL_CONCURRENCY} (${profile.smallPushCount} blobs)`,
      unit: 'MiB/s',
      better: 'higher',
      run: (ctx) => pushSmallBlobs(ctx, 'post-put'),
    },
    {
      id: '1b',
      title: `push 1 MiB blobs, single POST ?digest=, c${SMALL_CONCURRENCY} (${profile.smallPushCount} blobs)`,
      unit: 'MiB/s',
      better: 'higher',
      run: async (ctx) => pushSmallBlobs(ctx, await singlePost(ctx)),
    },
    {
      id: '2',
      title: `push big blob, monolithic (${profile.bigBlobBytes / MiB} MiB${medianOf(profile)})`,
      unit: 'MiB/s',
      better: 'higher',
      run: (ctx) => pushBigBlob(ctx, 'post-put'),
    },
    {
      id: '2b',
      title: `push big blob, single POST ?digest= (${profile.bigBlobBytes / MiB} MiB${medianOf(profile)})`,
      unit: 'MiB/s',
      better: 'higher',
      run: async (ctx) => pushBigBlob(ctx, await singlePost(ctx)),
    },
    {
      id: '3',
      title: `push chunked (${profile.chunkedTotalBytes / MiB} MiB in ${profile.chunkBytes / MiB} MiB PATCHes${medianOf(profile)})`,
      unit: 'MiB/s',
      better: 'higher',
      run: pushChunked,
    },
  ];
}

/** The single-request mode, or n/a when the registry answers it by opening a session. */
async function singlePost(ctx: BenchContext): Promise<UploadMode> {
  if ((await uploadMode(ctx)) === 'single-post') return 'single-post';
  throw new NotApplicable('POST ?digest= with a body opens an upload session here (optional in the spec); rows 1 and 2 measure POST + PUT');
}

async function pushSmallBlobs(ctx: BenchContext, mode: UploadMode): Promise<Measurement> {
  // Each mode pushes into its own repository, so neither row finds the other's blobs.
  const repo = `bench/push-${mode}`;
  const registry = ctx.registry(SMALL_CONCURRENCY);
  const warm = new BlobFamily(`warm-${mode}`);
  await runPool({ concurrency: SMALL_CONCURRENCY, count: SMALL_CONCURRENCY * 2, op: (i) => registry.pushBlob(repo, warm.blob(i), mode) });

  const family = new BlobFamily(mode === 'post-put' ? 'push' : 'push1req');
  let requests = 0;
  const result = await runPool({
    concurrency: SMALL_CONCURRENCY,
    count: ctx.profile.smallPushCount,
    op: async (i) => {
      const blob = family.blob(i);
      const made = await registry.pushBlob(repo, blob, mode);
      requests += made;
      return blob.body.length;
    },
  });
  const requestRate = perSecond(requests, result.elapsedMs);
  return {
    value: perSecond(result.bytes / MiB, result.elapsedMs),
    detail: `${requestRate.toFixed(0)} req/s as ${mode}, ${latencySummary(result)}`,
  };
}

async function pushBigBlob(ctx: BenchContext, mode: UploadMode): Promise<Measurement> {
  const blob = patternBlob(ctx.profile.bigBlobBytes);
  const registry = ctx.registry(1);
  // The same bytes every time, and again in 2b: a registry must still receive, hash and store
  // an upload whose digest it already holds (neither registry short-cuts a PUT with a body).
  const pushes = await timedPushes(ctx, () => registry.pushBlob('bench/big', blob, mode));
  // The pull row can reuse this upload instead of pushing the blob again.
  await bigBlob(ctx);
  return medianRate(blob.body.length, pushes, mode);
}

async function pushChunked(ctx: BenchContext): Promise<Measurement> {
  const { chunkedTotalBytes: total, chunkBytes } = ctx.profile;
  const blob = patternBlob(total);
  const registry = ctx.registry(1);
  let requests = 0;
  const pushes = await timedPushes(ctx, async () => {
    requests = await registry.pushChunked('bench/chunked', blob.digest, total, chunkBytes);
  });
  return medianRate(total, pushes, `${requests} requests each`);
}

function medianOf(profile: Profile): string {
  const pushes = BIG_PUSHES[profile.name];
  return pushes > 1 ? `, median of ${pushes}` : '';
}

/** Milliseconds of each of the profile's big pushes, one after another. */
async function timedPushes(ctx: BenchContext, push: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < BIG_PUSHES[ctx.profile.name]; i++) {
    const t0 = performance.now();
    await push();
    times.push(performance.now() - t0);
  }
  return times;
}

function medianRate(bytes: number, times: readonly number[], what: string): Measurement {
  const seconds = times.map((ms) => ms / 1000);
  const range = times.length > 1 ? `${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)} s` : `${seconds[0]!.toFixed(2)} s`;
  return { value: bytes / MiB / median(seconds), detail: `${times.length} push${times.length > 1 ? 'es' : ''}, ${range}, ${what}` };
}
