/**
 * Row 18: a mixed workload, everything at once for a fixed time: 1 MiB blob pulls, manifest GETs,
 * 1 MiB blob pushes (POST + PUT, as clients send them), catalog pages and logins, from 16
 * workers. A login is what `docker login` sends: `GET /v2/` without credentials and, when the
 * answer is a Bearer challenge, a GET of its realm with Basic credentials (open registries answer
 * 200 to the first request, so on them a login is that one request). The value is operations per
 * second; the note gives p50/p99 per kind.
 */
import { BlobFamily } from '../data.js';
import { LatencyRecorder, percentile, perSecond } from '../load-result.js';
import { expectStatus, MANIFEST_ACCEPT } from '../oci.js';
import type { Profile } from '../options.js';
import { pullSet, seedRepositories, smallImage } from '../seed.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const WORKERS = 16;
const KINDS = ['pull', 'manifest', 'push', 'catalog', 'login'] as const;
type Kind = (typeof KINDS)[number];
/** One worker's cycle: pulls dominate, as on a real registry; every kind runs all the time. */
const CYCLE: Kind[] = ['pull', 'manifest', 'pull', 'push', 'pull', 'catalog', 'manifest', 'pull', 'push', 'login'];

export function mixedRows(profile: Profile): Row[] {
  return [
    {
      id: '18',
      title: `mixed: blob pulls, manifest GETs, pushes, catalog, logins at once, c${WORKERS}, ${profile.mixedMs / 1000} s`,
      unit: 'ops/s',
      better: 'higher',
      timeoutMs: profile.mixedMs + 240_000,
      run: mixed,
    },
  ];
}

async function mixed(ctx: BenchContext): Promise<Measurement> {
  const pulls = await pullSet(ctx);
  const image = await smallImage(ctx);
  await seedRepositories(ctx, ctx.profile.catalogRepos);
  const registry = ctx.registry(WORKERS);
  const http = registry.http;
  const anonymous = ctx.anonymousHttp(WORKERS);
  const family = new BlobFamily('mixed');
  let pushed = 0;

  const ops: Record<Kind, () => Promise<void>> = {
    pull: async () => {
      const digest = pulls.digests[Math.floor(Math.random() * pulls.digests.length)];
      expectStatus(await http.request('GET', `/v2/${pulls.repo}/blobs/${digest}`, { discardBody: true }), 200, 'GET blob');
    },
    manifest: async () => {
      const res = await http.request('GET', `/v2/${image.repo}/manifests/${image.tag}`, { headers: { accept: MANIFEST_ACCEPT } });
      expectStatus(res, 200, 'GET manifest');
    },
    push: async () => {
      await registry.pushBlob('bench/mixed', family.blob(pushed++), 'post-put');
    },
    catalog: async () => {
      expectStatus(await http.request('GET', '/v2/_catalog?n=100'), 200, 'GET _catalog');
    },
    login: async () => {
      const probe = await anonymous.request('GET', '/v2/');
      if (probe.status === 200) return;
      expectStatus(probe, 401, 'GET /v2/');
      const challenge = String(probe.headers['www-authenticate'] ?? '');
      const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
      if (!/^Bearer /i.test(challenge) || realm === undefined) throw new Error(`login: no Bearer challenge (${challenge})`);
      const service = /service="([^"]+)"/.exec(challenge)?.[1];
      const url = `${realm}?${service === undefined ? '' : `service=${encodeURIComponent(service)}&`}client_id=berth-bench&offline_token=true`;
      const headers: Record<string, string> = ctx.authorization === undefined ? {} : { authorization: ctx.authorization };
      expectStatus(await anonymous.request('GET', url, { headers }), 200, 'GET token');
    },
  };

  const recorders = new Map(KINDS.map((k) => [k, new LatencyRecorder()]));
  let failure: unknown;
  let measuring = false;
  const warmupEnds = performance.now() + ctx.profile.warmupMs;
  const ends = warmupEnds + ctx.profile.mixedMs;
  let measuredStart = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; failure === undefined; i++) {
      const now = performance.now();
      if (now >= ends) return;
      if (!measuring && now >= warmupEnds) {
        measuring = true;
        measuredStart = now;
        for (const r of recorders.values()) r.reset();
      }
      const kind = CYCLE[i % CYCLE.length];
      const t0 = performance.now();
      try {
        await ops[kind]();
      } catch (error) {
        failure ??= error;
        return;
      }
      // An operation that began in the warm-up is not counted.
      if (measuring && t0 >= measuredStart) recorders.get(kind)?.add(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  if (failure !== undefined) throw failure;
  const elapsed = performance.now() - measuredStart;
  let total = 0;
  const notes: string[] = [];
  for (const kind of KINDS) {
    const sorted = recorders.get(kind)?.sorted() ?? new Float64Array();
    total += sorted.length;
    const f = (v: number): string => (v >= 10 ? v.toFixed(0) : v.toFixed(1));
    notes.push(`${kind} ${perSecond(sorted.length, elapsed).toFixed(0)}/s p50 ${f(percentile(sorted, 50))} p99 ${f(percentile(sorted, 99))} ms`);
  }
  return { value: perSecond(total, elapsed), detail: notes.join('; ') };
}
