/**
 * Rows 4–6: reading blobs back. The small-blob and HEAD rows run on raw sockets for a fixed
 * duration, cycling through a set of distinct blobs so no single file is the whole test.
 */
import { latencySummary, median, MiB, perSecond } from '../load-result.js';
import type { Profile } from '../options.js';
import { ProtocolError } from '../oci.js';
import { httpRequest, rawLoad } from '../raw-load.js';
import { timedPull, type TimedPull } from '../big-pull.js';
import { bigBlob, pullSet } from '../seed.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const PULL_CONCURRENCY = 32;
const HEAD_CONCURRENCY = 64;
/**
 * One big pull with curl moved by up to a fifth between runs on the same build (2,100–2,600
 * MiB/s, either registry): row 5 reports the median of several.
 */
const BIG_PULLS = { full: 5, quick: 2 } as const;
/**
 * Row 5b's Node client, a fresh process per pull, moved more: 598–1,793 MiB/s over the pulls of
 * one registry in one run (bench/floor/pull-floor.js), so its median takes more pulls. Most of
 * that was its own heap (big-pull.ts), which the row now keeps; 1,005–1,884 MiB/s remains.
 */
const NODE_PULLS = { full: 9, quick: 2 } as const;

export function blobPullRows(profile: Profile): Row[] {
  return [
    {
      id: '4',
      title: `pull 1 MiB blobs, c${PULL_CONCURRENCY}`,
      unit: 'MiB/s',
      better: 'higher',
      run: pullSmallBlobs,
    },
    {
      id: '5',
      title: `pull big blob (${profile.bigBlobBytes / MiB} MiB, curl, median of ${BIG_PULLS[profile.name]})`,
      unit: 'MiB/s',
      better: 'higher',
      run: pullBigBlobCurl,
    },
    {
      id: '5b',
      title: `pull big blob (${profile.bigBlobBytes / MiB} MiB, Node client, heap kept, median of ${NODE_PULLS[profile.name]})`,
      unit: 'MiB/s',
      better: 'higher',
      run: pullBigBlob,
    },
    {
      id: '6',
      title: `HEAD blob, c${HEAD_CONCURRENCY}`,
      unit: 'req/s',
      better: 'higher',
      run: headBlobs,
    },
  ];
}

async function blobRequests(ctx: BenchContext, method: 'GET' | 'HEAD'): Promise<Buffer[]> {
  const { repo, digests } = await pullSet(ctx);
  return digests.map((d) => httpRequest(method, ctx.target.host, `/v2/${repo}/blobs/${d}`, ctx.authHeaders));
}

async function pullSmallBlobs(ctx: BenchContext): Promise<Measurement> {
  const result = await rawLoad({
    port: ctx.target.port,
    requests: await blobRequests(ctx, 'GET'),
    head: false,
    expectStatus: 200,
    concurrency: PULL_CONCURRENCY,
    durationMs: ctx.profile.durationMs,
    warmupMs: ctx.profile.warmupMs,
  });
  if (result.ops > 0 && result.bytes !== result.ops * MiB) {
    throw new ProtocolError(`GET blob returned ${result.bytes / result.ops} bytes on average, not ${MiB}`);
  }
  return {
    value: perSecond(result.bytes / MiB, result.elapsedMs),
    detail: `${perSecond(result.ops, result.elapsedMs).toFixed(0)} req/s, ${latencySummary(result)}`,
  };
}

/**
 * Row 5b: the same pulls as row 5 by the bench's own Node client, each in a fresh process
 * (node-pull.ts says why), its glibc heap kept (big-pull.ts says why). The client is what bounds
 * it: from a server that writes from memory it reads about as fast as from either registry
 * (bench/floor/pull-floor.js).
 */
async function pullBigBlob(ctx: BenchContext): Promise<Measurement> {
  const { repo, blob } = await bigBlob(ctx);
  const url = `${ctx.target.url}/v2/${repo}/blobs/${blob.digest}`;
  return bigPulls(NODE_PULLS[ctx.profile.name], () => timedPull('Node client, heap kept', url, blob.body.length, ctx.authorization));
}

/** The median rate of `count` pulls, with their range (and the Node client's median page faults). */
async function bigPulls(count: number, pull: () => Promise<TimedPull>): Promise<Measurement> {
  const pulls: TimedPull[] = [];
  for (let i = 0; i < count; i++) pulls.push(await pull());
  const rates = pulls.map((p) => p.mibPerSecond);
  const faults = pulls.flatMap((p) => (p.clientFaults === undefined ? [] : [p.clientFaults]));
  const range = `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)} MiB/s`;
  const faultNote = faults.length > 0 ? `, client minor faults median ${median(faults).toFixed(0)}` : '';
  return { value: median(rates), detail: `${pulls.length} pulls, ${range}${faultNote}` };
}

/**
 * The row: curl reads faster than either registry sends here (4.6–4.9 GB/s from a
 * server that writes from memory, bench/floor/pull-floor.js), so the server is what is measured.
 * Row 5b's Node client tops out lower (1.6–2.2 GB/s from the same server).
 */
async function pullBigBlobCurl(ctx: BenchContext): Promise<Measurement> {
  const { repo, blob } = await bigBlob(ctx);
  const url = `${ctx.target.url}/v2/${repo}/blobs/${blob.digest}`;
  return bigPulls(BIG_PULLS[ctx.profile.name], () => timedPull('curl', url, blob.body.length, ctx.authorization));
}

async function headBlobs(ctx: BenchContext): Promise<Measurement> {
  const result = await rawLoad({
    port: ctx.target.port,
    requests: await blobRequests(ctx, 'HEAD'),
    head: true,
    expectStatus: 200,
    concurrency: HEAD_CONCURRENCY,
    durationMs: ctx.profile.durationMs,
    warmupMs: ctx.profile.warmupMs,
  });
  return { value: perSecond(result.ops, result.elapsedMs), detail: latencySummary(result) };
}
