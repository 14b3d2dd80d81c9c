// The collector on the real SQLite and filesystem adapters: what is garbage and what is not,
// grace, restore window, indexes and referrers, dry run, progress, and bytes leaving the disk.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { checkBlobTree } from '../crash/support/store-check.js';
import type { GcProgress } from '../../src/core/lifecycle/gc-report.js';
import { GC_LEASE_MS } from '../../src/core/lifecycle/gc-lease-keeper.js';
import { Fixture, Gate, gates, HOUR, sha256 as sha } from './support/fixture.js';

describe('garbage collection', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await Fixture.create({ graceMs: HOUR, restoreWindowMs: 24 * HOUR });
  });
  afterEach(() => f.close());

  test('a manifest deleted by digest: its unique blobs leave the disk, a shared layer stays', async () => {
    const shared = randomBytes(400);
    const gone = await f.pushImage('app/one', 'v1', { layers: [shared, randomBytes(500)] });
    const kept = await f.pushImage('app/two', 'v1', { layers: [shared] });
    await f.registry.manifests.delete('app/one', gone.digest);
    f.clock.advance(2 * HOUR);
    const before = await checkBlobTree(f.root);

    const report = await f.lifecycle.gc();

    assert.equal(report.manifestsRemoved, 0, 'the manifest was already deleted by the client');
    const unique = gone.blobs.filter((b) => b.digest !== sha(shared));
    assert.deepEqual(report.blobs.map((b) => b.digest), unique.map((b) => b.digest).sort());
    assert.equal(report.bytesFreed, unique.reduce((n, b) => n + b.size, 0));
    for (const b of unique) assert.equal(await f.fileExists(b.digest), false, `${b.digest} must leave the disk`);
    const after = await checkBlobTree(f.root);
    assert.equal(before.bytes - after.bytes, report.bytesFreed, 'the bytes on disk shrink by what the report says');
    assert.deepEqual(after.problems, []);
    await assert.rejects(f.readBlob('app/one', unique[0]!.digest), { kind: 'blob-unknown' });
    for (const b of kept.blobs) assert.equal(await f.readBlob('app/two', b.digest), b.digest);
    assert.equal(await f.readBlob('app/one', sha(shared)), sha(shared), 'the shared layer stays linked where it was');
  });

  test('nothing younger than the grace period is collected; after it, it is', async () => {
    const image = await f.pushImage('grace/a', undefined);
    const stray = await f.pushBlob('grace/a', randomBytes(100));
    f.clock.advance(HOUR - 1);
    const early = await f.lifecycle.gc();
    assert.equal(early.manifestsRemoved + early.blobsRemoved, 0);
    f.clock.advance(2);
    const late = await f.lifecycle.gc();
    assert.equal(late.manifestsRemoved, 1);
    assert.deepEqual(late.repositories[0]?.manifests, [image.digest]);
    assert.deepEqual(late.blobs.map((b) => b.digest).sort(), [...image.blobs.map((b) => b.digest), stray.digest].sort());
    assert.equal(await f.metadata.manifest('grace/a', image.digest), undefined);
  });

  test('the grace period of a moved tag runs from the move, not from the push', async () => {
    const old = await f.pushImage('move/a', 'latest');
    f.clock.advance(10 * HOUR);
    await f.pushImage('move/a', 'latest');
    f.clock.advance(HOUR / 2);
    assert.equal((await f.lifecycle.gc()).manifestsRemoved, 0, 'untagged half an hour ago: still in grace');
    f.clock.advance(HOUR);
    const report = await f.lifecycle.gc();
    assert.deepEqual(report.repositories.map((r) => r.manifests), [[old.digest]]);
    assert.ok((await f.metadata.manifestByTag('move/a', 'latest')) !== undefined);
  });

  test('a deleted tag is restorable and keeps its content until the window ends', async () => {
    const image = await f.pushImage('restore/a', 'v1');
    await f.registry.manifests.delete('restore/a', 'v1');
    f.clock.advance(2 * HOUR);
    assert.equal((await f.lifecycle.gc()).manifestsRemoved, 0, 'restorable: kept');
    assert.deepEqual((await f.lifecycle.deletedTags('restore/a')).map((t) => [t.tag, t.digest]), [['v1', image.digest]]);
    assert.deepEqual(await f.lifecycle.restoreTag('restore/a', 'v1'), { digest: image.digest });
    assert.equal((await f.metadata.manifestByTag('restore/a', 'v1'))?.digest, image.digest);
    await assert.rejects(f.lifecycle.restoreTag('restore/a', 'v1'), { kind: 'not-found' });

    await f.registry.manifests.delete('restore/a', 'v1');
    f.clock.advance(25 * HOUR);
    const report = await f.lifecycle.gc();
    assert.deepEqual(report.repositories[0]?.manifests, [image.digest]);
    for (const b of image.blobs) assert.equal(await f.fileExists(b.digest), false);
    await assert.rejects(f.lifecycle.restoreTag('restore/a', 'v1'), { kind: 'not-found' });
  });

  test('restore refuses a tag in use again and a manifest deleted since', async () => {
    const first = await f.pushImage('restore/b', 'v1');
    await f.registry.manifests.delete('restore/b', 'v1');
    await f.pushImage('restore/b', 'v1');
    await assert.rejects(f.lifecycle.restoreTag('restore/b', 'v1'), { kind: 'conflict' });
    await f.registry.manifests.delete('restore/b', 'v1');
    await f.registry.manifests.delete('restore/b', first.digest);
    // The second delete recorded the newer manifest, which still exists.
    assert.notEqual((await f.lifecycle.restoreTag('restore/b', 'v1')).digest, first.digest);
    await assert.rejects(f.lifecycle.restoreTag('restore/b', 'never'), { kind: 'not-found' });
  });

  test('an index lives with its tag; untagged, it goes with its children, except a child another index keeps', async () => {
    const a = await f.pushImage('multi/x', undefined);
    const b = await f.pushImage('multi/x', undefined);
    const index = await f.pushIndex('multi/x', 'v1', [a, b]);
    await f.pushIndex('multi/x', 'v2', [b]);
    f.clock.advance(2 * HOUR);
    assert.equal((await f.lifecycle.gc()).manifestsRemoved, 0, 'children live through their tagged indexes');

    await f.registry.manifests.delete('multi/x', index.digest);
    f.clock.advance(2 * HOUR);
    const report = await f.lifecycle.gc();
    assert.deepEqual(report.repositories[0]?.manifests, [a.digest]);
    assert.ok(await f.metadata.manifest('multi/x', b.digest));
    for (const blob of b.blobs) assert.equal(await f.readBlob('multi/x', blob.digest), blob.digest);
    for (const blob of a.blobs) assert.equal(await f.fileExists(blob.digest), false);
  });

  test('referrers live with their subject; a tagged referrer keeps its subject; untagged pairs go together', async () => {
    const image = await f.pushImage('sig/x', 'v1');
    const signature = await f.pushImage('sig/x', undefined, { subject: f.descriptor(image), artifactType: 'application/example.sig' });
    f.clock.advance(2 * HOUR);
    assert.equal((await f.lifecycle.gc()).manifestsRemoved, 0);
    assert.ok(await f.metadata.manifest('sig/x', signature.digest), 'a signature of a tagged image stays');

    const subject = await f.pushImage('sig/y', undefined);
    const sbom = await f.pushImage('sig/y', 'sbom', { subject: f.descriptor(subject), artifactType: 'application/example.sbom' });
    f.clock.advance(2 * HOUR);
    assert.equal((await f.lifecycle.gc()).manifestsRemoved, 0, 'an untagged subject of a tagged referrer stays');

    await f.registry.manifests.delete('sig/y', 'sbom');
    await f.registry.manifests.delete('sig/x', 'v1');
    f.clock.advance(25 * HOUR);
    const report = await f.lifecycle.gc();
    assert.deepEqual(
      report.repositories.map((r) => [r.repository, r.manifests]),
      [
        ['sig/x', [image.digest, signature.digest].sort()],
        ['sig/y', [subject.digest, sbom.digest].sort()],
      ],
    );
  });

  test('a dry run reports exactly what the real run then removes, and removes nothing', async () => {
    const shared = randomBytes(256);
    await f.pushImage('dry/a', 'keep', { layers: [shared] });
    const doomed = await f.pushImage('dry/a', 'old', { layers: [shared, randomBytes(64)] });
    await f.pushImage('dry/b', undefined);
    await f.pushBlob('dry/c', randomBytes(32));
    await f.registry.manifests.delete('dry/a', 'old');
    await f.lifecycle.deleteRepository('dry/b');
    f.clock.advance(30 * HOUR);
    const before = await checkBlobTree(f.root);

    const dry = await f.lifecycle.gc({ dryRun: true });
    assert.deepEqual((await checkBlobTree(f.root)).digests, before.digests, 'a dry run deletes nothing');
    assert.ok(await f.metadata.manifest('dry/a', doomed.digest));
    assert.ok(dry.manifestsRemoved >= 2 && dry.blobsRemoved >= 4 && dry.repositoriesRemoved === 1);

    const phases: GcProgress[] = [];
    const real = await f.lifecycle.gc({ onProgress: (p) => phases.push(p) });
    const comparable = (r: typeof dry) => ({ ...r, dryRun: undefined, durationMs: undefined, examined: undefined });
    assert.deepEqual(comparable(real), comparable(dry));
    const after = await checkBlobTree(f.root);
    assert.equal(before.bytes - after.bytes, real.bytesFreed);
    assert.deepEqual([...before.digests].filter((d) => !after.digests.has(d)).sort(), real.blobs.map((b) => b.digest));
    assert.equal(await f.metadata.hasRepository('dry/b'), false, 'a deleted repository goes once empty');
    assert.equal(await f.readBlob('dry/a', sha(shared)), sha(shared));

    const seen = new Set(phases.map((p) => p.phase));
    for (const phase of ['mark', 'manifests', 'repositories', 'blobs', 'done'] as const) assert.ok(seen.has(phase), `progress for ${phase}`);
    const last = phases.filter((p) => p.phase === 'blobs').at(-1);
    assert.equal(last?.done, last?.total);
    assert.equal(phases.at(-1)?.bytesFreed, real.bytesFreed);
    assert.equal((await f.lifecycle.gc()).blobsRemoved, 0, 'a second run finds nothing');
    const stats = f.lifecycle.gcStats();
    assert.equal(stats.runs, 2);
    assert.equal(stats.bytesFreedTotal, real.bytesFreed);
    assert.equal(stats.manifestsRemovedTotal, real.manifestsRemoved);
  });

  test('repository delete: tags restorable, everything goes after the window, shared blobs stay', async () => {
    const shared = randomBytes(128);
    const a = await f.pushImage('rm/a', 'v1', { layers: [shared] });
    const b = await f.pushImage('rm/a', 'v2');
    const other = await f.pushImage('rm/other', 'v1', { layers: [shared] });
    assert.deepEqual(await f.lifecycle.deleteRepository('rm/a'), { tags: 2 });
    assert.deepEqual(await f.metadata.listTags('rm/a', {}), []);
    await assert.rejects(f.lifecycle.deleteRepository('rm/none'), { kind: 'name-unknown' });
    f.clock.advance(2 * HOUR);
    assert.equal((await f.lifecycle.gc()).manifestsRemoved, 0, 'held by the restore window');
    await f.lifecycle.restoreTag('rm/a', 'v2');
    f.clock.advance(25 * HOUR);

    const report = await f.lifecycle.gc();
    assert.deepEqual(report.repositories.map((r) => [r.repository, r.manifests, r.removed]), [['rm/a', [a.digest], false]]);
    assert.ok(await f.metadata.hasRepository('rm/a'), 'the restored tag keeps the repository');
    assert.ok(await f.metadata.manifestByTag('rm/a', 'v2'));
    assert.equal(await f.readBlob('rm/a', b.blobs[1]!.digest), b.blobs[1]!.digest);

    await f.lifecycle.deleteRepository('rm/a');
    f.clock.advance(25 * HOUR);
    const final = await f.lifecycle.gc();
    assert.equal(final.repositoriesRemoved, 1);
    assert.equal(await f.metadata.hasRepository('rm/a'), false);
    assert.ok(!(await f.metadata.listRepositories({})).includes('rm/a'));
    for (const blob of other.blobs) assert.equal(await f.readBlob('rm/other', blob.digest), blob.digest);
    await assert.rejects(f.readBlob('rm/a', sha(shared)), { kind: 'blob-unknown' }, 'the removed repository links nothing');
  });

  test('full mode finds garbage that has no candidate row', async () => {
    const image = await f.pushImage('full/a', 'v1');
    await f.registry.manifests.delete('full/a', image.digest);
    forgetCandidates(f);
    f.clock.advance(2 * HOUR);
    assert.equal((await f.lifecycle.gc()).blobsRemoved, 0, 'without candidates nothing is examined');
    const report = await f.lifecycle.gc({ full: true });
    assert.deepEqual(report.blobs.map((b) => b.digest), image.blobs.map((b) => b.digest).sort());
  });

  test('a collection interrupted after tombstoning is finished by the next one', async () => {
    const image = await f.pushImage('crash/a', undefined);
    f.clock.advance(2 * HOUR);
    const digests = image.blobs.map((b) => b.digest);
    await f.metadata.deleteManifest('crash/a', image.digest);
    assert.equal((await f.metadata.tombstoneBlobs(digests, f.clock.now())).length, digests.length);
    assert.equal(await f.metadata.blob(digests[0]!), undefined, 'a tombstoned blob is not offered for mounts');
    const report = await f.lifecycle.gc();
    assert.deepEqual(report.blobs.map((b) => b.digest), [...digests].sort());
    for (const d of digests) assert.equal(await f.fileExists(d), false);
    assert.deepEqual(await f.metadata.tombstonedBlobs(), []);
  });

  test('a collector whose lease was taken over while it stalled stops before deleting a byte', async () => {
    const image = await f.pushImage('stalled/a', undefined);
    f.clock.advance(2 * HOUR);
    const gate = new Gate('gc:tombstoned');
    f.checkpoint = gates(gate);
    const run = f.lifecycle.gc();
    await gate.reached;
    // Stalled past its lease: another collector may take it (a heartbeat in between only
    // pushes the expiry on, so move the clock past whatever it last wrote).
    let taken = false;
    for (let i = 0; i < 5 && !taken; i++) {
      f.clock.advance(GC_LEASE_MS + 1);
      taken = await f.metadata.acquireGcLease('usurper', new Date(f.clock.now().getTime() + HOUR));
    }
    assert.ok(taken);
    gate.open();
    await assert.rejects(run, { kind: 'conflict', message: /lease was lost/ });
    for (const blob of image.blobs) assert.equal(await f.fileExists(blob.digest), true, `${blob.digest} kept its bytes`);
    await f.metadata.releaseGcLease('usurper');
  });

  test('one collector at a time', async () => {
    let release: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => undefined;
    const atPlan = new Promise<void>((resolve) => (reached = resolve));
    f.checkpoint = async (name) => {
      if (name !== 'gc:planned') return;
      reached();
      await paused;
    };
    const first = f.lifecycle.gc();
    await atPlan;
    f.checkpoint = undefined;
    await assert.rejects(f.lifecycle.gc(), { kind: 'conflict' });
    assert.equal((await f.lifecycle.gc({ dryRun: true })).dryRun, true, 'a dry run needs no lease');
    release();
    await first;
    await f.lifecycle.gc();
    assert.equal(f.lifecycle.gcStats().failedRuns, 1);
  });
});

/** Simulates garbage whose candidate rows were lost (or predate candidates). */
function forgetCandidates(f: Fixture): void {
  const db = new BetterSqlite3(join(f.root, 'berth.db'));
  try {
    db.exec('delete from gc_candidates');
  } finally {
    db.close();
  }
}
