/**
 * Rows 1–3: pushing blobs whole (many small ones in parallel, one huge one) and in chunks.
 * Every pushed blob is distinct or freshly uploaded, so the registry always hashes and stores.
 */
import { BlobFamily, patternBlob } from '../data.js';
import { latencySummary, MiB, perSecond } from '../load-result.js';
import type { Profile } from '../options.js';
import { runPool } from '../pool.js';
import { bigBlob, uploadMode } from '../seed.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const SMALL_CONCURRENCY = 32;

export function blobPushRows(profile: Profile): Row[] {
  return [
    {
      id: '1',
      title: `push 1 MiB blobs, monolithic, c${SMALL_CONCURRENCY} (${profile.smallPushCount} blobs)`,
      unit: 'MiB/s',
      better: 'higher',
      run: pushSmallBlobs,
    },
    {
      id: '2',
      title: `push big blob, monolithic (${profile.bigBlobBytes / MiB} MiB)`,
      unit: 'MiB/s',
      better: 'higher',
      run: pushBigBlob,
    },
    {
      id: '3',
      title: `push chunked (${profile.chunkedTotalBytes / MiB} MiB in ${profile.chunkBytes / MiB} MiB PATCHes)`,
      unit: 'MiB/s',
      better: 'higher',
      run: pushChunked,
    },
  ];
}

async function pushSmallBlobs(ctx: BenchContext): Promise<Measurement> {
  const repo = 'bench/push';
  const mode = await uploadMode(ctx);
  const registry = ctx.registry(SMALL_CONCURRENCY);
  const warm = new BlobFamily('warmup');
  await runPool({ concurrency: SMALL_CONCURRENCY, count: SMALL_CONCURRENCY * 2, op: (i) => registry.pushBlob(repo, warm.blob(i), mode) });

  const family = new BlobFamily('push');
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

async function pushBigBlob(ctx: BenchContext): Promise<Measurement> {
  const mode = await uploadMode(ctx);
  const blob = patternBlob(ctx.profile.bigBlobBytes);
  const registry = ctx.registry(1);
  const t0 = performance.now();
  await registry.pushBlob('bench/big', blob, mode);
  const ms = performance.now() - t0;
  // The pull row can reuse this upload instead of pushing the blob again.
  await bigBlob(ctx);
  return { value: perSecond(blob.body.length / MiB, ms), detail: `${(ms / 1000).toFixed(2)} s as ${mode}` };
}

async function pushChunked(ctx: BenchContext): Promise<Measurement> {
  const { chunkedTotalBytes: total, chunkBytes } = ctx.profile;
  const blob = patternBlob(total);
  const registry = ctx.registry(1);
  const t0 = performance.now();
  const requests = await registry.pushChunked('bench/chunked', blob.digest, total, chunkBytes);
  const ms = performance.now() - t0;
  return { value: perSecond(total / MiB, ms), detail: `${(ms / 1000).toFixed(2)} s, ${requests} requests` };
}
