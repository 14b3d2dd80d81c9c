// Storage usage and quota on /metrics, on a server of its own: repository usage is read from
// a snapshot a scrape may reuse, so an earlier scrape in the same server would make it stale.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, uniqueRepo } from './support/content.js';
import { client, expectStatus, type Client } from './support/http-client.js';
import { pushBlob, pushImage } from './support/push.js';

describe('storage metrics', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  test('/metrics reports usage per project and repository, deduplicated, and the quota', async () => {
    const project = `${uniqueRepo('usage').split('/')[0]}x`;
    const shared = randomBlob(3000);
    const sharedDigest = await pushBlob(c, `${project}/a`, shared);
    await pushBlob(c, `${project}/b`, shared);
    const a = await pushImage(c, `${project}/a`, 'v1');
    const b = await pushImage(c, `${project}/b`, 'v1');
    // Both images also reference the shared layer: push a second manifest in each repository.
    const layered = async (repo: string, image: typeof a) => {
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: image.config,
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sharedDigest, size: shared.length }],
        }),
      );
      const reply = await c.put(`/v2/${repo}/manifests/shared`, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body });
      expectStatus(reply, 201);
      return body.length;
    };
    const aShared = await layered(`${project}/a`, a);
    const bShared = await layered(`${project}/b`, b);
    await server.composed.policies.set(project, { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: 10_000_000 });
    const sizeOf = (image: typeof a) => image.config.size + image.layers.reduce((n, l) => n + l.size, 0);
    const repoA = sizeOf(a) + shared.length + a.body.length + aShared;
    const repoB = sizeOf(b) + shared.length + b.body.length + bShared;
    // The shared layer counts once in the project, once in each repository.
    const projectBytes = repoA + repoB - shared.length;
    const text = (await c.get('/metrics')).text;
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    assert.equal(value(`berth_project_usage_bytes{project="${project}"}`), projectBytes);
    assert.equal(value(`berth_repository_usage_bytes{repository="${project}/a"}`), repoA);
    assert.equal(value(`berth_repository_usage_bytes{repository="${project}/b"}`), repoB);
    assert.equal(value(`berth_project_quota_bytes{project="${project}"}`), 10_000_000);
    assert.equal(value('berth_gc_running'), 0);
  });
});
