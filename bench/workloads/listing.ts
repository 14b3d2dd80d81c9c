/**
 * Rows 10–11: listing many repositories and many tags. Seeding is untimed (its duration goes
 * in the detail, as a rough write-path number); each walk runs once untimed to warm caches, then
 * `listingRuns` times, and the median is reported. Counts are checked, so a registry that drops
 * entries or stops paginating early gets an error instead of a flattering time.
 */
import { formatNumber, median } from '../load-result.js';
import { ProtocolError, type Registry } from '../oci.js';
import type { Profile } from '../options.js';
import { seedRepositories, seedTags } from '../seed.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

const PAGE = 100;

export function listingRows(profile: Profile): Row[] {
  return [
    {
      id: '10',
      title: `catalog walk, n=${PAGE} via Link (${profile.catalogRepos} repos; Berth target < 50 ms)`,
      unit: 'ms',
      better: 'lower',
      run: catalogWalk,
    },
    {
      id: '11',
      title: `tags list, one request (${profile.tagCount} tags)`,
      unit: 'ms',
      better: 'lower',
      run: (ctx) => tagsList(ctx, false),
    },
    {
      id: '11b',
      title: `tags list walk, n=${PAGE} via Link (${profile.tagCount} tags)`,
      unit: 'ms',
      better: 'lower',
      run: (ctx) => tagsList(ctx, true),
    },
  ];
}

interface Walk {
  entries: number;
  pages: number;
}

async function timedWalks(ctx: BenchContext, registry: Registry, first: string, key: 'repositories' | 'tags') {
  let walk: Walk = await registry.walk(first, key);
  const times: number[] = [];
  for (let i = 0; i < ctx.profile.listingRuns; i++) {
    const t0 = performance.now();
    walk = await registry.walk(first, key);
    times.push(performance.now() - t0);
  }
  return { walk, ms: median(times), best: Math.min(...times) };
}

async function catalogWalk(ctx: BenchContext): Promise<Measurement> {
  const count = ctx.profile.catalogRepos;
  const seeded = await seedRepositories(ctx, count);
  const registry = ctx.registry(1);
  const { walk, ms, best } = await timedWalks(ctx, registry, `/v2/_catalog?n=${PAGE}`, 'repositories');
  // Other rows' repositories (bench/pull, bench/image, …) are listed too.
  if (walk.entries < count) throw new ProtocolError(`catalog walk found ${walk.entries} of ${count}+ repositories`);
  return {
    value: ms,
    detail: `${walk.pages} pages, best ${formatNumber(best)} ms; seeded in ${seeded.toFixed(1)} s`,
  };
}

async function tagsList(ctx: BenchContext, paginate: boolean): Promise<Measurement> {
  const count = ctx.profile.tagCount;
  const { repo, seconds } = await seedTags(ctx, count);
  const registry = ctx.registry(1);
  const first = `/v2/${repo}/tags/list${paginate ? `?n=${PAGE}` : ''}`;
  const { walk, ms, best } = await timedWalks(ctx, registry, first, 'tags');
  if (walk.entries !== count) throw new ProtocolError(`tags list returned ${walk.entries} of ${count} tags`);
  // Distribution 2.8 ignores n on tags/list; say so rather than compare unlike walks silently.
  const ignoredN = paginate && walk.pages === 1 && count > PAGE;
  return {
    value: ms,
    detail: `${walk.pages} page${walk.pages === 1 ? '' : 's'}, best ${formatNumber(best)} ms; seeded in ${seconds.toFixed(1)} s`,
    ...(ignoredN ? { incomparable: 'n ignored, one page' } : {}),
  };
}
