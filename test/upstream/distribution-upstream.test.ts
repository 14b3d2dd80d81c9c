/**
 * The upstream client against Debian's Distribution 2.8 on loopback: open, behind htpasswd
 * (Basic), and over TLS with a CA of the test's own. Content is generated and pushed first.
 */
import { strict as assert } from 'node:assert';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openHttpUpstream } from '../../src/adapters/upstream/http-upstream-registry.js';
import { type UpstreamRegistry, type UpstreamSpec } from '../../src/ports/upstream-registry.js';
import { createTestCa } from '../e2e/support/tls-ca.js';
import { OCI_INDEX, OCI_MANIFEST, sha256, unknownDigest } from '../http/support/content.js';
import type { PushedImage } from '../http/support/push.js';
import { collect, expectUpstreamError } from './support/assertions.js';
import { startHtpasswdDistribution, startOpenDistribution, type UpstreamUnderTest } from './support/upstream-registries.js';

const fast = { retry: { attempts: 2, baseDelayMs: 10 } } satisfies Partial<UpstreamSpec>;

describe('an open Distribution', () => {
  let upstream: UpstreamUnderTest;
  let client: UpstreamRegistry;
  let image: PushedImage;
  let other: PushedImage;
  before(async () => {
    upstream = await startOpenDistribution({ counted: true });
    image = await upstream.pushImage('lib/app', 'v1', 2);
    other = await upstream.pushImage('lib/app', 'v2', 1);
    await upstream.pushIndex('lib/app', 'multi', [image, other]);
    client = openHttpUpstream({ url: upstream.url, label: 'proxy project mirror', ...fast });
  });
  after(async () => {
    await client?.close();
    await upstream?.stop();
  });

  test('HEAD of a manifest by tag and by digest gives its digest, type and size', async () => {
    const byTag = await client.headManifest('lib/app', 'v1');
    assert.deepEqual(byTag, { digest: image.digest, mediaType: OCI_MANIFEST, size: image.body.length });
    assert.deepEqual(await client.headManifest('lib/app', image.digest), byTag);
  });

  test('GET of a manifest by tag and by digest gives its exact bytes', async () => {
    for (const reference of ['v1', image.digest]) {
      const manifest = await client.getManifest('lib/app', reference);
      assert.ok(manifest, reference);
      assert.equal(manifest.digest, image.digest);
      assert.equal(manifest.mediaType, OCI_MANIFEST);
      assert.ok(manifest.body.equals(image.body), 'the bytes as pushed');
    }
  });

  test('an index comes back as an index', async () => {
    const index = await client.getManifest('lib/app', 'multi');
    assert.ok(index);
    assert.equal(index.mediaType, OCI_INDEX);
    assert.equal(index.digest, sha256(index.body));
    const children = (JSON.parse(index.body.toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
    assert.deepEqual(children, [image.digest, other.digest]);
  });

  test('a blob streams with exactly the pushed bytes and its size', async () => {
    for (const [i, layer] of image.layers.entries()) {
      const blob = await client.getBlob('lib/app', layer.digest);
      assert.ok(blob);
      assert.equal(blob.size, layer.size);
      assert.ok((await collect(blob.body)).equals(image.layerBytes[i]!));
    }
  });

  test('absent tags, digests, blobs and repositories are undefined, not errors', async () => {
    assert.equal(await client.headManifest('lib/app', 'nope'), undefined);
    assert.equal(await client.getManifest('lib/app', 'nope'), undefined);
    assert.equal(await client.getManifest('lib/app', unknownDigest()), undefined);
    assert.equal(await client.getBlob('lib/app', unknownDigest()), undefined);
    assert.equal(await client.getManifest('lib/never-pushed', 'v1'), undefined);
    assert.equal(await client.listTags('lib/never-pushed'), undefined);
  });

  test('tags list (Distribution 2.8 ignores n and last: one page, no Link)', async () => {
    const page = await client.listTags('lib/app', { n: 2 });
    assert.deepEqual(page?.tags.sort(), ['multi', 'v1', 'v2']);
    assert.equal(page?.next, undefined);
  });

  test('an open registry costs one request per operation (no auth round trip)', async () => {
    upstream.proxy!.reset();
    await client.headManifest('lib/app', 'v1');
    await client.getManifest('lib/app', image.digest);
    assert.deepEqual(
      upstream.proxy!.requests.map((r) => `${r.method} ${r.url}`),
      [`HEAD /v2/lib/app/manifests/v1`, `GET /v2/lib/app/manifests/${image.digest}`],
    );
    await client.ping();
  });

  test('a stopped upstream is unavailable, named, after the retries', async () => {
    const gone = openHttpUpstream({ url: 'http://127.0.0.1:9', label: 'proxy project gone', ...fast });
    try {
      const error = await expectUpstreamError(gone.headManifest('lib/app', 'v1'), 'unavailable');
      assert.match(error.message, /127\.0\.0\.1:9 cannot be reached by proxy project gone .*ECONNREFUSED/);
    } finally {
      await gone.close();
    }
  });
});

describe('a Distribution behind htpasswd (Basic)', () => {
  let upstream: UpstreamUnderTest;
  let image: PushedImage;
  before(async () => {
    upstream = await startHtpasswdDistribution({ counted: true });
    image = await upstream.pushImage('private/app', 'v1', 1);
  });
  after(async () => upstream?.stop());

  test('the right credentials pull manifests and blobs, answering the Basic challenge once', async () => {
    const client = openHttpUpstream({ url: upstream.url, ...upstream.credentials, ...fast });
    try {
      upstream.proxy!.reset();
      assert.equal((await client.getManifest('private/app', 'v1'))?.digest, image.digest);
      const blob = await client.getBlob('private/app', image.layers[0]!.digest);
      assert.ok((await collect(blob!.body)).equals(image.layerBytes[0]!));
      const seen = upstream.proxy!.requests.map((r) => `${r.method} ${r.url.split('/').slice(-2, -1)[0]} ${r.headers.authorization ? 'auth' : 'anon'}`);
      assert.deepEqual(seen, ['GET manifests anon', 'GET manifests auth', 'GET blobs auth'], 'Basic is sent up front once learned');
      await client.ping();
    } finally {
      await client.close();
    }
  });

  test('wrong credentials are "unauthorized", naming the upstream and the project', async () => {
    const client = openHttpUpstream({ url: upstream.url, username: 'puller', password: 'wrong', label: 'proxy project hub', ...fast });
    try {
      const error = await expectUpstreamError(client.getManifest('private/app', 'v1'), 'unauthorized');
      assert.equal(error.upstream, upstream.host);
      assert.equal(error.status, 401);
      assert.equal(error.message, `${upstream.host} refused the credentials of proxy project hub: check its username/password`);
      await expectUpstreamError(client.ping(), 'unauthorized');
    } finally {
      await client.close();
    }
  });

  test('no credentials: "unauthorized", saying credentials are wanted', async () => {
    const client = openHttpUpstream({ url: upstream.url, label: 'proxy project hub', ...fast });
    try {
      const error = await expectUpstreamError(client.headManifest('private/app', 'v1'), 'unauthorized');
      assert.match(error.message, /wants credentials for manifest private\/app:v1 .*give proxy project hub a username\/password/);
    } finally {
      await client.close();
    }
  });
});

describe('a Distribution over TLS with a private CA', () => {
  let upstream: UpstreamUnderTest;
  let dir: string;
  let caPem: string;
  let image: PushedImage;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upstream-tls-'));
    const ca = await createTestCa(dir);
    caPem = await readFile(ca.caCert, 'utf8');
    // The pusher is Node's fetch, which reads extra roots from NODE_EXTRA_CA_CERTS only at start,
    // so push over a second, plain listener of the same storage: a registry on the same root.
    upstream = await startOpenDistribution({ tls: { certificate: ca.serverCert, key: ca.serverKey } });
    image = await pushThroughPlainTwin(upstream);
  });
  after(async () => {
    await upstream?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('trusted through the upstream\'s CA', async () => {
    const client = openHttpUpstream({ url: upstream.url, ca: caPem, ...fast });
    try {
      assert.equal((await client.headManifest('tls/app', 'v1'))?.digest, image.digest);
    } finally {
      await client.close();
    }
  });

  test('without the CA: unavailable, saying the upstream is not trusted', async () => {
    const client = openHttpUpstream({ url: upstream.url, label: 'proxy project internal', ...fast });
    try {
      const error = await expectUpstreamError(client.headManifest('tls/app', 'v1'), 'unavailable');
      assert.match(error.message, /is not trusted by proxy project internal .*give the upstream's CA certificate/);
    } finally {
      await client.close();
    }
  });

  test('skip-verify accepts any certificate (digests are still checked)', async () => {
    const client = openHttpUpstream({ url: upstream.url, skipVerify: true, ...fast });
    try {
      assert.equal((await client.getManifest('tls/app', image.digest))?.digest, image.digest);
    } finally {
      await client.close();
    }
  });
});

/** Distribution stores content in its root: a plain twin on the same root receives the push. */
async function pushThroughPlainTwin(tlsUpstream: UpstreamUnderTest): Promise<PushedImage> {
  const { startDistribution } = await import('../support/registry-process.js');
  const twin = await startDistribution({ root: tlsUpstream.process.root });
  try {
    const { putImage } = await import('./support/portable-push.js');
    const { client } = await import('../http/support/http-client.js');
    return await putImage(client(twin.url), 'tls/app', 'v1', 1);
  } finally {
    await twin.stop({ keepData: true });
  }
}
