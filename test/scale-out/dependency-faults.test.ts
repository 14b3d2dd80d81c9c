/**
 * Faults of the services the scale-out stack depends on (issue 13), on private ones so the
 * machine's shared PostgreSQL and RGW, which other tests use, are never disturbed: two `berth
 * serve` instances behind nginx on a throwaway PostgreSQL cluster and an RGW of their own.
 *
 * - PostgreSQL restarted while clients pull: every answer is the right bytes or a clear 503
 *   with the OCI envelope, and pulls work again without restarting Berth.
 * - RGW stopped: blob reads and pushes are 503s with the envelope and /readyz names the object
 *   store; a push in flight fails cleanly, and once RGW is back nothing of it is visible, the
 *   retry succeeds and what was there before pulls back byte-identical.
 */
import assert from 'node:assert/strict';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { after, before, describe, test } from 'node:test';
import { createS3Client } from '../../src/adapters/blob/s3-client.js';
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, descriptorOf, imageManifest, randomBlob, sha256, uniqueRepo } from '../http/support/content.js';
import { assertEnvelope, client, expectStatus, json, type Client, type Reply } from '../http/support/http-client.js';
import { pushBlob, pushManifest, startUpload, withDigest } from '../http/support/push.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { startPrivateRgw, type PrivateRgw } from './support/private-rgw.js';

const MiB = 1024 * 1024;
const PROXY = '127.0.0.2';

let postgres: PrivatePostgres;
let rgw: PrivateRgw;
let instances: RegistryProcess[] = [];
let nginx: Nginx;
let c: Client;

before(async () => {
  [postgres, rgw] = await Promise.all([startPrivatePostgres(), startPrivateRgw()]);
  const s3 = createS3Client({ endpoint: rgw.endpoint, accessKey: rgw.accessKey, secretKey: rgw.secretKey, region: 'us-east-1', forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'faults' }));
  s3.destroy();
  const env = {
    BERTH_DATABASE_URL: postgres.url,
    REGISTRY_STORAGE: 's3',
    REGISTRY_STORAGE_S3_REGION: 'us-east-1',
    REGISTRY_STORAGE_S3_REGIONENDPOINT: rgw.endpoint,
    REGISTRY_STORAGE_S3_BUCKET: 'faults',
    REGISTRY_STORAGE_S3_ACCESSKEY: rgw.accessKey,
    REGISTRY_STORAGE_S3_SECRETKEY: rgw.secretKey,
    REGISTRY_STORAGE_S3_FORCEPATHSTYLE: 'true',
    REGISTRY_STORAGE_REDIRECT_DISABLE: 'true',
    REGISTRY_HTTP_TRUSTEDPROXIES: PROXY,
    BERTH_LIFECYCLE_GC_INTERVAL: '0',
  };
  // One first (it migrates the empty database), then the second.
  instances.push(await startBerth({ env }));
  instances.push(await startBerth({ env }));
  nginx = await startNginx(instances.map((i) => i.port), { bind: PROXY });
  c = client(nginx.url, { unavailableExpected: true });
});

after(async () => {
  await nginx?.stop();
  await Promise.all(instances.map((i) => i.stop()));
  await Promise.allSettled([postgres?.stop(), rgw?.stop()]);
});

interface Image {
  repo: string;
  blobs: Buffer[];
  manifest: Buffer;
}

function makeImage(repo: string, layerBytes: number): Image {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBlob(8).toString('hex') }));
  const layers = [randomBlob(layerBytes), randomBlob(layerBytes / 4)];
  const manifest = imageManifest({ config: descriptorOf(OCI_CONFIG, config), layers: layers.map((l) => descriptorOf(OCI_LAYER, l)) });
  return { repo, blobs: [config, ...layers], manifest };
}

async function push(image: Image): Promise<void> {
  for (const blob of image.blobs) await pushBlob(c, image.repo, blob);
  await pushManifest(c, image.repo, 'v1', image.manifest, OCI_MANIFEST);
}

async function assertPullsBack(image: Image): Promise<void> {
  const manifest = await c.get(`/v2/${image.repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
  expectStatus(manifest, 200, image.repo);
  assert.equal(sha256(manifest.body), sha256(image.manifest));
  for (const blob of image.blobs) {
    const reply = await c.get(`/v2/${image.repo}/blobs/${sha256(blob)}`);
    expectStatus(reply, 200);
    assert.equal(sha256(reply.body), sha256(blob));
  }
}

/** Berth must ride out a dependency's failure: an instance that exited fails with what it printed. */
function assertServing(instance: RegistryProcess): void {
  const { exitCode, signalCode } = instance.child;
  if (exitCode !== null || signalCode !== null) {
    assert.fail(`instance on port ${instance.port} exited (${exitCode ?? signalCode}):\n${instance.output().slice(-4000)}`);
  }
}

/** A refusal a client can act on: 503 with the OCI envelope's UNAVAILABLE. */
function assertUnavailable(reply: Reply, what: string): void {
  assert.equal(reply.status, 503, `${what}: ${reply.status} ${reply.text.slice(0, 300)}`);
  assertEnvelope(reply.text, 'UNAVAILABLE', what);
}

type Outcome = 'ok' | 'unavailable' | `bad: ${string}`;

/** One pull of the whole image, judged: right bytes, a clear 503, or anything else (a defect). */
async function pullOnce(image: Image): Promise<Outcome> {
  try {
    const manifest = await c.get(`/v2/${image.repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
    if (manifest.status === 503) return (assertEnvelope(manifest.text, 'UNAVAILABLE'), 'unavailable');
    if (manifest.status !== 200 || sha256(manifest.body) !== sha256(image.manifest)) return `bad: manifest ${manifest.status} ${manifest.text.slice(0, 200)}`;
    for (const blob of image.blobs) {
      const reply = await c.get(`/v2/${image.repo}/blobs/${sha256(blob)}`);
      if (reply.status === 503) return (assertEnvelope(reply.text, 'UNAVAILABLE'), 'unavailable');
      if (reply.status !== 200 || sha256(reply.body) !== sha256(blob)) return `bad: blob ${reply.status} ${reply.text.slice(0, 200)}`;
    }
    return 'ok';
  } catch (error) {
    return `bad: ${error instanceof Error ? error.message : String(error)}`;
  }
}

describe('the services behind the stack fail', () => {
  test('PostgreSQL restarted during pulls: each pull is right or a clear 503, and pulls recover without a Berth restart', async () => {
    const image = makeImage(uniqueRepo('faults/pg'), 512 * 1024);
    await push(image);
    const outcomes: Outcome[] = [];
    let reading = true;
    let restarting = false;
    let duringRestart = 0;
    const readers = Array.from({ length: 4 }, async () => {
      while (reading) {
        if (restarting) duringRestart += 1;
        outcomes.push(await pullOnce(image));
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    restarting = true;
    await postgres.restart();
    restarting = false;
    // Pulls must come back by themselves: the pools drop the dead connections and open new ones.
    const deadline = Date.now() + 30_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      const before = outcomes.length;
      await new Promise((r) => setTimeout(r, 500));
      recovered = outcomes.slice(before).length > 0 && outcomes.slice(before).every((o) => o === 'ok');
    }
    reading = false;
    await Promise.all(readers);
    const bad = outcomes.filter((o) => o.startsWith('bad'));
    assert.deepEqual(bad, [], 'every pull was the right bytes or a 503 with the envelope');
    assert.ok(recovered, `pulls recovered within 30 s (${outcomes.length} pulls)`);
    assert.ok(duringRestart > 0, 'pulls were started while the database restarted');
    for (const instance of instances) {
      assertServing(instance);
      assert.deepEqual(json(await client(instance.url, { unavailableExpected: true }).get('/readyz')), { status: 'ready', checks: { database: 'ok', objectStore: 'ok' } });
    }
    process.stdout.write(`# PostgreSQL restart: ${duringRestart} pulls started during it; ${outcomes.filter((o) => o === 'ok').length} pulls right, ${outcomes.filter((o) => o === 'unavailable').length} clear 503s\n`);
  });

  test('RGW stopped: 503s with the envelope, a push in flight fails cleanly, and after it returns nothing is half-written', async () => {
    const before = makeImage(uniqueRepo('faults/rgw-before'), 256 * 1024);
    await push(before);
    const during = makeImage(uniqueRepo('faults/rgw-during'), 2 * MiB);
    const [config, layer, small] = during.blobs as [Buffer, Buffer, Buffer];
    // A chunked upload with its first chunk in while the store is up.
    let location = await startUpload(c, during.repo);
    const first = await c.patch(location, { headers: { 'content-type': 'application/octet-stream' }, body: layer.subarray(0, MiB) });
    expectStatus(first, 202, 'first chunk');
    location = first.headers.get('location') ?? location;

    await rgw.stopGateway();
    try {
      assertUnavailable(await c.get(`/v2/${before.repo}/blobs/${sha256(before.blobs[1]!)}`), 'a blob read');
      assertUnavailable(
        await c.patch(location, { headers: { 'content-type': 'application/octet-stream' }, body: layer.subarray(MiB) }),
        'the second chunk of the push in flight',
      );
      assertUnavailable(
        await c.post(`/v2/${during.repo}/blobs/uploads/?digest=${sha256(config)}`, { headers: { 'content-type': 'application/octet-stream' }, body: config }),
        'a monolithic blob push',
      );
      for (const instance of instances) {
        assertServing(instance);
        const ready = await client(instance.url, { unavailableExpected: true }).get('/readyz');
        assert.equal(ready.status, 503);
        assert.deepEqual(json<{ checks: unknown }>(ready).checks, { database: 'ok', objectStore: 'unavailable' });
      }
    } finally {
      await rgw.startGateway();
    }

    // Nothing of the failed push is visible; the client's retry (a new upload) succeeds.
    for (const blob of during.blobs) assert.equal((await c.head(`/v2/${during.repo}/blobs/${sha256(blob)}`)).status, 404, 'no blob of the failed push');
    assert.equal((await c.get(`/v2/${during.repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status, 404);
    const retried = await c.put(withDigest(location, sha256(layer)), { headers: { 'content-type': 'application/octet-stream' }, body: layer.subarray(MiB) });
    assert.ok([201, 400, 404, 416].includes(retried.status), `continuing the old session either completes it or is refused: ${retried.status}`);
    if (retried.status !== 201) assertEnvelope(retried.text, JSON.parse(retried.text).errors[0].code);
    await push({ ...during, blobs: [config, layer, small] });
    await assertPullsBack(during);
    await assertPullsBack(before);
  });
});
