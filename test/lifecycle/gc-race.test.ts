// The collector's protocol against pushes, one interleaving at a time: each test stops one
// side at a checkpoint, runs the other, then lets the first go on. The invariant every test
// ends on: whatever manifest exists can be read back whole, blob by blob.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { Fixture, Gate, gates, HOUR, sha256, type PushedImage } from './support/fixture.js';
import { databaseKinds } from '../support/test-database.js';

// On each database: PostgreSQL runs the two sides' transactions side by side, SQLite one after the other.
for (const database of databaseKinds()) describe(`collector races (deterministic interleavings) on ${database}`, () => {
  let f: Fixture;
  let layer: Buffer;
  let digest: string;

  beforeEach(async () => {
    f = await Fixture.create({ graceMs: HOUR, database });
    // A layer that was in use and is now unreferenced garbage, older than the grace period.
    layer = randomBytes(2048);
    digest = sha256(layer);
    const old = await f.pushImage('race/old', 'v1', { layers: [layer] });
    await f.registry.manifests.delete('race/old', old.digest);
    f.clock.advance(2 * HOUR);
  });
  afterEach(() => f.close());

  async function assertReadable(repository: string, image: PushedImage): Promise<void> {
    const record = await f.registry.manifests.get(repository, image.digest);
    assert.ok(record.body.equals(image.body));
    for (const blob of image.blobs) assert.equal(await f.readBlob(repository, blob.digest), blob.digest, `${blob.digest} readable`);
  }

  test('an upload that claims before the tombstone makes the collector back off', async () => {
    const planned = new Gate('gc:planned');
    f.checkpoint = gates(planned);
    const gc = f.lifecycle.gc();
    await planned.reached;
    const image = await f.pushImage('race/new', 'v1', { layers: [layer] });
    planned.open();
    const report = await gc;
    assert.ok(!report.blobs.some((b) => b.digest === digest), 'the re-pushed layer is not collected');
    assert.ok(report.skipped.blobs >= 1);
    await assertReadable('race/new', image);
  });

  test('an upload of a tombstoned digest waits, then publishes its own copy (the dedupe hazard)', async () => {
    const tombstoned = new Gate('gc:tombstoned', digest);
    f.checkpoint = gates(tombstoned);
    const gc = f.lifecycle.gc();
    await tombstoned.reached;
    let claims = 0;
    f.checkpoint = async (name, digests) => {
      if (tombstoned.matches(name, digests)) await tombstoned.wait();
      if (name === 'upload:claimed') claims++;
    };
    // The upload's first claim is refused; it then waits here until the collector is done.
    let waiting: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => (waiting = resolve));
    const collected = gc.then(() => undefined);
    f.sleep = async () => {
      waiting();
      await collected;
    };
    const upload = f.pushBlob('race/new', layer);
    await refused;
    assert.equal(claims, 0, 'no claim while the digest is tombstoned');
    assert.equal(await f.fileExists(digest), true, 'the old bytes are still there: committing now would keep them');
    tombstoned.open();
    await Promise.all([gc, upload]);
    assert.equal(claims, 1);
    assert.equal(await f.fileExists(digest), true, 'the upload published its staged copy after the delete');
    const image = await f.pushImage('race/new', 'v1', { layers: [layer] });
    await assertReadable('race/new', image);
  });

  test('an upload that cannot claim in time answers 429 and succeeds when retried', async () => {
    const tombstoned = new Gate('gc:tombstoned', digest);
    f.checkpoint = gates(tombstoned);
    const gc = f.lifecycle.gc();
    await tombstoned.reached;
    const session = await f.registry.uploads.start('race/new');
    await assert.rejects(f.registry.uploads.complete('race/new', session.id, digest, Readable.from([layer])), {
      kind: 'too-many-requests',
    });
    tombstoned.open();
    await gc;
    assert.deepEqual(await f.registry.uploads.complete('race/new', session.id, digest), { digest, size: layer.length });
    assert.equal(await f.readBlob('race/new', digest), digest);
  });

  test('a mount checked before the tombstone but linking after it is refused', async () => {
    const checked = new Gate('mount:checked', digest);
    const tombstoned = new Gate('gc:tombstoned', digest);
    f.checkpoint = gates(checked, tombstoned);
    const mount = f.registry.blobs.mount('race/new', digest, 'race/old');
    await checked.reached;
    const gc = f.lifecycle.gc();
    await tombstoned.reached;
    checked.open();
    assert.equal(await mount, undefined, 'the client is told to upload instead');
    tombstoned.open();
    const report = await gc;
    assert.ok(report.blobs.some((b) => b.digest === digest));
    assert.equal(await f.metadata.linkedBlob('race/new', digest), undefined);
    assert.equal(await f.fileExists(digest), false);
  });

  test('a mount of a tombstoned blob is refused; a mount before the collector decides keeps the blob', async () => {
    const tombstoned = new Gate('gc:tombstoned', digest);
    f.checkpoint = gates(tombstoned);
    const gc = f.lifecycle.gc();
    await tombstoned.reached;
    assert.equal(await f.registry.blobs.mount('race/new', digest, undefined), undefined);
    tombstoned.open();
    await gc;

    const again = await f.pushImage('race/again', undefined, { layers: [layer] });
    await f.registry.manifests.delete('race/again', again.digest);
    f.clock.advance(2 * HOUR);
    const planned = new Gate('gc:planned');
    f.checkpoint = gates(planned);
    const second = f.lifecycle.gc();
    await planned.reached;
    assert.deepEqual(await f.registry.blobs.mount('race/new', digest, 'race/again'), { size: layer.length });
    planned.open();
    const report = await second;
    assert.ok(!report.blobs.some((b) => b.digest === digest), 'a fresh link is not collected');
    assert.equal(await f.readBlob('race/new', digest), digest);
  });

  test('a manifest checked before the collection but stored after it is refused, then pushed again', async () => {
    // The layer is still linked in race/old: a client there sees it and skips the upload.
    const config = await f.pushBlob('race/old', Buffer.from('{"fresh":true}'));
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: layer.length }],
      }),
    );
    const parsed = new Gate('manifest:parsed', sha256(body));
    f.checkpoint = gates(parsed);
    const put = f.registry.manifests.put('race/old', 'v2', body, 'application/vnd.oci.image.manifest.v1+json');
    await parsed.reached;
    const report = await f.lifecycle.gc();
    assert.ok(report.blobs.some((b) => b.digest === digest));
    parsed.open();
    await assert.rejects(put, { kind: 'manifest-blob-unknown' });
    assert.equal(await f.metadata.manifestByTag('race/old', 'v2'), undefined);

    await f.pushBlob('race/old', layer);
    await f.registry.manifests.put('race/old', 'v2', body, 'application/vnd.oci.image.manifest.v1+json');
    await assertReadable('race/old', { digest: sha256(body), body, blobs: [config, { mediaType: '', digest, size: layer.length }] });
  });

  test('an index pushed while the collector decides keeps its child (and the child its blobs)', async () => {
    const child = await f.pushImage('race/idx', undefined);
    f.clock.advance(2 * HOUR);
    const planned = new Gate('gc:planned');
    f.checkpoint = gates(planned);
    const gc = f.lifecycle.gc();
    await planned.reached;
    await f.pushIndex('race/idx', 'v1', [child]);
    planned.open();
    const report = await gc;
    assert.equal(report.skipped.manifests, 1);
    assert.ok(report.skipped.blobs >= child.blobs.length);
    await assertReadable('race/idx', child);
  });

  test('an index pushed after its child was collected is refused', async () => {
    const child = await f.pushImage('race/idx', undefined);
    f.clock.advance(2 * HOUR);
    const tombstoned = new Gate('gc:tombstoned');
    f.checkpoint = gates(tombstoned);
    const gc = f.lifecycle.gc();
    await tombstoned.reached;
    await assert.rejects(f.pushIndex('race/idx', 'v1', [child]), { kind: 'manifest-blob-unknown' });
    tombstoned.open();
    await gc;
    assert.deepEqual(await f.metadata.listTags('race/idx', {}), []);
  });
});
