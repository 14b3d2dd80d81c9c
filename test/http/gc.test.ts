// Space comes back through the API: an image deleted with DELETE /v2/…/manifests is collected
// (its unique blobs leave the disk and answer 404) while an image sharing a layer still pulls;
// a tag deleted by name stays restorable and keeps its content until the window ends.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, descriptorOf, imageManifest, randomBlob, sha256, uniqueRepo, type Descriptor } from './support/content.js';
import { client, expectError, expectStatus, type Client } from './support/http-client.js';
import { pushBlob, pushManifest } from './support/push.js';

interface Image {
  repo: string;
  digest: string;
  blobs: Descriptor[];
}


/** Timestamps have millisecond resolution: a collection must start after what it collects. */
const nextMillisecond = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('garbage collection over the API', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer({ lifecycle: { gc: { graceSeconds: 0, intervalSeconds: 0 }, restoreWindowSeconds: 3600 } });
    c = client(server.url);
  });
  after(() => server.close());

  // Asked of the blob store itself, so the bytes' absence is checked on the filesystem and on S3 alike.
  const stored = async (digest: string) => (await server.registry.deps.blobs.stat(digest)) !== undefined;

  async function push(repo: string, tag: string, layers: Buffer[]): Promise<Image> {
    const configBytes = Buffer.from(JSON.stringify({ os: 'linux', n: randomBlob(4).toString('hex') }));
    const blobs = [descriptorOf(OCI_CONFIG, configBytes), ...layers.map((l) => descriptorOf(OCI_LAYER, l))];
    for (const bytes of [configBytes, ...layers]) await pushBlob(c, repo, bytes);
    const pushed = await pushManifest(c, repo, tag, imageManifest({ config: blobs[0]!, layers: blobs.slice(1) }), OCI_MANIFEST);
    return { repo, digest: pushed.digest, blobs };
  }

  async function pullsWhole(image: Image): Promise<void> {
    expectStatus(await c.get(`/v2/${image.repo}/manifests/${image.digest}`), 200);
    for (const blob of image.blobs) {
      const reply = await c.get(`/v2/${image.repo}/blobs/${blob.digest}`);
      expectStatus(reply, 200);
      assert.equal(sha256(reply.body), blob.digest);
    }
  }

  test('a deleted image is collected; an image sharing its layer still pulls', async () => {
    const shared = randomBlob(2000);
    const doomed = await push(uniqueRepo('gc'), 'v1', [shared, randomBlob(1500)]);
    const kept = await push(uniqueRepo('gc'), 'v1', [shared]);
    expectStatus(await c.delete(`/v2/${doomed.repo}/manifests/${doomed.digest}`), 202);
    await nextMillisecond();

    const report = await server.composed.lifecycle.gc();
    const unique = doomed.blobs.filter((b) => b.digest !== sha256(shared));
    assert.deepEqual(report.blobs.map((b) => b.digest), unique.map((b) => b.digest).sort());
    for (const blob of unique) {
      assert.equal(await stored(blob.digest), false, 'the bytes are gone from the store');
      expectError(await c.get(`/v2/${doomed.repo}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      expectStatus(await c.head(`/v2/${doomed.repo}/blobs/${blob.digest}`), 404);
    }
    expectError(await c.get(`/v2/${doomed.repo}/manifests/${doomed.digest}`), 404, 'MANIFEST_UNKNOWN');
    assert.equal(await stored(sha256(shared)), true);
    await pullsWhole(kept);
  });

  test('a tag deleted by name is restorable and its content survives collection', async () => {
    const image = await push(uniqueRepo('gc'), 'v1', [randomBlob(700)]);
    expectStatus(await c.delete(`/v2/${image.repo}/manifests/v1`), 202);
    expectError(await c.get(`/v2/${image.repo}/manifests/v1`), 404, 'MANIFEST_UNKNOWN');
    await nextMillisecond();
    const report = await server.composed.lifecycle.gc();
    assert.ok(!report.repositories.some((r) => r.repository === image.repo));
    assert.deepEqual(await server.composed.lifecycle.restoreTag(image.repo, 'v1'), { digest: image.digest });
    expectStatus(await c.get(`/v2/${image.repo}/manifests/v1`), 200);
    await pullsWhole(image);
  });

  test('a deleted repository is gone from /v2 at once, keeps its content while restorable, and comes back when restored', async () => {
    const image = await push(uniqueRepo('gc'), 'v1', [randomBlob(300)]);
    const catalog = async () => (JSON.parse((await c.get('/v2/_catalog?n=10000')).text) as { repositories: string[] }).repositories;
    assert.ok((await catalog()).includes(image.repo));
    // A signature of it, so the referrers listing has something to hide.
    const sigConfig = Buffer.from('{}');
    await pushBlob(c, image.repo, sigConfig);
    const subject = { mediaType: OCI_MANIFEST, digest: image.digest, size: 0 };
    subject.size = (await c.get(`/v2/${image.repo}/manifests/${image.digest}`)).body.length;
    const signature = imageManifest({ config: descriptorOf('application/vnd.example.sig', sigConfig), layers: [], subject, artifactType: 'application/vnd.example.sig' });
    await pushManifest(c, image.repo, sha256(signature), signature, OCI_MANIFEST);
    const referrers = async () => (JSON.parse((await c.get(`/v2/${image.repo}/referrers/${image.digest}`)).text) as { manifests: unknown[] }).manifests.length;
    assert.equal(await referrers(), 1);
    assert.deepEqual(await server.composed.lifecycle.deleteRepository(image.repo), { tags: 1 });
    assert.ok(!(await catalog()).includes(image.repo), 'not in the catalog');
    expectError(await c.get(`/v2/${image.repo}/tags/list`), 404, 'NAME_UNKNOWN');
    expectError(await c.get(`/v2/${image.repo}/manifests/v1`), 404, 'NAME_UNKNOWN');
    expectError(await c.get(`/v2/${image.repo}/manifests/${image.digest}`), 404, 'NAME_UNKNOWN');
    expectStatus(await c.head(`/v2/${image.repo}/manifests/${image.digest}`), 404);
    assert.equal(await referrers(), 0, 'no referrers listed');
    await nextMillisecond();
    const report = await server.composed.lifecycle.gc();
    assert.equal(report.repositories.find((r) => r.repository === image.repo), undefined);
    for (const blob of image.blobs) assert.equal(await stored(blob.digest), true);
    await server.composed.lifecycle.restoreTag(image.repo, 'v1');
    expectStatus(await c.get(`/v2/${image.repo}/manifests/v1`), 200);
    assert.ok((await catalog()).includes(image.repo), 'back in the catalog');
    assert.equal(await referrers(), 1);
    assert.deepEqual(JSON.parse((await c.get(`/v2/${image.repo}/tags/list`)).text).tags, ['v1']);
    await pullsWhole(image);
  });

  test('a repository deleted and pushed to again is back at once', async () => {
    const repo = uniqueRepo('gc');
    await push(repo, 'old', [randomBlob(100)]);
    await server.composed.lifecycle.deleteRepository(repo);
    expectError(await c.get(`/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN');
    const again = await push(repo, 'new', [randomBlob(100)]);
    assert.deepEqual(JSON.parse((await c.get(`/v2/${repo}/tags/list`)).text).tags, ['new']);
    await pullsWhole(again);
  });
});
