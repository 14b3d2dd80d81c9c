// Proxy projects against a real upstream on loopback (Debian's Distribution 2.8 behind a
// counting proxy, so each test counts what reached the upstream) and a scripted misbehaving
// one: creation through the API, cold and warm pulls with byte-identical content, the tag TTL,
// single-flight blob fills, refused writes, privacy, and faults (torn, lying, stopped upstream).
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../support/test-server.js';
import { expectError, expectStatus, json, type Client } from '../http/support/http-client.js';
import { ManualClock } from '../http/support/storage.js';
import type { PushedImage } from '../http/support/push.js';
import { adminApi, type Api } from '../http/api/api-support.js';
import { makeTeam, registryAsAdmin, startStorageServer, type Team } from '../http/api/storage-support.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';
import { startScriptedServer, type ScriptedServer } from '../upstream/support/scripted-server.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const HOUR = 3600_000;

const clock = new ManualClock(Date.now());
let server: TestServer;
let admin: Api;
let team: Team;
let registry: Client;
let upstream: UpstreamUnderTest;
let image: PushedImage;

const counted = () => upstream.proxy!;
const manifestGets = () => counted().count('GET', /\/manifests\//);
const manifestHeads = () => counted().count('HEAD', /\/manifests\//);
const blobGets = () => counted().count('GET', /\/blobs\//);

async function pullImage(repo: string, reference: string): Promise<{ digest: string; body: Buffer }> {
  const reply = await registry.get(`/v2/${repo}/manifests/${reference}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  expectStatus(reply, 200, `manifest ${repo}:${reference}`);
  const manifest = JSON.parse(reply.text) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const { digest } of [manifest.config, ...manifest.layers]) {
    const blob = await registry.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(blob, 200, `blob ${digest}`);
    assert.equal(sha256(blob.body), digest, 'blob bytes as upstream has them');
  }
  return { digest: reply.headers.get('docker-content-digest')!, body: reply.body };
}

before(async () => {
  upstream = await startOpenDistribution({ counted: true });
  image = await upstream.pushImage('lib/app', 'v1', 2);
  server = await startStorageServer(clock);
  admin = await adminApi(server);
  team = await makeTeam(server);
  registry = registryAsAdmin(server);
});
after(async () => {
  await server?.close();
  await upstream?.stop().catch(() => undefined);
});

describe('creating a proxy project', () => {
  test('a system admin creates one through the API; the password is never returned', async () => {
    const reply = await admin.send('POST', '/api/v1/projects', { name: 'hub', visibility: 'public', proxy: { url: upstream.url, ttl: '1h', username: 'u', password: 'upstream-secret' } });
    expectStatus(reply, 201, 'create hub');
    const body = json<Record<string, unknown>>(reply);
    assert.equal(body.kind, 'proxy');
    assert.deepEqual(body.proxy, { url: upstream.url, upstream: upstream.host, username: 'u', hasPassword: true, ttlSeconds: 3600, hasCa: false, skipVerify: false });
    const seen = await admin.get('/api/v1/projects/hub');
    assert.ok(!seen.text.includes('upstream-secret'), 'never returned');
    const cleared = await admin.send('PATCH', '/api/v1/projects/hub', { proxy: { username: null, password: null } });
    expectStatus(cleared, 200, 'clear credentials');
    assert.equal(json<{ proxy: { hasPassword: boolean } }>(cleared).proxy.hasPassword, false);
    const list = json<{ projects: Array<{ name: string; kind: string }> }>(await team.outsider.get('/api/v1/projects'));
    assert.equal(list.projects.find((p) => p.name === 'hub')?.kind, 'proxy', 'public: visible to everyone');
  });

  test('an unreachable upstream is refused with its error, and nothing is created', async () => {
    const reply = await admin.send('POST', '/api/v1/projects', { name: 'nowhere', proxy: { url: 'http://127.0.0.1:9', ttl: 60 } });
    const error = expectError(reply, 400, 'BAD_REQUEST');
    assert.match(error.message, /127\.0\.0\.1:9/);
    expectStatus(await admin.get('/api/v1/projects/nowhere'), 404, 'not created');
  });

  test('only system admins make proxies; bad settings are 400s', async () => {
    const outsider = await team.outsider.send('POST', '/api/v1/projects', { name: 'mine', proxy: { url: upstream.url } });
    assert.ok(outsider.status === 403, `a user may not: ${outsider.status}`);
    expectError(await admin.send('POST', '/api/v1/projects', { name: 'bad1', proxy: { url: 'ftp://x' } }), 400, 'BAD_REQUEST');
    expectError(await admin.send('POST', '/api/v1/projects', { name: 'bad2', proxy: { url: upstream.url, ttl: 'soon' } }), 400, 'BAD_REQUEST');
    expectError(await admin.send('POST', '/api/v1/projects', { name: 'bad3', proxy: { url: upstream.url, pasword: 'x' } }), 400, 'BAD_REQUEST');
  });
});

describe('pulling through it', () => {
  test('a cold pull fetches each manifest and blob once and serves the upstream bytes exactly', async () => {
    counted().reset();
    const pulled = await pullImage('hub/lib/app', 'v1');
    assert.equal(pulled.digest, image.digest);
    assert.ok(pulled.body.equals(image.body), 'manifest bytes as pushed upstream');
    assert.equal(manifestGets(), 1);
    assert.equal(blobGets(), 3, 'config and two layers');
  });

  test('a warm pull within the TTL costs the upstream nothing; after it, one HEAD per tag and no blob GET', async () => {
    counted().reset();
    await pullImage('hub/lib/app', 'v1');
    assert.equal(counted().requests.length, 0, 'nothing within the TTL');
    clock.advance(2 * HOUR);
    await registry.head('/v2/hub/lib/app/manifests/v1');
    await pullImage('hub/lib/app', 'v1');
    assert.equal(manifestHeads(), 1);
    assert.equal(manifestGets(), 0);
    assert.equal(blobGets(), 0);
    const metrics = (await registry.get('/metrics')).text;
    assert.match(metrics, new RegExp(`berth_proxy_requests_total\\{upstream="${upstream.host.replace('.', '\\.')}",result="revalidated"\\} 1`));
    assert.match(metrics, /berth_proxy_upstream_bytes_total\{upstream="[^"]+"\} [1-9]/);
  });

  test('a cached blob is served from the cache: counted as a hit, whole or by Range; an unknown digest is a 404', async () => {
    const hits = async () => {
      const line = new RegExp(`berth_proxy_requests_total\\{upstream="${upstream.host.replace('.', '\\.')}",result="hit"\\} (\\d+)`);
      return Number((await registry.get('/metrics')).text.match(line)?.[1] ?? 0);
    };
    const layer = image.layers[0]!;
    const bytes = image.layerBytes[0]!;
    counted().reset();
    const before = await hits();
    const whole = await registry.get(`/v2/hub/lib/app/blobs/${layer.digest}`);
    expectStatus(whole, 200, 'cached layer');
    assert.ok(whole.body.equals(bytes), 'the layer bytes');
    assert.equal(whole.headers.get('content-length'), String(bytes.length));
    const part = await registry.get(`/v2/hub/lib/app/blobs/${layer.digest}`, { headers: { range: 'bytes=10-19' } });
    expectStatus(part, 206, 'a range of the cached layer');
    assert.ok(part.body.equals(bytes.subarray(10, 20)), 'the ranged bytes');
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${bytes.length}`);
    assert.equal(await hits(), before + 2, 'both GETs count as hits');
    assert.equal(blobGets(), 0, 'the upstream is not asked');
    const absent = sha256(randomBytes(16));
    expectError(await registry.get(`/v2/hub/lib/app/blobs/${absent}`), 404, 'BLOB_UNKNOWN');
  });

  test('a tag moved upstream is seen after the TTL, not before', async () => {
    const moved = await upstream.pushImage('lib/app', 'v1', 1);
    assert.equal((await pullImage('hub/lib/app', 'v1')).digest, image.digest, 'within the TTL: the cached one');
    clock.advance(2 * HOUR);
    assert.equal((await pullImage('hub/lib/app', 'v1')).digest, moved.digest, 'after it: the new one');
    assert.equal((await pullImage('hub/lib/app', image.digest)).digest, image.digest, 'the old digest still pulls');
  });

  test('tags list and catalog show what is cached', async () => {
    const tags = json<{ tags: string[] }>(await registry.get('/v2/hub/lib/app/tags/list'));
    assert.deepEqual(tags.tags, ['v1']);
  });

  test('20 concurrent pulls of one uncached 16 MiB blob make exactly one upstream GET', async () => {
    const big = await upstream.pushImage('lib/big', 'v1', 1, 16 * 1024 * 1024);
    await registry.get('/v2/hub/lib/big/manifests/v1');
    counted().reset();
    const digest = big.layers[0]!.digest;
    const replies = await Promise.all(Array.from({ length: 20 }, () => registry.get(`/v2/hub/lib/big/blobs/${digest}`)));
    for (const reply of replies) {
      expectStatus(reply, 200, 'concurrent pull');
      assert.equal(sha256(reply.body), digest);
    }
    assert.equal(blobGets(), 1);
  });

  test('a cold pull frees each upstream chunk once it is staged and sent, and the client and the cache get every byte', async () => {
    const released = async (): Promise<number> => {
      const match = /^berth_upload_bytes_released_total (\d+)$/m.exec((await registry.get('/metrics')).text);
      assert.ok(match, 'the counter is exported');
      return Number(match[1]);
    };
    const big = await upstream.pushImage('lib/freed', 'v1', 1, 8 * 1024 * 1024);
    await registry.get('/v2/hub/lib/freed/manifests/v1');
    const digest = big.layers[0]!.digest;
    const before = await released();
    const cold = await registry.get(`/v2/hub/lib/freed/blobs/${digest}`);
    expectStatus(cold, 200, 'cold pull');
    assert.equal(sha256(cold.body), digest, 'the client got the upstream bytes');
    // The cache commits after the client's response ends; a warm GET waits for it.
    counted().reset();
    const warm = await registry.get(`/v2/hub/lib/freed/blobs/${digest}`);
    expectStatus(warm, 200, 'warm pull');
    assert.equal(sha256(warm.body), digest, 'the cache staged every byte before any was freed');
    assert.equal(blobGets(), 0, 'served from the cache');
    // Chunks split at a write boundary are left to the collector, so not all 8 MiB.
    assert.ok((await released()) - before >= 4 * 1024 * 1024, 'the upstream chunks were not freed');
  });

  test('a client that goes away mid-blob does not stop the fill: the next pull gets the whole blob from the cache', async () => {
    const big = await upstream.pushImage('lib/gone', 'v1', 1, 8 * 1024 * 1024);
    await registry.get('/v2/hub/lib/gone/manifests/v1');
    const digest = big.layers[0]!.digest;
    counted().reset();
    const leaving = new AbortController();
    const partial = await fetch(`${server.url}/v2/hub/lib/gone/blobs/${digest}`, { headers: { authorization: team.authorization.admin! }, signal: leaving.signal });
    assert.equal(partial.status, 200);
    const first = await partial.body!.getReader().read();
    assert.ok(!first.done && first.value.length < 8 * 1024 * 1024, 'the client left before the end');
    leaving.abort();
    const whole = await registry.get(`/v2/hub/lib/gone/blobs/${digest}`);
    expectStatus(whole, 200, 'pull after the first client left');
    assert.equal(sha256(whole.body), digest);
    assert.equal(blobGets(), 1, 'the fill went on alone: one upstream GET');
  });

  test('an unknown tag is a 404, remembered briefly', async () => {
    counted().reset();
    expectError(await registry.get('/v2/hub/lib/app/manifests/nope'), 404, 'MANIFEST_UNKNOWN');
    expectError(await registry.get('/v2/hub/lib/app/manifests/nope'), 404, 'MANIFEST_UNKNOWN');
    assert.equal(manifestGets(), 1, 'the second 404 came from the negative cache');
  });
});

describe('writes and privacy', () => {
  test('pushes and deletes into a proxy project are refused with a clear error', async () => {
    const push = expectError(await registry.post('/v2/hub/lib/app/blobs/uploads/'), 403, 'DENIED');
    assert.match(push.message, /^hub is a proxy of .*; push to a hosted project such as/);
    const put = await registry.put('/v2/hub/lib/app/manifests/v9', { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: image.body });
    expectError(put, 403, 'DENIED');
    expectError(await registry.delete(`/v2/hub/lib/app/manifests/${image.digest}`), 403, 'DENIED');
  });

  test('a private proxy project is invisible to outsiders and costs its upstream nothing for them', async () => {
    expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'priv', proxy: { url: upstream.url } }), 201, 'create priv');
    counted().reset();
    for (const who of [team.outsider, team.anonymous]) {
      const reply = await who.get('/v2/priv/lib/app/manifests/v1');
      assert.ok([401, 403, 404].includes(reply.status), `refused: ${reply.status}`);
      assert.ok(!reply.text.includes('sha256:'), 'no digest leaks');
    }
    const list = json<{ projects: Array<{ name: string }> }>(await team.outsider.get('/api/v1/projects'));
    assert.ok(!list.projects.some((p) => p.name === 'priv'));
    assert.equal(counted().requests.length, 0);
  });
});

describe('a misbehaving upstream', () => {
  let scripted: ScriptedServer;
  const blob = randomBytes(256 * 1024);
  const digest = sha256(blob);
  before(async () => {
    scripted = await startScriptedServer();
    expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'odd', proxy: { url: scripted.url, check: false }, visibility: 'public' }), 201, 'create odd');
  });
  after(() => scripted?.close());

  test('a blob torn mid-transfer reaches the client as an error, caches nothing, and a retry completes', async () => {
    scripted.handle((req, res) => {
      if (!req.url?.includes('/blobs/')) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length });
      res.write(blob.subarray(0, blob.length / 2), () => res.destroy());
    });
    await assert.rejects(registry.get(`/v2/odd/x/blobs/${digest}`), 'the client sees the transfer fail');
    scripted.handle((req, res) => {
      if (!req.url?.includes('/blobs/')) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length }).end(blob);
    });
    const retry = await registry.get(`/v2/odd/x/blobs/${digest}`);
    expectStatus(retry, 200, 'retry');
    assert.ok(retry.body.equals(blob));
  });

  test('a lying upstream (bytes that do not hash to the digest) leaves nothing cached', async () => {
    const wanted = sha256(randomBytes(64));
    scripted.handle((req, res) => {
      if (!req.url?.includes('/blobs/')) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 }).end(randomBytes(1024));
    });
    // The headers went out before the bytes could be checked; the last chunk never does.
    await assert.rejects(registry.get(`/v2/odd/y/blobs/${wanted}`), 'the client sees a failed transfer, not a complete wrong blob');
    assert.equal(await server.registry.deps.blobs.stat(wanted), undefined, 'nothing stored');
    assert.equal(await server.registry.deps.metadata.linkedBlob('odd/y', wanted), undefined, 'nothing linked');
  });
});

describe('the upstream stopped', () => {
  test('cached tags and digests still pull (stale-if-error); what was never cached is a 503', async () => {
    await upstream.process.stop();
    clock.advance(2 * HOUR);
    const pulled = await pullImage('hub/lib/app', image.digest);
    assert.equal(pulled.digest, image.digest);
    expectStatus(await registry.get('/v2/hub/lib/app/manifests/v1'), 200, 'a stale tag is served');
    const never = await fetch(`${server.url}/v2/hub/lib/other/manifests/v1`, { headers: { authorization: team.authorization.admin! } });
    assert.equal(never.status, 503);
    assert.match(((await never.json()) as { errors: Array<{ code: string; message: string }> }).errors[0]!.message, /proxy project hub/);
  });
});
