/**
 * The lifecycle part of the MetadataStore contract (metadata-lifecycle.ts), run by
 * metadataStoreConformance inside its suite. The store may be shared, so every check looks only
 * at this run's names and digests; the store's clock is the wall clock, so "old" and "young"
 * are expressed with cutoffs far in the future or the past.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MetadataBlobUnavailableError,
  MetadataMissingReferencesError,
  type CandidateKind,
  type GcCandidate,
} from '../metadata-lifecycle.js';
import { MetadataUploadMovedError, type ManifestRecord, type MetadataStore } from '../metadata-store.js';

export interface LifecycleSuiteContext {
  store(): MetadataStore;
  repo(label: string): string;
  uploadId(): string;
  blobDigest(label: string): string;
  manifest(repository: string, fields?: Partial<ManifestRecord>): ManifestRecord;
  linkNew(repository: string, size?: number): Promise<string>;
}

const NONE = { blobs: [], manifests: [] };
const FUTURE = () => new Date(Date.now() + 3600_000);
const PAST = new Date(0);

export function metadataLifecycleTests(ctx: LifecycleSuiteContext): void {
  const { store, repo, uploadId, blobDigest, manifest, linkNew } = ctx;

  /** The candidate row for exactly this key, if any. */
  const candidate = async (kind: CandidateKind, repository: string, digest: string): Promise<GcCandidate | undefined> => {
    const after = { kind, repository, digest: digest.slice(0, -1), since: PAST };
    const page = await store().gcCandidates(kind, digest === '' ? { ...after, repository: repository.slice(0, -1) } : after, 50);
    return page.find((c) => c.repository === repository && c.digest === digest);
  };

  test('lifecycle: deleting a tag records it; restoreTag answers every outcome', async () => {
    const r = repo('restore');
    const first = manifest(r);
    await store().putManifest(first, NONE, 'v1');
    assert.equal(await store().deleteTag(r, 'v1'), true);
    const [deleted] = await store().deletedTags(r, PAST);
    assert.deepEqual({ ...deleted, deletedAt: undefined }, { repository: r, tag: 'v1', digest: first.digest, deletedAt: undefined });
    assert.deepEqual(await store().deletedTags(r, FUTURE()), []);
    assert.equal(await store().restoreTag(r, 'v1', FUTURE()), 'expired');
    assert.equal(await store().restoreTag(r, 'nope', PAST), 'unknown');
    assert.equal(await store().restoreTag(r, 'v1', PAST), 'restored');
    assert.equal((await store().manifestByTag(r, 'v1'))?.digest, first.digest);
    assert.equal(await store().restoreTag(r, 'v1', PAST), 'unknown', 'a restored tag is no longer deleted');

    await store().deleteTag(r, 'v1');
    await store().putManifest(manifest(r), NONE, 'v1');
    assert.equal(await store().restoreTag(r, 'v1', PAST), 'tag-exists');
    await store().deleteTag(r, 'v1');
    const second = await store().deletedTags(r, PAST);
    assert.notEqual(second[0]?.digest, first.digest, 'a tag deleted again records its latest manifest');
    await store().deleteManifest(r, second[0]!.digest);
    assert.equal(await store().restoreTag(r, 'v1', PAST), 'manifest-gone');
    assert.ok((await store().purgeDeletedTags(FUTURE())) >= 1);
    assert.deepEqual(await store().deletedTags(r, PAST), []);
  });

  test('lifecycle: deleteRepository deletes every tag restorably and records the repository', async () => {
    const r = repo('rm');
    const m = manifest(r);
    await store().putManifest(m, NONE, 'a');
    await store().putManifest(m, NONE, 'b');
    assert.equal(await store().deleteRepository(r), 2);
    assert.deepEqual(await store().listTags(r, {}), []);
    assert.deepEqual((await store().deletedTags(r, PAST)).map((t) => t.tag), ['a', 'b']);
    assert.ok(await candidate('repository', r, ''));
    assert.ok(await candidate('manifest', r, m.digest));
    assert.equal(await store().deleteRepository(repo('rm-none')), undefined);
  });

  test('lifecycle: writes that can leave something unreferenced record candidates', async () => {
    const r = repo('candidates');
    const fresh = blobDigest('fresh');
    await store().recordBlob(fresh, 3);
    assert.ok(await candidate('blob', '', fresh), 'a new blob');
    const layer = await linkNew(r);
    const child = manifest(r);
    await store().putManifest(child, { blobs: [layer], manifests: [] }, undefined);
    assert.ok(await candidate('manifest', r, child.digest), 'a manifest stored untagged');
    const index = manifest(r);
    await store().putManifest(index, { blobs: [], manifests: [child.digest] }, 'v1');
    assert.equal(await candidate('manifest', r, index.digest), undefined, 'a tagged manifest is not one');
    const sig = manifest(r, { subject: index.digest });
    await store().putManifest(sig, NONE, 'sig');
    await store().putManifest(manifest(r), NONE, 'v1');
    assert.ok(await candidate('manifest', r, index.digest), 'the manifest a moved tag left');

    await store().dropGcCandidates([(await candidate('manifest', r, child.digest))!]);
    assert.equal(await candidate('manifest', r, child.digest), undefined);
    assert.equal(await store().deleteManifest(r, index.digest), true);
    assert.ok(await candidate('manifest', r, child.digest), 'a deleted index makes its children candidates');
    assert.ok(await candidate('manifest', r, sig.digest), 'and its referrers');
    assert.equal(await store().deleteManifest(r, child.digest), true);
    assert.ok(await candidate('blob', '', layer), 'a deleted manifest makes its blobs candidates');
    assert.equal(await candidate('manifest', r, child.digest), undefined, 'a deleted manifest is no candidate');

    const stale = (await candidate('blob', '', layer))!;
    await store().unlinkBlob(r, layer);
    const touched = (await candidate('blob', '', layer))!;
    await store().dropGcCandidates([{ ...stale, since: new Date(stale.since.getTime() - 1) }]);
    assert.ok(await candidate('blob', '', layer), 'a row touched since it was read stays');
    await store().dropGcCandidates([touched]);
    assert.equal(await candidate('blob', '', layer), undefined);
  });

  test('lifecycle: manifestNodes and manifestOutgoing describe the reference graph', async () => {
    const r = repo('graph');
    const layer = await linkNew(r);
    const child = manifest(r);
    await store().putManifest(child, { blobs: [layer], manifests: [] }, undefined);
    const index = manifest(r);
    await store().putManifest(index, { blobs: [], manifests: [child.digest] }, 'v1');
    const sig = manifest(r, { subject: child.digest });
    await store().putManifest(sig, NONE, undefined);
    await store().deleteTag(r, 'v1');
    const nodes = await store().manifestNodes(
      [{ repository: r, digest: child.digest }, { repository: r, digest: index.digest }, { repository: r, digest: blobDigest('absent') }],
      PAST,
    );
    const byDigest = new Map(nodes.map((n) => [n.digest, n]));
    assert.equal(nodes.length, 2, 'absent manifests are left out');
    const c = byDigest.get(child.digest)!;
    assert.deepEqual([c.parents, c.referrers, c.tagged, c.restorable], [[index.digest], [sig.digest], false, false]);
    assert.ok(c.candidateSince instanceof Date);
    const i = byDigest.get(index.digest)!;
    assert.deepEqual([i.tagged, i.restorable, i.subject], [false, true, undefined]);
    assert.equal((await store().manifestNodes([{ repository: r, digest: index.digest }], FUTURE()))[0]?.restorable, false);
    assert.equal((await store().manifestNodes([{ repository: r, digest: sig.digest }], PAST))[0]?.subject, child.digest);
    const out = await store().manifestOutgoing([{ repository: r, digest: index.digest }, { repository: r, digest: child.digest }]);
    assert.deepEqual(
      out.map((o) => [o.digest, o.children, o.blobs]).sort(),
      [[child.digest, [], [layer]], [index.digest, [child.digest], []]].sort(),
    );
  });

  test('lifecycle: blobNodes and repositoryNodes report what decides collection', async () => {
    const r = repo('nodes');
    const other = repo('nodes-other');
    const digest = await linkNew(r, 9);
    await store().linkBlob(other, digest);
    await store().putManifest(manifest(r), { blobs: [digest], manifests: [] }, 't');
    const id = uploadId();
    await store().createUpload({ id, repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() });
    assert.equal(await store().claimUpload(id, digest), true);
    const [node] = await store().blobNodes([digest, blobDigest('absent')]);
    assert.deepEqual({ ...node, createdAt: undefined, lastLinkedAt: undefined }, {
      digest,
      size: 9,
      createdAt: undefined,
      lastLinkedAt: undefined,
      links: [r, other].sort(),
      references: 1,
      claimed: true,
      deleting: false,
    });
    assert.ok(node!.lastLinkedAt instanceof Date);
    const [repoNode] = await store().repositoryNodes([r, repo('nodes-absent')], PAST);
    assert.deepEqual(repoNode, { name: r, manifests: 1, tagged: true, restorable: false, uploading: true, links: [digest] });
    await store().deleteUpload(id);
    await assert.rejects(store().claimUpload(id, digest), 'a finished session cannot claim');
  });

  test('lifecycle: a claim with an advance records the last chunk in the same write, or nothing', async () => {
    const r = repo('claim-advance');
    const digest = blobDigest('claim-advance');
    const id = uploadId();
    await store().createUpload({ id, repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() });
    await store().advanceUpload(id, 0, 4, { hashState: 'sha256 saved' });
    await assert.rejects(store().claimUpload(id, digest, { advance: { from: 3, to: 9 } }), MetadataUploadMovedError);
    const untouched = await store().upload(id);
    assert.deepEqual([untouched?.size, untouched?.claimedDigest, untouched?.hashState], [4, undefined, 'sha256 saved']);
    assert.equal(await store().claimUpload(id, digest, { advance: { from: 4, to: 9 } }), true);
    const claimed = await store().upload(id);
    assert.deepEqual([claimed?.size, claimed?.claimedDigest, claimed?.hashState], [9, digest, undefined]);
    await store().deleteUpload(id);
    await assert.rejects(store().claimUpload(id, digest, { advance: { from: 9, to: 10 } }), /not found/);
  });

  test('lifecycle: tombstoneBlobs re-checks, then refuses links, claims and completions until forgotten', async () => {
    // A live collector holds the lease, as every tombstoning collector does.
    assert.equal(await store().acquireGcLease('suite-tombstoner', FUTURE()), true);
    const r = repo('tombstone');
    const referenced = await linkNew(r);
    await store().putManifest(manifest(r), { blobs: [referenced], manifests: [] }, 'keep');
    const claimed = await linkNew(r);
    const id = uploadId();
    await store().createUpload({ id, repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() });
    await store().claimUpload(id, claimed);
    const loose = await linkNew(r, 11);
    assert.deepEqual(await store().tombstoneBlobs([loose], PAST), [], 'younger than the cutoff');
    const tombstoned = await store().tombstoneBlobs([referenced, claimed, loose, blobDigest('absent')], FUTURE());
    assert.deepEqual(tombstoned, [{ digest: loose, size: 11, links: [r] }]);
    assert.deepEqual(await store().tombstoneBlobs([loose], FUTURE()), [], 'once only');
    assert.ok((await store().tombstonedBlobs()).some((b) => b.digest === loose));

    assert.equal(await store().linkedBlob(r, loose), undefined, 'its links went with the tombstone');
    assert.equal(await store().blob(loose), undefined);
    await assert.rejects(store().linkBlob(r, loose), MetadataBlobUnavailableError);
    await assert.rejects(store().recordBlob(loose, 11), MetadataBlobUnavailableError);
    const waiting = uploadId();
    await store().createUpload({ id: waiting, repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() });
    assert.equal(await store().claimUpload(waiting, loose), false);
    await assert.rejects(store().completeUpload(waiting, loose, 11), MetadataBlobUnavailableError);
    await assert.rejects(store().putManifest(manifest(r), { blobs: [loose], manifests: [] }, 'x'), MetadataMissingReferencesError);

    await store().forgetBlobs([loose]);
    assert.ok(!(await store().tombstonedBlobs()).some((b) => b.digest === loose));
    assert.equal(await store().claimUpload(waiting, loose), true, 'forgotten: the digest can be published afresh');
    await store().completeUpload(waiting, loose, 11);
    assert.deepEqual(await store().linkedBlob(r, loose), { size: 11 });
    await store().releaseGcLease('suite-tombstoner');
    await store().deleteUpload(id);
  });

  test('lifecycle: an orphaned tombstone (no live collector) is lifted by a claim; a collector revives the wanted ones', async () => {
    const r = repo('orphan');
    assert.equal(await store().acquireGcLease('suite-dead', FUTURE()), true);
    const orphan = await linkNew(r, 7);
    const wanted = await linkNew(r, 8);
    const unwanted = await linkNew(r, 9);
    const tombstoned = await store().tombstoneBlobs([orphan, wanted, unwanted], FUTURE());
    assert.equal(tombstoned.length, 3);
    const id = uploadId();
    await store().createUpload({ id, repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() });
    assert.equal(await store().claimUpload(id, orphan), false, 'the collector is alive: wait');
    await store().releaseGcLease('suite-dead');
    assert.equal(await store().claimUpload(id, orphan), true, 'nobody is deleting it: the claim lifts the tombstone');
    assert.ok(!(await store().tombstonedBlobs()).some((b) => b.digest === orphan));
    await store().completeUpload(id, orphan, 7);
    assert.deepEqual(await store().linkedBlob(r, orphan), { size: 7 });

    assert.equal(await store().acquireGcLease('suite-recoverer', FUTURE()), true);
    try {
      // An upload claimed `wanted` before the tombstone could not have; put one on it as a
      // session from before the crash would be, then let the recovering collector judge.
      const claimer = uploadId();
      await store().createUpload({ id: claimer, repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() });
      assert.equal(await store().claimUpload(claimer, wanted), false);
      await store().releaseGcLease('suite-recoverer');
      assert.equal(await store().claimUpload(claimer, wanted), true);
      assert.equal(await store().acquireGcLease('suite-recoverer', FUTURE()), true);
      const settled = await store().reviveTombstones([wanted, unwanted, blobDigest('never')]);
      assert.deepEqual(settled, { revived: [], tombstoned: [unwanted] }, 'the claim already lifted `wanted`');
      await store().forgetBlobs([unwanted]);
      assert.equal(await store().blob(unwanted), undefined);
      await store().deleteUpload(claimer);
    } finally {
      await store().releaseGcLease('suite-recoverer');
    }
  });

  test('lifecycle: a holder cannot extend its own expired lease, and with renewOnly never takes one that is not its own', async () => {
    assert.equal(await store().acquireGcLease('suite-paused', new Date(Date.now() - 1)), true);
    assert.equal(await store().acquireGcLease('suite-paused', FUTURE(), { renewOnly: true }), false, 'expired: uploads may have lifted its tombstones');
    assert.equal(await store().acquireGcLease('suite-paused', FUTURE()), false, 'not even without renewOnly');
    assert.equal(await store().acquireGcLease('suite-next', new Date(Date.now() - 1)), true, 'another collector takes the stale lease');
    assert.equal(await store().acquireGcLease('suite-paused', FUTURE(), { renewOnly: true }), false, 'a run that lost its lease does not win it back');
    assert.equal(await store().acquireGcLease('suite-fresh', FUTURE(), { renewOnly: true }), false, 'renewOnly takes nothing');
    await store().releaseGcLease('suite-next');
    assert.equal(await store().acquireGcLease('suite-fresh', FUTURE(), { renewOnly: true }), false, 'not even a free lease');
  });

  test('lifecycle: the lease records its holder; a stale one taken over is recorded as an interruption', async () => {
    assert.equal(await store().acquireGcLease('suite-first', new Date(Date.now() - 1)), true);
    const stale = await store().gcLease();
    assert.equal(stale?.holder, 'suite-first');
    assert.equal(stale?.stale, true, 'expired');
    assert.equal(typeof stale?.pid, 'number');
    assert.ok(stale?.startedAt instanceof Date && stale.heartbeatAt instanceof Date);
    assert.equal(await store().acquireGcLease('suite-second', FUTURE()), true);
    const live = await store().gcLease();
    assert.equal(live?.holder, 'suite-second');
    assert.equal(live?.stale, false);
    const interruption = await store().lastGcInterruption();
    assert.equal(interruption?.holder, 'suite-first');
    assert.equal(interruption?.cleanedAt, undefined);
    await store().markGcInterruptionsCleaned(new Date());
    assert.ok((await store().lastGcInterruption())?.cleanedAt instanceof Date);
    await store().releaseGcLease('suite-second');
    assert.equal(await store().gcLease(), undefined);
  });

  test('lifecycle: the last collection report is kept as given, the newer replacing the older', async () => {
    assert.equal(await store().lastGcReport(), undefined);
    await store().saveLastGcReport('{"run":1}', new Date());
    await store().saveLastGcReport('{"run":2,"text":"ünïcode"}', new Date());
    assert.equal(await store().lastGcReport(), '{"run":2,"text":"ünïcode"}');
  });

  test('lifecycle: putManifest refuses missing references and writes nothing', async () => {
    const r = repo('refs');
    const linked = await linkNew(r);
    const unlinked = blobDigest('unlinked');
    const child = blobDigest('no-such-manifest');
    const m = manifest(r);
    await assert.rejects(store().putManifest(m, { blobs: [linked, unlinked], manifests: [child] }, 'v1'), (error: unknown) => {
      assert.ok(error instanceof MetadataMissingReferencesError);
      assert.deepEqual(error.missing, [unlinked, child]);
      return true;
    });
    assert.equal(await store().manifest(r, m.digest), undefined);
    assert.deepEqual(await store().listTags(r, {}), []);
  });

  test('lifecycle: deleteGarbageManifests re-checks support and keeps what a kept container holds', async () => {
    const r = repo('sweep');
    const layer = await linkNew(r);
    const child = manifest(r);
    await store().putManifest(child, { blobs: [layer], manifests: [] }, undefined);
    const index = manifest(r);
    await store().putManifest(index, { blobs: [], manifests: [child.digest] }, undefined);
    const tagged = manifest(r);
    await store().putManifest(tagged, NONE, 'v1');
    const keys = [index, child, tagged].map((m) => ({ repository: r, digest: m.digest }));
    const garbage = new Set([index.digest, child.digest, tagged.digest]);
    const check = { cutoff: FUTURE(), restorableSince: FUTURE(), isGarbage: (_: string, d: string) => garbage.has(d) };

    const young = await store().deleteGarbageManifests(keys, { ...check, cutoff: PAST });
    assert.deepEqual([young.deleted, young.kept.length], [[], 3], 'nothing younger than the cutoff goes');
    const notGarbage = await store().deleteGarbageManifests([keys[1]!], { ...check, isGarbage: (_, d) => d === child.digest });
    assert.deepEqual(notGarbage.kept, [keys[1]], 'a live parent keeps its child');

    await store().putManifest(index, { blobs: [], manifests: [child.digest] }, 'late');
    const raced = await store().deleteGarbageManifests(keys, check);
    assert.deepEqual([raced.deleted, raced.kept], [[], keys], 'a kept index keeps its child; a tag keeps its manifest');

    await store().deleteTag(r, 'late');
    await store().deleteTag(r, 'v1');
    const done = await store().deleteGarbageManifests(keys, check);
    assert.deepEqual(done.deleted, keys);
    for (const m of [index, child, tagged]) assert.equal(await store().manifest(r, m.digest), undefined);
    assert.deepEqual(await store().deletedTags(r, PAST), [], 'their deleted tags go with them');
    assert.ok(await candidate('blob', '', layer), 'their blobs become candidates');
  });

  test('lifecycle: removeRepository removes only an empty repository, with its links', async () => {
    const r = repo('remove');
    const digest = await linkNew(r);
    const m = manifest(r);
    await store().putManifest(m, NONE, 'v1');
    await store().deleteRepository(r);
    assert.equal(await store().removeRepository(r, PAST), undefined, 'it still holds a manifest');
    await store().deleteManifest(r, m.digest);
    await store().putManifest(m, NONE, 'v1');
    await store().deleteTag(r, 'v1');
    await store().deleteManifest(r, m.digest);
    assert.equal(await store().removeRepository(r, PAST), undefined, 'a deleted tag is still restorable');
    assert.deepEqual(await store().removeRepository(r, FUTURE()), { links: [digest] });
    assert.equal(await store().hasRepository(r), false);
    assert.equal(await store().linkedBlob(r, digest), undefined);
    assert.equal(await candidate('repository', r, ''), undefined);
    assert.equal(await store().removeRepository(r, FUTURE()), undefined);
  });

  test('lifecycle: one collector lease at a time; rebuild finds what lost its candidate', async () => {
    const until = FUTURE();
    assert.equal(await store().acquireGcLease('suite-a', until), true);
    assert.equal(await store().acquireGcLease('suite-b', until), false);
    assert.equal(await store().acquireGcLease('suite-a', until), true, 'the holder may extend it');
    await store().releaseGcLease('suite-b');
    assert.equal(await store().acquireGcLease('suite-b', until), false, 'only the holder releases');
    await store().releaseGcLease('suite-a');
    assert.equal(await store().acquireGcLease('suite-b', new Date(Date.now() - 1)), true);
    assert.equal(await store().acquireGcLease('suite-a', until), true, 'an expired lease is taken over');
    await store().releaseGcLease('suite-a');

    const r = repo('rebuild');
    const m = manifest(r);
    await store().putManifest(m, NONE, undefined);
    const lone = blobDigest('lone');
    await store().recordBlob(lone, 1);
    const own = [(await candidate('manifest', r, m.digest))!, (await candidate('blob', '', lone))!];
    await store().dropGcCandidates(own);
    assert.ok((await store().rebuildGcCandidates(PAST)) >= 2);
    assert.ok(await candidate('manifest', r, m.digest));
    assert.ok(await candidate('blob', '', lone));
  });
}
