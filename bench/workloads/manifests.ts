/**
 * Rows 7–9: manifests by tag. GET and HEAD send the Accept header real clients send (OCI and
 * Docker types together), so a registry that negotiates on Accept is measured doing so.
 */
import { latencySummary, perSecond } from '../load-result.js';
import { MANIFEST_ACCEPT, OCI_MANIFEST } from '../oci.js';
import type { Profile } from '../options.js';
import { runPool } from '../pool.js';
import { httpRequest, rawLoad } from '../raw-load.js';
import { imageManifest, smallImage } from '../seed.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const READ_CONCURRENCY = 64;
const PUT_CONCURRENCY = 32;

export function manifestRows(profile: Profile): Row[] {
  return [
    {
      id: '7',
      title: `GET manifest by tag, c${READ_CONCURRENCY}`,
      unit: 'req/s',
      better: 'higher',
      run: (ctx) => readManifest(ctx, 'GET'),
    },
    {
      id: '8',
      title: `HEAD manifest by tag, c${READ_CONCURRENCY}`,
      unit: 'req/s',
      better: 'higher',
      run: (ctx) => readManifest(ctx, 'HEAD'),
    },
    {
      id: '9',
      title: `PUT manifest, distinct tags, c${PUT_CONCURRENCY} (${profile.manifestPutCount} manifests)`,
      unit: 'req/s',
      better: 'higher',
      run: putManifests,
    },
  ];
}

async function readManifest(ctx: BenchContext, method: 'GET' | 'HEAD'): Promise<Measurement> {
  const image = await smallImage(ctx);
  const request = httpRequest(method, ctx.target.host, `/v2/${image.repo}/manifests/${image.tag}`, {
    Accept: MANIFEST_ACCEPT,
    ...ctx.authHeaders,
  });
  const result = await rawLoad({
    port: ctx.target.port,
    requests: [request],
    head: method === 'HEAD',
    expectStatus: 200,
    concurrency: READ_CONCURRENCY,
    durationMs: ctx.profile.durationMs,
    warmupMs: ctx.profile.warmupMs,
  });
  return { value: perSecond(result.ops, result.elapsedMs), detail: latencySummary(result) };
}

async function putManifests(ctx: BenchContext): Promise<Measurement> {
  const image = await smallImage(ctx);
  const registry = ctx.registry(PUT_CONCURRENCY);
  // Bodies are built before timing so the client's JSON work is not in the number.
  const count = ctx.profile.manifestPutCount;
  const bodies = Array.from({ length: count }, (_, i) => imageManifest(image, `put-${i}`));
  const warm = Array.from({ length: PUT_CONCURRENCY * 2 }, (_, i) => imageManifest(image, `warm-${i}`));
  await runPool({
    concurrency: PUT_CONCURRENCY,
    count: warm.length,
    op: async (i) => {
      await registry.putManifest(image.repo, `warm-${i}`, warm[i], OCI_MANIFEST);
      return 0;
    },
  });
  const result = await runPool({
    concurrency: PUT_CONCURRENCY,
    count,
    op: async (i) => {
      await registry.putManifest(image.repo, `put-${i}`, bodies[i], OCI_MANIFEST);
      return bodies[i].length;
    },
  });
  return { value: perSecond(result.ops, result.elapsedMs), detail: latencySummary(result) };
}
