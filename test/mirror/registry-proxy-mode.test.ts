// registry:2's proxy mode on a real `berth serve` configured only by REGISTRY_PROXY_* variables,
// in front of Debian's Distribution 2.8 with an htpasswd account (counted, so the test sees
// what reached it): every name is proxied unchanged, a warm pull costs the upstream nothing
// within the TTL, and pushes are refused as registry:2 refuses them.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { client, expectError, expectStatus, type Client } from '../http/support/http-client.js';
import type { PushedImage } from '../http/support/push.js';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startHtpasswdDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

let upstream: UpstreamUnderTest;
let berth: RegistryProcess;
let registry: Client;
let image: PushedImage;

before(async () => {
  upstream = await startHtpasswdDistribution({ counted: true });
  image = await upstream.pushImage('library/busybox', 'v1', 2);
  berth = await startBerth({
    env: {
      REGISTRY_PROXY_REMOTEURL: upstream.url,
      REGISTRY_PROXY_USERNAME: upstream.credentials!.username,
      REGISTRY_PROXY_PASSWORD: upstream.credentials!.password,
      REGISTRY_PROXY_TTL: '1h',
    },
  });
  registry = client(berth.url);
});
after(async () => {
  await berth?.stop();
  await upstream?.stop().catch(() => undefined);
});

test('every name is pulled through from remoteurl under the same name, then served from the cache', async () => {
  const counted = upstream.proxy!;
  counted.reset();
  for (let round = 0; round < 2; round++) {
    const reply = await registry.get('/v2/library/busybox/manifests/v1', { headers: ACCEPT });
    expectStatus(reply, 200, `manifest, round ${round}`);
    assert.equal(reply.headers.get('docker-content-digest'), image.digest);
    assert.ok(reply.body.equals(image.body), 'the upstream bytes exactly');
    for (const { digest } of [image.config, ...image.layers]) {
      const blob = await registry.get(`/v2/library/busybox/blobs/${digest}`);
      expectStatus(blob, 200, `blob ${digest}`);
      assert.equal(sha256(blob.body), digest);
    }
    if (round === 0) counted.reset();
  }
  assert.equal(counted.requests.length, 0, 'a warm pull within proxy.ttl costs the upstream nothing');
  expectError(await registry.get('/v2/library/nothere/manifests/v1', { headers: ACCEPT }), 404, 'MANIFEST_UNKNOWN');
});

test('pushes and deletes are refused as registry:2 refuses them in proxy mode', async () => {
  const push = expectError(await registry.post('/v2/library/busybox/blobs/uploads/'), 405, 'UNSUPPORTED');
  assert.match(push.message, /pull-through cache of .*\(proxy\.remoteurl\); pushes are refused/);
  const put = await registry.put('/v2/mine/app/manifests/v1', { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: image.body });
  expectError(put, 405, 'UNSUPPORTED');
});
