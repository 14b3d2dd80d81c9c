/**
 * Server time of the web UI's two heaviest pages on a real server (loopback HTTP, SQLite):
 * the first tags page of a repository with 10,000 tags (budget < 300 ms, in every sort order)
 * and the manifest page of a 40-layer image whose layers other repositories share (budget
 * < 200 ms), and the size of the UI's initial JS + CSS (budget 150 KB gzipped). Prints the median and worst of several runs and whether each is within budget.
 * Run: node dist/bench/ui-pages.js [tags]
 */
import { performance } from 'node:perf_hooks';
import { startApiServer, basic, ADMIN_PASSWORD } from '../test/http/api/api-support.js';
import { withHeaders } from '../test/http/support/auth.js';
import { client } from '../test/http/support/http-client.js';
import { pushBuilt } from '../test/http/api/browse-support.js';
import { randomBlob } from '../test/http/support/content.js';
import { initialBundle } from '../test/ui/support/bundle-size.js';

const tagCount = Number(process.argv[2] ?? 10_000);
const server = await startApiServer();
try {
  const http = withHeaders(client(server.url), { authorization: basic('admin', ADMIN_PASSWORD) });
  await http.request('POST', '/api/v1/projects', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });

  // 10,000 tags on one repository: pushed once over /v2, then tagged through the store (the
  // bench measures reading them, not 10,000 pushes).
  const image = await pushBuilt(http, 'bench/tags', 'seed');
  const metadata = server.registry.deps.metadata;
  const record = await metadata.manifest('bench/tags', image.digest);
  if (record === undefined) throw new Error('seed manifest missing');
  const blobs = [image.config.digest, ...image.layers.map((l) => l.digest)];
  for (let i = 0; i < tagCount; i++) await metadata.putManifest(record, { blobs, manifests: [] }, `v${String(i).padStart(5, '0')}`);

  // A 40-layer image with a `docker history`-like config; five other repositories share its layers.
  const layers = Array.from({ length: 40 }, (_, i) => randomBlob(1024 + i));
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/app'], Labels: { 'org.opencontainers.image.description': 'bench image' } },
    history: layers.map((_, i) => ({ created: new Date().toISOString(), created_by: `RUN step ${i}` })),
  };
  await pushBuilt(http, 'bench/layers', 'v1', { config, layers });
  for (let r = 0; r < 5; r++) await pushBuilt(http, `bench/sharing-${r}`, 'v1', { layers });

  const time = async (label: string, path: string, budgetMs: number) => {
    const runs: number[] = [];
    for (let i = 0; i < 9; i++) {
      const start = performance.now();
      const reply = await http.get(path);
      runs.push(performance.now() - start);
      if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.text.slice(0, 200)}`);
    }
    runs.sort((a, b) => a - b);
    const median = runs[4]!;
    console.log(`${label.padEnd(50)} median ${median.toFixed(1)} ms  max ${runs[8]!.toFixed(1)} ms  budget ${budgetMs} ms  ${median < budgetMs ? 'ok' : 'OVER'}`);
  };
  console.log(`${tagCount} tags; 40 layers shared with 5 repositories`);
  await time('tags page 1, newest first (the default)', '/api/v1/repositories/bench/tags/-/tags', 300);
  await time('tags page 1, by tag', '/api/v1/repositories/bench/tags/-/tags?sort=tag', 300);
  await time('tags page 1, by size', '/api/v1/repositories/bench/tags/-/tags?sort=-size', 300);
  await time('tags, last page by tag', `/api/v1/repositories/bench/tags/-/tags?sort=tag&page=${Math.ceil((tagCount + 1) / 50)}`, 300);
  await time('tags filtered by q', '/api/v1/repositories/bench/tags/-/tags?q=v0999', 300);
  await time('repository summary', '/api/v1/repositories/bench/tags', 300);
  await time('manifest page, 40 layers', '/api/v1/repositories/bench/layers/-/manifests/v1', 200);
  const files = initialBundle(new URL('../../ui/dist/', import.meta.url).pathname);
  const gzip = files.reduce((sum, f) => sum + f.gzipBytes, 0);
  console.log(`${'initial JS + CSS, gzipped'.padEnd(50)} ${(gzip / 1024).toFixed(1)} KB (${files.length} files)  budget 150 KB  ${gzip <= 150 * 1024 ? 'ok' : 'OVER'}`);
} finally {
  await server.close();
}
