/**
 * Rows 4–6: reading blobs back. The small-blob and HEAD rows run on raw sockets for a fixed
 * duration, cycling through a set of distinct blobs so no single file is the whole test.
 */
import { latencySummary, median, MiB, perSecond } from '../load-result.js';
import type { Profile } from '../options.js';
import { ProtocolError } from '../oci.js';
import { httpRequest, rawLoad } from '../raw-load.js';
import { runCommand } from '../collectors.js';
import { bigBlob, pullSet } from '../seed.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const PULL_CONCURRENCY = 32;
const HEAD_CONCURRENCY = 64;
/**
 * One big pull moved by up to a fifth between runs on the same build (2,100–2,600 MiB/s with
 * curl, either registry): rows 5 and 5b report the median of several.
 */
const BIG_PULLS = { full: 5, quick: 2 } as const;

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
      title: `pull big blob (${profile.bigBlobBytes / MiB} MiB, Node client, median of ${BIG_PULLS[profile.name]})`,
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

async function pullBigBlob(ctx: BenchContext): Promise<Measurement> {
  const { repo, blob } = await bigBlob(ctx);
  const registry = ctx.registry(1);
  return bigPulls(ctx, async () => {
    const t0 = performance.now();
    const res = await registry.http.request('GET', `/v2/${repo}/blobs/${blob.digest}`, { discardBody: true });
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new ProtocolError(`${res.status} on GET big blob`);
    if (res.bodyBytes !== blob.body.length) {
      throw new ProtocolError(`GET big blob returned ${res.bodyBytes} of ${blob.body.length} bytes`);
    }
    return perSecond(res.bodyBytes / MiB, ms);
  });
}

/** The median rate of the profile's number of pulls, with their range. */
async function bigPulls(ctx: BenchContext, pull: () => Promise<number>): Promise<Measurement> {
  const rates: number[] = [];
  for (let i = 0; i < BIG_PULLS[ctx.profile.name]; i++) rates.push(await pull());
  const range = `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)} MiB/s`;
  return { value: median(rates), detail: `${rates.length} pulls, ${range}` };
}

/**
 * The row: curl reads as fast as the loopback allows, so the server is what is measured
 * (the Node client of row 5b tops out near 800 MiB/s whichever registry answers).
 */
async function pullBigBlobCurl(ctx: BenchContext): Promise<Measurement> {
  const { repo, blob } = await bigBlob(ctx);
  const headers = Object.entries(ctx.authHeaders).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const url = `${ctx.target.url}/v2/${repo}/blobs/${blob.digest}`;
  return bigPulls(ctx, async () => {
    const run = await runCommand('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', ...headers, url], process.env, 120_000);
    if (run.code !== 0) throw new ProtocolError(`curl exited ${run.code}: ${run.stderr.trim()}`);
    const [status, size, seconds] = run.stdout.trim().split(' ');
    if (status !== '200') throw new ProtocolError(`${status} on GET big blob (curl)`);
    if (Number(size) !== blob.body.length) throw new ProtocolError(`curl got ${size} of ${blob.body.length} bytes`);
    // curl's own transfer time, so its start-up is not counted.
    return perSecond(blob.body.length / MiB, Number(seconds) * 1000);
  });
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
