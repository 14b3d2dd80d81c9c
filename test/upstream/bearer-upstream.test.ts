/**
 * The Bearer token dance against a second Berth with its own accounts and token service, behind
 * a counting proxy so the test sees every token request and every round trip it cost.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { openHttpUpstream } from '../../src/adapters/upstream/http-upstream-registry.js';
import type { UpstreamSpec } from '../../src/ports/upstream-registry.js';
import type { PushedImage } from '../http/support/push.js';
import { collect, expectUpstreamError } from './support/assertions.js';
import { BERTH_UPSTREAM_PROJECT, startBerthUpstream, type UpstreamUnderTest } from './support/upstream-registries.js';

const fast = { retry: { attempts: 2, baseDelayMs: 10 } } satisfies Partial<UpstreamSpec>;
const repo = `${BERTH_UPSTREAM_PROJECT}/app`;
const tokens = (u: UpstreamUnderTest) => u.proxy!.count('GET', /^\/token$/);

describe('a Berth upstream (Bearer)', () => {
  let upstream: UpstreamUnderTest;
  let image: PushedImage;
  before(async () => {
    upstream = await startBerthUpstream({ counted: true });
    image = await upstream.pushImage(repo, 'v1', 2);
    await upstream.pushImage(repo, 'v2', 1);
    await upstream.pushImage(repo, 'v3', 1);
    await upstream.pushImage(`${BERTH_UPSTREAM_PROJECT}/other`, 'v1', 1);
  });
  after(async () => upstream?.stop());

  test('with credentials: manifests and blobs, one token per scope, reused while it lives', async () => {
    const client = openHttpUpstream({ url: upstream.url, ...upstream.credentials, label: 'proxy project berth', ...fast });
    try {
      upstream.proxy!.reset();
      assert.equal((await client.headManifest(repo, 'v1'))?.digest, image.digest);
      assert.ok((await client.getManifest(repo, image.digest))?.body.equals(image.body));
      for (const [i, layer] of image.layers.entries()) {
        const blob = await client.getBlob(repo, layer.digest);
        assert.ok((await collect(blob!.body)).equals(image.layerBytes[i]!));
      }
      assert.equal(tokens(upstream), 1, 'one token for repository:team/app:pull');
      const token = upstream.proxy!.requests.find((r) => r.url.startsWith('/token'))!;
      const query = new URL(token.url, 'http://x').searchParams;
      assert.equal(query.get('scope'), `repository:${repo}:pull`);
      assert.equal(query.get('service'), 'berth');
      assert.match(token.headers.authorization ?? '', /^Basic /, 'the realm is asked with the credentials');
      // 401 challenge, token, then the HEAD again; afterwards one request per operation.
      assert.equal(upstream.proxy!.requests.length, 3 + 1 + image.layers.length);

      upstream.proxy!.reset();
      assert.ok(await client.headManifest(`${BERTH_UPSTREAM_PROJECT}/other`, 'v1'));
      assert.deepEqual(
        upstream.proxy!.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
        ['GET /token', `HEAD /v2/${BERTH_UPSTREAM_PROJECT}/other/manifests/v1`],
        'a new scope fetches its token up front, without another 401',
      );
    } finally {
      await client.close();
    }
  });

  test('concurrent requests for one scope share one token request', async () => {
    const client = openHttpUpstream({ url: upstream.url, ...upstream.credentials, ...fast });
    try {
      await client.ping();
      upstream.proxy!.reset();
      const heads = await Promise.all(Array.from({ length: 12 }, () => client.headManifest(repo, 'v1')));
      assert.ok(heads.every((h) => h?.digest === image.digest));
      assert.equal(tokens(upstream), 1);
    } finally {
      await client.close();
    }
  });

  test('tags list in pages (Link: rel="next")', async () => {
    const client = openHttpUpstream({ url: upstream.url, ...upstream.credentials, ...fast });
    try {
      const first = await client.listTags(repo, { n: 2 });
      assert.deepEqual(first, { tags: ['v1', 'v2'], next: 'v2' });
      assert.deepEqual(await client.listTags(repo, { n: 2, last: first.next }), { tags: ['v3'], next: undefined });
    } finally {
      await client.close();
    }
  });

  test('absent content is undefined through the token dance too', async () => {
    const client = openHttpUpstream({ url: upstream.url, ...upstream.credentials, ...fast });
    try {
      assert.equal(await client.getManifest(repo, 'missing'), undefined);
      assert.equal(await client.getBlob(repo, `sha256:${'0'.repeat(64)}`), undefined);
    } finally {
      await client.close();
    }
  });

  test('wrong password: "unauthorized" at the token server, naming the upstream and the project', async () => {
    const client = openHttpUpstream({ url: upstream.url, username: 'admin', password: 'not-the-password', label: 'proxy project berth', ...fast });
    try {
      upstream.proxy!.reset();
      const error = await expectUpstreamError(client.getManifest(repo, 'v1'), 'unauthorized');
      assert.equal(error.upstream, upstream.host);
      assert.equal(error.status, 401);
      assert.equal(error.message, `${upstream.host} refused the credentials of proxy project berth at its token server: check its username/password`);
      assert.equal(tokens(upstream), 1, 'a refused login is not retried');
      await expectUpstreamError(client.ping(), 'unauthorized');
    } finally {
      await client.close();
    }
  });

  test('anonymous on a private project: "unauthorized", asking for credentials', async () => {
    const client = openHttpUpstream({ url: upstream.url, label: 'proxy project berth', ...fast });
    try {
      const error = await expectUpstreamError(client.headManifest(repo, 'v1'), 'unauthorized');
      assert.match(error.message, /wants credentials for manifest team\/app:v1 .*give proxy project berth a username\/password/);
    } finally {
      await client.close();
    }
  });
});
