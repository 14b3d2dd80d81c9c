/**
 * The usage part of the MetadataStore contract (metadata-usage.ts), run by
 * metadataStoreConformance inside its suite: kept counters and their recount, the quota
 * condition of putManifest, project listings, pull stamps, what retention sees and its
 * conditional deletes. Each test works in projects of its own (a fresh first path segment under
 * the run's prefix), so exact numbers hold on a shared store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetadataQuotaExceededError, type ProjectUsage } from '../metadata-usage.js';
import type { LifecycleSuiteContext } from './metadata-lifecycle-tests.js';

const NONE = { blobs: [], manifests: [] };
const PAST = new Date(0);
const FUTURE = () => new Date(Date.now() + 3600_000);
const INDEX = 'application/vnd.oci.image.index.v1+json';

function byDigest(values: string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function metadataUsageTests(ctx: LifecycleSuiteContext): void {
  const { store, repo, blobDigest, manifest } = ctx;

  /** A project no other test writes to: `<run>-<label>-<n>`. */
  const project = (label: string): string => repo(label).replace('/', '-');

  /** Records a blob of `size` and links it into each of `repositories`. */
  const blobIn = async (size: number, ...repositories: string[]): Promise<string> => {
    const digest = blobDigest(`usage-${size}`);
    await store().recordBlob(digest, size);
    for (const r of repositories) await store().linkBlob(r, digest);
    return digest;
  };

  const usage = (p: string, blobs: number, blobBytes: number, manifests: number, manifestBytes: number): ProjectUsage => ({
    project: p,
    blobs,
    blobBytes,
    manifests,
    manifestBytes,
  });

  /** The kept counters of `p`, checked against a recount. */
  const counted = async (p: string): Promise<ProjectUsage[]> => {
    const kept = await store().projectUsage(p);
    assert.deepEqual(kept, await store().recountProjectUsage(p), `counters of ${p} equal a recount`);
    return kept;
  };

  test('usage: each referenced blob counts once per project, each manifest body once per repository', async () => {
    const p = project('usage');
    const q = project('usage');
    const [pa, pb, qa] = [`${p}/a`, `${p}/b/deep`, `${q}/a`];
    const shared = await blobIn(1000, pa, pb, qa);
    const x = await blobIn(200, pa);
    const y = await blobIn(300, pb);
    const m1 = manifest(pa);
    const m2 = manifest(pb);
    const m3 = manifest(qa);
    await store().putManifest(m1, { blobs: [shared, x, x], manifests: [] }, 't');
    await store().putManifest(m2, { blobs: [shared, y], manifests: [] }, 't');
    await store().putManifest(m3, { blobs: [shared], manifests: [] }, undefined);
    const both = usage(p, 3, 1500, 2, m1.body.length + m2.body.length);
    assert.deepEqual(await counted(p), [both]);
    assert.deepEqual(await counted(q), [usage(q, 1, 1000, 1, m3.body.length)]);
    assert.equal(await store().projectHoldsBlob(p, x), true);
    assert.equal(await store().projectHoldsBlob(q, x), false, 'linked is not held: no manifest of q references it');
    assert.deepEqual(await store().repositoryUsage(p), [
      { repository: pa, blobs: 2, blobBytes: 1200, manifests: 1, manifestBytes: m1.body.length },
      { repository: pb, blobs: 2, blobBytes: 1300, manifests: 1, manifestBytes: m2.body.length },
    ]);
    const all = await store().projectUsage();
    assert.deepEqual(all.filter((u) => u.project === p || u.project === q), [both, usage(q, 1, 1000, 1, m3.body.length)].sort((a, b) => (a.project < b.project ? -1 : 1)));

    // Re-putting a stored manifest, under its tag or another, adds nothing.
    await store().putManifest(m1, { blobs: [shared, x], manifests: [] }, 't');
    await store().putManifest(m1, { blobs: [shared, x], manifests: [] }, 'other');
    assert.deepEqual(await counted(p), [both]);
    // The same manifest in another repository of the project: its body again, its blobs not.
    const pc = `${p}/c`;
    await store().linkBlob(pc, shared);
    await store().linkBlob(pc, x);
    await store().putManifest({ ...m1, repository: pc }, { blobs: [shared, x], manifests: [] }, undefined);
    assert.deepEqual(await counted(p), [usage(p, 3, 1500, 3, 2 * m1.body.length + m2.body.length)]);

    // A blob leaves the usage with its last reference in the project.
    assert.equal(await store().deleteManifest(pa, m1.digest), true);
    assert.deepEqual(await counted(p), [usage(p, 3, 1500, 2, m1.body.length + m2.body.length)]);
    assert.equal(await store().deleteManifest(pc, m1.digest), true);
    assert.deepEqual(await counted(p), [usage(p, 2, 1300, 1, m2.body.length)]);
    assert.equal(await store().deleteManifest(pb, m2.digest), true);
    assert.deepEqual(await counted(p), [], 'a project holding nothing has no usage row');
    assert.equal(await store().projectHoldsBlob(p, shared), false);
    assert.deepEqual(await counted(q), [usage(q, 1, 1000, 1, m3.body.length)], 'other projects are untouched');
    assert.ok(!(await store().projectUsage()).some((u) => u.project === p));
  });

  test('usage: blobs a proxied manifest references unlinked count once per project, new or held', async () => {
    const p = project('lazy');
    const [pa, pb] = [`${p}/a`, `${p}/b`];
    const linked = await blobIn(700, pa, pb);
    // Recorded (its size declared by the upstream's manifest) but linked nowhere yet.
    const unlinked = blobDigest('usage-lazy-unlinked');
    await store().recordBlob(unlinked, 50);
    const m1 = manifest(pa);
    const m2 = manifest(pb);
    await store().putManifest(m1, { blobs: [linked, unlinked], manifests: [] }, 't', { lazyReferences: true });
    assert.deepEqual(await counted(p), [usage(p, 2, 750, 1, m1.body.length)]);
    // A second manifest in the project referencing both: held already, so only its body adds.
    await store().putManifest(m2, { blobs: [unlinked, linked], manifests: [] }, 't', { lazyReferences: true });
    assert.deepEqual(await counted(p), [usage(p, 2, 750, 2, m1.body.length + m2.body.length)]);
    assert.equal(await store().projectHoldsBlob(p, unlinked), true);
  });

  test('usage: a put past quotaBytes is refused with the numbers and writes nothing; exactly full is accepted', async () => {
    const p = project('quota');
    const r = `${p}/app`;
    const layer = await blobIn(500, r);
    const first = manifest(r);
    const needs = 500 + first.body.length;
    await assert.rejects(
      store().putManifest(first, { blobs: [layer], manifests: [] }, 'v1', { quotaBytes: needs - 1 }),
      (error: unknown) => {
        assert.ok(error instanceof MetadataQuotaExceededError);
        assert.deepEqual(
          [error.project, error.usedBytes, error.addingBytes, error.limitBytes],
          [p, 0, needs, needs - 1],
        );
        return true;
      },
    );
    assert.equal(await store().manifest(r, first.digest), undefined);
    assert.equal(await store().manifestByTag(r, 'v1'), undefined);
    assert.deepEqual(await store().listTags(r, {}), []);
    assert.deepEqual(await counted(p), []);

    await store().putManifest(first, { blobs: [layer], manifests: [] }, 'v1', { quotaBytes: needs });
    assert.deepEqual(await counted(p), [usage(p, 1, 500, 1, first.body.length)]);

    // Held blobs cost nothing more: only the new body needs room.
    const second = manifest(r);
    await assert.rejects(
      store().putManifest(second, { blobs: [layer], manifests: [] }, 'v2', { quotaBytes: needs + second.body.length - 1 }),
      (error: unknown) => error instanceof MetadataQuotaExceededError && error.usedBytes === needs && error.addingBytes === second.body.length,
    );
    await store().putManifest(second, { blobs: [layer], manifests: [] }, 'v2', { quotaBytes: needs + second.body.length });
    // A tag moved to a stored manifest adds nothing, so even a quota of zero allows it.
    await store().putManifest(first, { blobs: [layer], manifests: [] }, 'v2', { quotaBytes: 0 });
    assert.equal((await store().manifestByTag(r, 'v2'))?.digest, first.digest);
    assert.deepEqual(await counted(p), [usage(p, 1, 500, 2, first.body.length + second.body.length)]);
  });

  test('usage: projectRepositories lists the project and its sub-paths, never a neighbouring project', async () => {
    const p = project('repos');
    const names = [p, `${p}/a`, `${p}/b/c`, `${p}-x/a`, `${p}0/a`, `${p}.x/a`, `${p}_x/a`, `${p}x`];
    const digest = await blobIn(1);
    for (const name of names) await store().linkBlob(name, digest);
    assert.deepEqual(await store().projectRepositories(p), [p, `${p}/a`, `${p}/b/c`]);
  });

  test('usage: recordPulls keeps the newest stamp; retentionView shows push and pull times', async () => {
    const r = repo('pulls');
    const a = manifest(r);
    const b = manifest(r);
    const before = Date.now();
    await store().putManifest(a, NONE, 'a');
    await store().putManifest(b, NONE, 'b');
    await store().putManifest(b, NONE, 'b2');
    const after = Date.now();
    const newer = new Date(Date.UTC(2031, 0, 2));
    const older = new Date(Date.UTC(2031, 0, 1));
    await store().recordPulls([]);
    await store().recordPulls([{ repository: r, digest: b.digest, at: newer }]);
    await store().recordPulls([
      { repository: r, digest: b.digest, at: older },
      { repository: r, digest: blobDigest('no such manifest'), at: newer },
    ]);
    const view = await store().retentionView(r, PAST);
    assert.equal(view.repository, r);
    assert.deepEqual(
      view.tags.map((t) => [t.tag, t.digest, t.lastPulledAt]),
      [
        ['a', a.digest, undefined],
        ['b', b.digest, newer],
        ['b2', b.digest, newer],
      ],
    );
    for (const t of view.tags) {
      assert.ok(t.pushedAt.getTime() >= before && t.pushedAt.getTime() <= after, `pushedAt of ${t.tag} is the time of the put`);
    }
    assert.deepEqual(view.untagged, []);
    const empty = repo('nothing');
    assert.deepEqual(await store().retentionView(empty, PAST), { repository: empty, tags: [], untagged: [] });
  });

  test('usage: retentionView.untagged lists what nothing keeps, with its creation time', async () => {
    const r = repo('untagged');
    const plain = manifest(r);
    const tagged = manifest(r);
    const child = manifest(r);
    const index = manifest(r, { mediaType: INDEX });
    const referrer = manifest(r, { subject: tagged.digest });
    const orphan = manifest(r, { subject: blobDigest('absent subject') });
    const deleted = manifest(r);
    await store().putManifest(plain, NONE, undefined);
    await store().putManifest(tagged, NONE, 'tagged');
    await store().putManifest(child, NONE, undefined);
    await store().putManifest(index, { blobs: [], manifests: [child.digest] }, 'index');
    await store().putManifest(referrer, NONE, undefined);
    await store().putManifest(orphan, NONE, undefined);
    await store().putManifest(deleted, NONE, 'gone');
    await store().deleteTag(r, 'gone');

    const view = await store().retentionView(r, PAST);
    assert.deepEqual(view.untagged, byDigest([plain.digest, orphan.digest]).map((digest) => ({ digest, createdAt: plain.createdAt })));
    assert.deepEqual(view.tags.map((t) => t.tag), ['index', 'tagged']);
    const later = await store().retentionView(r, FUTURE());
    assert.deepEqual(later.untagged.map((m) => m.digest), byDigest([plain.digest, orphan.digest, deleted.digest]), 'past the window');
  });

  test('usage: deleteTagIf deletes only while the tag names the digest, and restorably', async () => {
    const r = repo('delete-tag-if');
    const first = manifest(r);
    const second = manifest(r);
    await store().putManifest(first, NONE, 'a');
    await store().putManifest(second, NONE, undefined);
    assert.equal(await store().deleteTagIf(r, 'a', second.digest), false, 'the tag names another digest');
    assert.equal((await store().manifestByTag(r, 'a'))?.digest, first.digest);
    assert.equal(await store().deleteTagIf(r, 'nope', first.digest), false);
    assert.equal(await store().deleteTagIf(r, 'a', first.digest), true);
    assert.equal(await store().manifestByTag(r, 'a'), undefined);
    assert.ok(await store().manifest(r, first.digest), 'the manifest stays');
    assert.deepEqual((await store().deletedTags(r, PAST)).map((t) => [t.tag, t.digest]), [['a', first.digest]]);
    assert.equal(await store().deleteTagIf(r, 'a', first.digest), false, 'already gone');
    assert.equal(await store().restoreTag(r, 'a', PAST), 'restored');
  });

  test('usage: deleteUntaggedManifest deletes only an untagged manifest nothing keeps, created before the cutoff', async () => {
    const p = project('untagged-delete');
    const r = `${p}/app`;
    const layer = await blobIn(700, r);
    const plain = manifest(r);
    const tagged = manifest(r);
    const child = manifest(r);
    const index = manifest(r, { mediaType: INDEX });
    const referrer = manifest(r, { subject: tagged.digest });
    const deleted = manifest(r);
    await store().putManifest(plain, { blobs: [layer], manifests: [] }, undefined);
    await store().putManifest(tagged, NONE, 'tagged');
    await store().putManifest(child, NONE, undefined);
    await store().putManifest(index, { blobs: [], manifests: [child.digest] }, 'index');
    await store().putManifest(referrer, NONE, undefined);
    await store().putManifest(deleted, NONE, 'gone');
    await store().deleteTag(r, 'gone');
    const before = (await counted(p))[0]!;

    const createdAt = plain.createdAt;
    assert.equal(await store().deleteUntaggedManifest(r, plain.digest, createdAt, PAST), false, 'not created before the cutoff');
    assert.equal(await store().deleteUntaggedManifest(r, tagged.digest, FUTURE(), PAST), false, 'tagged');
    assert.equal(await store().deleteUntaggedManifest(r, child.digest, FUTURE(), PAST), false, 'an index child');
    assert.equal(await store().deleteUntaggedManifest(r, referrer.digest, FUTURE(), PAST), false, 'a referrer of a stored manifest');
    assert.equal(await store().deleteUntaggedManifest(r, deleted.digest, FUTURE(), PAST), false, 'a restorable deleted tag');
    assert.equal(await store().deleteUntaggedManifest(r, blobDigest('absent'), FUTURE(), PAST), false, 'absent');
    assert.deepEqual(await counted(p), [before]);

    assert.equal(await store().deleteUntaggedManifest(r, plain.digest, new Date(createdAt.getTime() + 1), PAST), true);
    assert.equal(await store().manifest(r, plain.digest), undefined);
    assert.deepEqual(await counted(p), [usage(p, before.blobs - 1, before.blobBytes - 700, before.manifests - 1, before.manifestBytes - plain.body.length)]);
    assert.equal(await store().deleteUntaggedManifest(r, deleted.digest, FUTURE(), FUTURE()), true, 'past the restore window');
    assert.equal(await store().deleteUntaggedManifest(r, plain.digest, FUTURE(), PAST), false, 'already gone');
    await counted(p);
  });
}
