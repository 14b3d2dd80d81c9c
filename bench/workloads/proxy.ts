/**
 * Rows 16–16d: the registry as a pull-through cache of another one. The upstream is always a
 * Distribution 2.8 started by the row, so "straight from the upstream" is the same server in
 * both runs; what the cache cost it is counted from its own access log. The cache is, for
 * Berth, a proxy project (`hub`; `hubttl` with a 1 s tag TTL); for Distribution, an instance
 * started with its `proxy.remoteurl` (the whole registry is the cache). A pull is what an
 * engine does: GET the manifest by tag, then the config and layers, three at a time (dockerd's
 * default max-concurrent-downloads).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { berthAccounts } from '../../test/e2e/support/berth-accounts.js';
import { startDistribution, type RegistryProcess } from '../../test/support/registry-process.js';
import { cpuDuring } from '../cpu-time.js';
import { patternBlob, type Blob } from '../data.js';
import { HttpClient } from '../http-client.js';
import { ociImage } from '../images.js';
import { median, MiB, perSecond } from '../load-result.js';
import { expectStatus, MANIFEST_ACCEPT, OCI_MANIFEST, ProtocolError, Registry } from '../oci.js';
import type { Profile } from '../options.js';
import { UpstreamAccessLog } from '../upstream-access-log.js';
import { sampledRow, type BenchContext, type Measurement, type Row } from '../workload.js';

const LAYERS = 10;
const DOWNLOADS = 3;
/**
 * Cold pulls in row 16, median reported, taken alternately from the two caches (a sampled
 * row): one cold pull's rate moved by 80–238 MiB/s between runs of one build, and three per
 * cache, one cache's block after the other's, left the row a tie either way (0.95–0.96×).
 */
const COLD_PULLS = { full: 7, quick: 1 } as const;

export function proxyRows(profile: Profile): Row[] {
  const size = `${LAYERS} layers, ${((LAYERS * profile.proxyLayerBytes) / MiB).toFixed(0)} MiB`;
  const runs = profile.skopeoRuns > 1 ? `, median of ${profile.skopeoRuns}` : '';
  const cold = COLD_PULLS[profile.name] > 1 ? `, median of ${COLD_PULLS[profile.name]}` : '';
  return [
    sampledRow(
      { id: '16', title: `proxy: cold pull through the cache (${size}${cold})`, unit: 'MiB/s', better: 'higher' },
      { count: (p) => COLD_PULLS[p.name], take: coldPull, summarise: summariseColdPulls },
    ),
    { id: '16b', title: `proxy: warm pull from the cache (${size}${runs})`, unit: 'MiB/s', better: 'higher', run: warmPull },
    { id: '16c', title: `proxy: upstream requests per cold pull (${LAYERS} layers)`, unit: 'req', better: 'lower', run: coldRequests },
    { id: '16d', title: `proxy: upstream requests per warm pull, tag past its TTL (${LAYERS} layers)`, unit: 'req', better: 'lower', run: warmRequests },
  ];
}

interface Image {
  repo: string;
  tag: string;
  blobs: Blob[];
  manifest: Buffer;
  bytes: number;
}

/** Image `n`: ten layers of distinct lengths (so distinct pattern digests) and its own config. */
function image(profile: Profile, n: number): Image {
  const layers = Array.from({ length: LAYERS }, (_, i) => patternBlob(profile.proxyLayerBytes + n * 64 + i + 1));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'org.berth.bench': `proxy-${n}` } } }));
  const { configBlob, manifest } = ociImage(config, layers);
  const blobs = [configBlob, ...layers];
  return { repo: `bench/proxy${n}`, tag: 'v1', blobs, manifest, bytes: blobs.reduce((s, b) => s + b.body.length, 0) + manifest.length };
}

interface Setup {
  upstream: RegistryProcess;
  counted: UpstreamAccessLog;
  pushUpstream(n: number): Promise<Image>;
  /** The cache registry, and the path prefix that names the upstream through it. */
  cache: RegistryProcess;
  prefix: string;
  /** The same, with a 1 s tag TTL (Distribution 2.8 re-validates every tag pull anyway). */
  ttlPrefix: string;
}

function setup(ctx: BenchContext): Promise<Setup> {
  return ctx.fixture('proxy', async () => {
    const upstream = await startDistribution({ accessLog: true });
    const counted = new UpstreamAccessLog(upstream);
    ctx.onStop(() => upstream.stop());
    const pusher = new Registry(new HttpClient(upstream.url, 4));
    const pushUpstream = async (n: number) => {
      const img = image(ctx.profile, n);
      for (const blob of img.blobs) await pusher.pushBlob(img.repo, blob, 'post-put');
      await pusher.putManifest(img.repo, img.tag, img.manifest, OCI_MANIFEST);
      return img;
    };
    if (ctx.target.kind === 'distribution') {
      const cache = await ctx.startRegistry({ REGISTRY_PROXY_REMOTEURL: upstream.url });
      return { upstream, counted, pushUpstream, cache, prefix: '', ttlPrefix: '' };
    }
    const cache = await ctx.startRegistry();
    const cli = berthAccounts(cache.root).cli;
    await cli(['project', 'create', 'hub', '--public', '--proxy', upstream.url]);
    await cli(['project', 'create', 'hubttl', '--public', '--proxy', upstream.url, '--ttl', '1s']);
    return { upstream, counted, pushUpstream, cache, prefix: 'hub/', ttlPrefix: 'hubttl/' };
  });
}

/** An engine's pull: manifest by tag, then every blob, DOWNLOADS at a time; returns ms. */
async function pull(ctx: BenchContext, url: string, repo: string, img: Image, headers: Record<string, string>): Promise<number> {
  const client = new HttpClient(url, DOWNLOADS, headers);
  try {
    const t0 = performance.now();
    const res = await client.request('GET', `/v2/${repo}/manifests/${img.tag}`, { headers: { accept: MANIFEST_ACCEPT } });
    expectStatus(res, 200, `GET manifest ${repo}:${img.tag}`);
    if (!res.body.equals(img.manifest)) throw new ProtocolError(`manifest of ${repo} differs from the upstream's`);
    const queue = [...img.blobs];
    await Promise.all(
      Array.from({ length: DOWNLOADS }, async () => {
        for (let blob = queue.shift(); blob; blob = queue.shift()) {
          const got = await client.request('GET', `/v2/${repo}/blobs/${blob.digest}`, { discardBody: true });
          expectStatus(got, 200, `GET blob of ${repo}`);
          if (got.bodyBytes !== blob.body.length) throw new ProtocolError(`blob of ${repo}: ${got.bodyBytes} of ${blob.body.length} bytes`);
        }
      }),
    );
    return performance.now() - t0;
  } finally {
    client.close();
  }
}

let imageCounter = 0;
/** A fresh image upstream (nothing of it cached), so every cold pull is cold. */
async function freshImage(s: Setup): Promise<Image> {
  return s.pushUpstream(++imageCounter);
}

interface ColdSample {
  /** MiB/s straight from the upstream, then through the cache. */
  direct: number;
  proxied: number;
  /** The cache's CPU (user + system) during its pull. */
  cpu: number;
  bytes: number;
}

async function coldPull(ctx: BenchContext): Promise<ColdSample> {
  const s = await setup(ctx);
  const pid = s.cache.child.pid;
  if (pid === undefined) throw new Error('cache registry has no pid');
  const img = await freshImage(s);
  // Straight from the upstream first: both pulls then read its files from the page cache.
  const direct = perSecond(img.bytes / MiB, await pull(ctx, s.upstream.url, img.repo, img, {}));
  // The cache's CPU for the pull moves far less with the machine's load than its rate does.
  const { result: ms, cpu } = await cpuDuring(pid, () => pull(ctx, s.cache.url, `${s.prefix}${img.repo}`, img, ctx.authHeaders));
  return { direct, proxied: perSecond(img.bytes / MiB, ms), cpu: cpu.user + cpu.system, bytes: img.bytes };
}

async function summariseColdPulls(_ctx: BenchContext, samples: ColdSample[]): Promise<Measurement> {
  const d = median(samples.map((s) => s.direct));
  const p = median(samples.map((s) => s.proxied));
  const rates = samples.map((s) => s.proxied);
  return {
    value: p,
    detail:
      `straight from the upstream ${d.toFixed(1)} MiB/s: ${(p / d).toFixed(2)}× of it; ${(samples[0]!.bytes / MiB).toFixed(1)} MiB; ` +
      `${samples.length} pull${samples.length === 1 ? '' : 's'}, ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)} MiB/s; ` +
      `the cache's CPU per pull ${median(samples.map((s) => s.cpu)).toFixed(2)} s`,
  };
}

async function warmPull(ctx: BenchContext): Promise<Measurement> {
  const s = await setup(ctx);
  const img = await freshImage(s);
  const repo = `${s.prefix}${img.repo}`;
  await pull(ctx, s.cache.url, repo, img, ctx.authHeaders);
  const hosted = await pushHosted(ctx, s, img);
  await s.counted.reset();
  const warm: number[] = [];
  const local: number[] = [];
  // Interleaved, so load from outside the run weighs on both alike.
  for (let run = 0; run < ctx.profile.skopeoRuns; run++) {
    warm.push(perSecond(img.bytes / MiB, await pull(ctx, s.cache.url, repo, img, ctx.authHeaders)));
    if (hosted) local.push(perSecond(img.bytes / MiB, await pull(ctx, s.cache.url, hosted, img, ctx.authHeaders)));
  }
  const upstream = (await s.counted.requests()).length;
  const rate = median(warm);
  const comparison = hosted ? `; the same image hosted: ${median(local).toFixed(1)} MiB/s, warm = ${(rate / median(local)).toFixed(2)}× of it` : '';
  return { value: rate, detail: `${upstream} upstream request(s) in ${ctx.profile.skopeoRuns} warm pull(s)${comparison}` };
}

/**
 * Berth only (a Distribution in proxy mode takes no pushes): the same image pushed into a hosted
 * project of the cache registry, the rate a warm cache should match. Returns its repository.
 */
async function pushHosted(ctx: BenchContext, s: Setup, img: Image): Promise<string | undefined> {
  if (ctx.target.kind !== 'berth') return undefined;
  const repo = `hosted/${img.repo}`;
  const registry = new Registry(new HttpClient(s.cache.url, 4, ctx.authHeaders));
  try {
    const mode = await registry.uploadMode(repo, img.blobs[0]!);
    for (const blob of img.blobs.slice(1)) await registry.pushBlob(repo, blob, mode);
    await registry.putManifest(repo, img.tag, img.manifest, OCI_MANIFEST);
  } finally {
    registry.http.close();
  }
  await pull(ctx, s.cache.url, repo, img, ctx.authHeaders);
  return repo;
}

function tally(requests: readonly { method: string; url: string }[]): string {
  const kinds = new Map<string, number>();
  for (const r of requests) {
    const what = `${r.method} ${/\/blobs\//.test(r.url) ? 'blob' : /\/manifests\//.test(r.url) ? 'manifest' : r.url.split('?')[0]}`;
    kinds.set(what, (kinds.get(what) ?? 0) + 1);
  }
  return [...kinds].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
}

async function coldRequests(ctx: BenchContext): Promise<Measurement> {
  const s = await setup(ctx);
  const img = await freshImage(s);
  await s.counted.reset();
  await pull(ctx, s.cache.url, `${s.prefix}${img.repo}`, img, ctx.authHeaders);
  // A cache may still be finishing its writes (Distribution fills in the background); the
  // settling in requests() lets it.
  const requests = await s.counted.requests();
  return { value: requests.length, detail: tally(requests) };
}

async function warmRequests(ctx: BenchContext): Promise<Measurement> {
  const s = await setup(ctx);
  const img = await freshImage(s);
  const repo = `${s.ttlPrefix}${img.repo}`;
  await pull(ctx, s.cache.url, repo, img, ctx.authHeaders);
  await sleep(1500);
  await s.counted.reset();
  await pull(ctx, s.cache.url, repo, img, ctx.authHeaders);
  const requests = await s.counted.requests();
  return { value: requests.length, detail: tally(requests) };
}
