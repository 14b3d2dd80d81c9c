/**
 * Faults on the scale-out stack: an instance killed with SIGKILL in the middle of 8 concurrent
 * pushes through nginx costs the clients whose requests it held a retry, never a corrupt
 * image; and a collection run on one instance while pushes go through the others removes the
 * garbage (in batched DeleteObjects) and nothing a push needs.
 */
import assert from 'node:assert/strict';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { after, before, describe, test } from 'node:test';
import { createS3Client } from '../../src/adapters/blob/s3-client.js';
import { S3Layout } from '../../src/adapters/blob/s3-layout.js';
import { basic, withHeaders } from '../http/support/auth.js';
import { OCI_MANIFEST, randomBlob, sha256, uniqueRepo } from '../http/support/content.js';
import { client, expectStatus, json, type Client } from '../http/support/http-client.js';
import { pushBlob, pushManifest } from '../http/support/push.js';
import { descriptorOf, imageManifest, OCI_CONFIG, OCI_LAYER } from '../http/support/content.js';
import { ADMIN, ADMIN_PASSWORD, startScaleOut, type ScaleOutStack } from './support/scale-out-stack.js';

const MiB = 1024 * 1024;

let stack: ScaleOutStack;
let admin: Client;

before(async () => {
  stack = await startScaleOut({ label: 'faults' });
  admin = withHeaders(client(stack.nginx.url), { authorization: basic(ADMIN, ADMIN_PASSWORD) });
});

after(async () => {
  await stack?.stop();
});

interface Image {
  repo: string;
  tag: string;
  blobs: Buffer[];
  manifest: Buffer;
}

function makeImage(repo: string, tag: string, layerBytes: number): Image {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBlob(8).toString('hex') }));
  const layers = [randomBlob(layerBytes), randomBlob(layerBytes / 2)];
  const manifest = imageManifest({ config: descriptorOf(OCI_CONFIG, config), layers: layers.map((l) => descriptorOf(OCI_LAYER, l)) });
  return { repo, tag, blobs: [config, ...layers], manifest };
}

/** Pushes every blob and then the manifest; resolves to the manifest PUT's status (201 or what failed). */
async function push(c: Client, image: Image): Promise<'pushed' | 'failed'> {
  try {
    for (const blob of image.blobs) await pushBlob(c, image.repo, blob);
    await pushManifest(c, image.repo, image.tag, image.manifest, OCI_MANIFEST);
    return 'pushed';
  } catch {
    return 'failed';
  }
}

async function assertPullsBack(c: Client, image: Image): Promise<void> {
  const manifest = await c.get(`/v2/${image.repo}/manifests/${image.tag}`, { headers: { accept: OCI_MANIFEST } });
  expectStatus(manifest, 200, `${image.repo}:${image.tag}`);
  assert.equal(sha256(manifest.body), sha256(image.manifest));
  for (const blob of image.blobs) {
    const reply = await c.get(`/v2/${image.repo}/blobs/${sha256(blob)}`);
    expectStatus(reply, 200);
    assert.equal(sha256(reply.body), sha256(blob), `a blob of ${image.repo}:${image.tag}`);
  }
}

describe('faults on three instances behind nginx', () => {
  test('kill -9 of one instance during 8 concurrent pushes: every 201 pulls back byte-identical, the others succeed on retry', async () => {
    const images = Array.from({ length: 8 }, (_, i) => makeImage(uniqueRepo(`scale/kill-${i}`), 'v1', 3 * MiB));
    const pushes = images.map((image) => push(admin, image));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const victim = stack.instances[1]!;
    victim.child.kill('SIGKILL');
    const outcomes = await Promise.all(pushes);
    const pushed = images.filter((_, i) => outcomes[i] === 'pushed');
    const failed = images.filter((_, i) => outcomes[i] === 'failed');
    for (const image of pushed) await assertPullsBack(admin, image);
    for (const image of failed) {
      assert.equal(await push(admin, image), 'pushed', `retry of ${image.repo}`);
      await assertPullsBack(admin, image);
    }
    // An instance started later serves what the others took, including the retries.
    await stack.restart(1);
    const fresh = withHeaders(client(stack.instances[1]!.url), { authorization: basic(ADMIN, ADMIN_PASSWORD) });
    for (const image of images) await assertPullsBack(fresh, image);
    // Whatever the timing did, the test must have exercised something: report what it saw.
    process.stdout.write(`# kill -9: ${pushed.length} pushes finished, ${failed.length} retried\n`);
  });

  test('a collection on one instance while pushes go through the others removes the garbage and nothing a push needs', async () => {
    const garbage = Array.from({ length: 4 }, (_, i) => makeImage(uniqueRepo(`scale/garbage-${i}`), 'old', 256 * 1024));
    for (const image of garbage) assert.equal(await push(admin, image), 'pushed');
    for (const image of garbage) {
      const digest = sha256(image.manifest);
      expectStatus(await admin.delete(`/v2/${image.repo}/manifests/${digest}`), 202, 'delete the old image');
    }
    const collector = withHeaders(client(stack.instances[0]!.url), { authorization: basic(ADMIN, ADMIN_PASSWORD) });
    // Pushes through the other two instances only: nginx would also send some to the collector's.
    const others = [1, 2].map((i) => withHeaders(client(stack.instances[i]!.url), { authorization: basic(ADMIN, ADMIN_PASSWORD) }));
    const live = Array.from({ length: 6 }, (_, i) => makeImage(uniqueRepo(`scale/live-${i}`), 'v1', 512 * 1024));
    const pushes = live.map((image, i) => push(others[i % 2]!, image));
    const run = await collector.post('/api/v1/gc', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: true }) });
    expectStatus(run, 200, 'gc');
    const report = json<{ blobs: Array<{ digest: string }> }>(run);
    assert.deepEqual(await Promise.all(pushes), live.map(() => 'pushed'));
    for (const image of live) await assertPullsBack(admin, image);
    const removed = new Set(report.blobs.map((b) => b.digest));
    const s3 = createS3Client({ ...stack.rgw.settings, forcePathStyle: true });
    const layout = new S3Layout(stack.env.REGISTRY_STORAGE_S3_ROOTDIRECTORY!);
    try {
      for (const image of garbage) {
        for (const blob of image.blobs) {
          const digest = sha256(blob);
          assert.ok(removed.has(digest), `${digest} of a deleted image was collected`);
          const key = layout.blobKey(digest);
          await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: key })), (e: { name?: string }) => e.name === 'NotFound', `${key} is gone from the bucket`);
        }
      }
    } finally {
      s3.destroy();
    }
  });
});
