// Cost follows the garbage: deleted images (seeded through the stores, not HTTP) next to a
// base layer they all shared and one image still tagged. Prints how long the collection took;
// fails if it takes more than a generous bound. 1,000 images by default to keep the suite
// quick; BERTH_GC_SCALE_IMAGES=10000 runs the measurement (seeding takes a minute).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { checkBlobTree } from '../crash/support/store-check.js';
import { Fixture, HOUR, OCI_MANIFEST, sha256 } from './support/fixture.js';

const IMAGES = Number(process.env.BERTH_GC_SCALE_IMAGES ?? 1_000);
const BOUND_MS = 60_000;

test(`collecting ${IMAGES} deleted images takes seconds`, async (t) => {
  const f = await Fixture.create({ graceMs: HOUR, restoreWindowMs: 0 });
  try {
    const seedStart = performance.now();
    const base = randomBytes(4096);
    const baseDigest = await putBlob(f, base);
    await f.metadata.recordBlob(baseDigest, base.length);
    const keeper = await f.pushImage('scale/keep', 'v1', { layers: [base] });
    const SEED_BATCH = 64;
    for (let first = 0; first < IMAGES; first += SEED_BATCH) {
      const images = Array.from({ length: Math.min(SEED_BATCH, IMAGES - first) }, (_, k) => {
        const i = first + k;
        return { i, config: Buffer.from(`{"image":${i},"nonce":"${randomBytes(4).toString('hex')}"}`), layer: randomBytes(64) };
      });
      // File writes overlap (the disk's latency, not GC, would dominate otherwise); metadata
      // writes are one transaction each, as pushes make them.
      await Promise.all(images.flatMap(({ config, layer }) => [putBlob(f, config), putBlob(f, layer)]));
      for (const { i, config, layer } of images) await seedImage(f, i, config, layer, baseDigest);
    }
    const before = await checkBlobTree(f.root);
    t.diagnostic(`seeded ${IMAGES} images (${before.digests.size} blob files) in ${Math.round(performance.now() - seedStart)} ms`);
    f.clock.advance(2 * HOUR);

    const start = performance.now();
    const report = await f.lifecycle.gc();
    const elapsed = performance.now() - start;
    t.diagnostic(
      `gc: ${report.manifestsRemoved} manifests, ${report.blobsRemoved} blobs, ${report.bytesFreed} bytes in ${Math.round(elapsed)} ms`,
    );

    assert.equal(report.manifestsRemoved, IMAGES);
    assert.equal(report.blobsRemoved, 2 * IMAGES);
    const after = await checkBlobTree(f.root);
    assert.deepEqual([...after.digests].sort(), keeper.blobs.map((b) => b.digest).sort(), 'only the tagged image remains on disk');
    assert.equal(before.bytes - after.bytes, report.bytesFreed);
    for (const blob of keeper.blobs) assert.equal(await f.readBlob('scale/keep', blob.digest), blob.digest);
    assert.ok(elapsed < BOUND_MS, `took ${Math.round(elapsed)} ms`);

    const idle = performance.now();
    assert.equal((await f.lifecycle.gc()).blobsRemoved, 0);
    t.diagnostic(`a second run with nothing to collect: ${Math.round(performance.now() - idle)} ms`);
  } finally {
    await f.close();
  }
});

async function seedImage(f: Fixture, i: number, config: Buffer, layer: Buffer, baseDigest: string): Promise<void> {
  const repository = `scale/r${i % 100}`;
  const blobs = [sha256(config), sha256(layer)];
  await f.metadata.recordBlob(blobs[0]!, config.length);
  await f.metadata.recordBlob(blobs[1]!, layer.length);
  for (const d of [...blobs, baseDigest]) await f.metadata.linkBlob(repository, d);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blobs[0], size: config.length },
      layers: [blobs[1], baseDigest].map((digest) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: 1 })),
    }),
  );
  const record = {
    repository,
    digest: sha256(body),
    mediaType: OCI_MANIFEST,
    artifactType: undefined,
    subject: undefined,
    body,
    annotations: undefined,
    createdAt: f.clock.now(),
  };
  await f.metadata.putManifest(record, { blobs: [...blobs, baseDigest], manifests: [] }, `t${i}`);
  await f.metadata.deleteTag(repository, `t${i}`);
}

const shards = new Set<string>();

/**
 * Writes the blob file where the filesystem store keeps it, without the store's per-commit
 * fsyncs: seeding 20,000 durable commits would take minutes and measure the disk, not GC.
 */
async function putBlob(f: Fixture, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const path = f.blobPath(digest);
  if (!shards.has(dirname(path))) {
    await mkdir(dirname(path), { recursive: true });
    shards.add(dirname(path));
  }
  await writeFile(path, bytes);
  return digest;
}
