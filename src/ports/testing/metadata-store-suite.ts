/**
 * The MetadataStore contract as a test suite: every adapter (SQLite, PostgreSQL) runs exactly
 * this. An adapter's test file only says how to build a store and tear it down; the suite
 * runs `migrate()` itself.
 *
 * One store serves the whole suite, so it may be a shared database: every name is under a
 * random per-run prefix, each test uses repositories of its own, and listings are checked
 * only within the prefix. Uploads are the only records the port can remove completely; the
 * last test checks none were left behind. The rest is removed by the adapter's teardown.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MetadataUploadLimitError, type ManifestRecord, type MetadataStore } from '../metadata-store.js';
import { metadataLifecycleTests } from './metadata-lifecycle-tests.js';
import { metadataUsageTests } from './metadata-usage-tests.js';

export interface MetadataStoreHarness {
  store: MetadataStore;
  teardown: () => Promise<void>;
}

const INDEX = 'application/vnd.oci.image.index.v1+json';
const IMAGE = 'application/vnd.oci.image.manifest.v1+json';

function sha256(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** Sorts as the contract means "lexical": by code unit, which is by byte for ASCII names. */
function byteOrder(values: string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function metadataStoreConformance(name: string, build: () => Promise<MetadataStoreHarness>): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    const run = `conformance-${randomBytes(4).toString('hex')}`;
    let harness: MetadataStoreHarness | undefined;
    let sequence = 0;
    const uploadIds: string[] = [];

    const store = (): MetadataStore => {
      if (harness === undefined) throw new Error('the store was not built');
      return harness.store;
    };
    const repo = (label: string): string => `${run}/${label}-${++sequence}`;
    const uploadId = (): string => {
      const id = `${run}-upload-${++sequence}`;
      uploadIds.push(id);
      return id;
    };
    const blobDigest = (label: string): string => sha256(`${run} blob ${label} ${++sequence}`);

    /** A manifest whose bytes are not a normalised JSON encoding, plus a NUL and 0xff. */
    const manifest = (repository: string, fields: Partial<ManifestRecord> = {}): ManifestRecord => {
      const text = `{ "schemaVersion":2,\n  "nonce": "${run}-${++sequence}" }\n`;
      const body = fields.body ?? Buffer.concat([Buffer.from(text), Buffer.from([0x00, 0xff, 0x0a])]);
      return {
        repository,
        digest: sha256(body),
        mediaType: IMAGE,
        artifactType: undefined,
        subject: undefined,
        annotations: undefined,
        createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
        ...fields,
        body,
      };
    };

    const linkNew = async (repository: string, size = 42): Promise<string> => {
      const digest = blobDigest(repository);
      await store().recordBlob(digest, size);
      await store().linkBlob(repository, digest);
      return digest;
    };

    before(async () => {
      harness = await build();
      await harness.store.migrate();
    });
    after(async () => {
      await harness?.teardown();
    });

    test('migrate runs again harmlessly and the store still works', async () => {
      await store().migrate();
      await store().migrate();
      const r = repo('migrate');
      const digest = await linkNew(r, 7);
      assert.deepEqual(await store().linkedBlob(r, digest), { size: 7 });
    });

    test('ping resolves', async () => {
      await store().ping();
    });

    test('an aborted signal rejects without writing', async () => {
      const digest = blobDigest('aborted');
      await assert.rejects(store().recordBlob(digest, 1, { signal: AbortSignal.abort() }));
      assert.equal(await store().blob(digest), undefined);
    });

    test('recordBlob is idempotent and blob reports the size', async () => {
      const digest = blobDigest('record');
      assert.equal(await store().blob(digest), undefined);
      await store().recordBlob(digest, 1234);
      await store().recordBlob(digest, 1234);
      assert.deepEqual(await store().blob(digest), { size: 1234 });
    });

    test('sizes beyond 32 bits survive', async () => {
      const digest = blobDigest('large');
      await store().recordBlob(digest, 2 ** 40 + 3);
      assert.deepEqual(await store().blob(digest), { size: 2 ** 40 + 3 });
    });

    test('linkBlob creates the repository, is idempotent and links only there', async () => {
      const r = repo('link');
      const other = repo('link-other');
      const digest = blobDigest('link');
      await store().recordBlob(digest, 99);
      assert.equal(await store().hasRepository(r), false);
      assert.equal(await store().linkedBlob(r, digest), undefined);

      await store().linkBlob(r, digest);
      await store().linkBlob(r, digest);
      assert.equal(await store().hasRepository(r), true);
      assert.deepEqual(await store().linkedBlob(r, digest), { size: 99 });
      assert.deepEqual(await store().listRepositories({ last: r.slice(0, -1), limit: 1 }), [r]);
      assert.equal(await store().linkedBlob(other, digest), undefined);
      assert.equal(await store().hasRepository(other), false);
    });

    test('linkBlob rejects an unrecorded blob and creates nothing', async () => {
      const r = repo('link-unrecorded');
      await assert.rejects(store().linkBlob(r, blobDigest('never-recorded')));
      assert.equal(await store().hasRepository(r), false);
    });

    test('unlinkBlob removes the link only', async () => {
      const r = repo('unlink');
      const digest = await linkNew(r, 5);
      assert.equal(await store().unlinkBlob(r, digest), true);
      assert.equal(await store().unlinkBlob(r, digest), false);
      assert.equal(await store().linkedBlob(r, digest), undefined);
      assert.deepEqual(await store().blob(digest), { size: 5 });
      assert.equal(await store().unlinkBlob(repo('unlink-never'), digest), false);
    });

    test('missingBlobs answers per repository, once per digest, in order', async () => {
      const r = repo('missing-blobs');
      const a = await linkNew(r);
      const b = await linkNew(r);
      const recordedOnly = blobDigest('recorded-only');
      await store().recordBlob(recordedOnly, 1);
      const elsewhere = await linkNew(repo('missing-blobs-other'));
      const unknown = blobDigest('unknown');
      assert.deepEqual(
        await store().missingBlobs(r, [recordedOnly, a, elsewhere, recordedOnly, b, unknown]),
        [recordedOnly, elsewhere, unknown],
      );
      assert.deepEqual(await store().missingBlobs(r, []), []);
      assert.deepEqual(await store().missingBlobs(r, [a, b]), []);
    });

    test('missingBlobs handles lists longer than any single query batch', async () => {
      const r = repo('missing-many');
      const digests = Array.from({ length: 1300 }, (_, i) => blobDigest(`many-${i}`));
      const linked = [0, 299, 300, 301, 599, 600, 1299];
      for (const i of linked) {
        await store().recordBlob(digests[i], i);
        await store().linkBlob(r, digests[i]);
      }
      const expected = digests.filter((_, i) => !linked.includes(i));
      assert.deepEqual(await store().missingBlobs(r, digests), expected);
    });

    test('putManifest creates the repository and keeps the bytes exactly', async () => {
      const r = repo('put');
      const subject = sha256('some subject');
      const record = manifest(r, {
        mediaType: IMAGE,
        artifactType: 'application/vnd.example.thing',
        subject,
        annotations: { 'org.opencontainers.image.title': 'x', 'a.b': 'ünïcode' },
      });
      await store().putManifest(record, { blobs: [], manifests: [] }, undefined);
      assert.equal(await store().hasRepository(r), true);

      const got = await store().manifest(r, record.digest);
      assert.ok(got !== undefined);
      assert.ok(Buffer.isBuffer(got.body), 'body must be a Buffer');
      assert.ok(got.body.equals(record.body), 'body must be byte-identical');
      assert.equal(sha256(got.body), record.digest);
      assert.deepEqual({ ...got, body: undefined }, { ...record, body: undefined });
      assert.equal(await store().manifest(repo('put-other'), record.digest), undefined);
      assert.deepEqual(await store().listTags(r, {}), []);
    });

    test('optional manifest fields come back undefined, not null', async () => {
      const r = repo('put-bare');
      const record = manifest(r);
      await store().putManifest(record, { blobs: [], manifests: [] }, 'bare');
      for (const got of [await store().manifest(r, record.digest), await store().manifestByTag(r, 'bare')]) {
        assert.ok(got !== undefined);
        assert.equal(got.artifactType, undefined);
        assert.equal(got.subject, undefined);
        assert.equal(got.annotations, undefined);
        assert.equal(got.createdAt.getTime(), record.createdAt.getTime());
      }
    });

    test('putManifest tags; a later put moves the tag; a re-put keeps the original record', async () => {
      const r = repo('tags-move');
      const first = manifest(r);
      const second = manifest(r);
      await store().putManifest(first, { blobs: [], manifests: [] }, 'latest');
      assert.equal((await store().manifestByTag(r, 'latest'))?.digest, first.digest);

      await store().putManifest(second, { blobs: [], manifests: [] }, 'latest');
      const moved = await store().manifestByTag(r, 'latest');
      assert.equal(moved?.digest, second.digest);
      assert.ok(moved?.body.equals(second.body));
      assert.ok(await store().manifest(r, first.digest), 'the untagged manifest stays');

      const again = { ...first, createdAt: new Date(Date.UTC(2030, 0, 1)), annotations: { changed: 'yes' } };
      await store().putManifest(again, { blobs: [], manifests: [] }, 'latest');
      const kept = await store().manifestByTag(r, 'latest');
      assert.equal(kept?.digest, first.digest);
      assert.equal(kept?.createdAt.getTime(), first.createdAt.getTime());
      assert.equal(kept?.annotations, undefined);
      assert.deepEqual(await store().listTags(r, {}), ['latest']);

      assert.equal(await store().manifestByTag(r, 'nope'), undefined);
      assert.equal(await store().manifestByTag(repo('tags-move-other'), 'latest'), undefined);
    });

    test('missingManifests answers per repository, once per digest, in order', async () => {
      const r = repo('missing-manifests');
      const a = manifest(r);
      const elsewhere = manifest(repo('missing-manifests-other'));
      await store().putManifest(a, { blobs: [], manifests: [] }, undefined);
      await store().putManifest(elsewhere, { blobs: [], manifests: [] }, undefined);
      const unknown = sha256('unknown manifest');
      assert.deepEqual(await store().missingManifests(r, [unknown, a.digest, elsewhere.digest, unknown]), [
        unknown,
        elsewhere.digest,
      ]);
      assert.deepEqual(await store().missingManifests(r, []), []);
    });

    test('deleteManifest removes its tags and references, nothing else', async () => {
      const r = repo('delete-manifest');
      const layer = await linkNew(r);
      const config = await linkNew(r);
      const child = manifest(r);
      await store().putManifest(child, { blobs: [config, layer], manifests: [] }, 'child');
      const index = manifest(r, { mediaType: INDEX });
      const indexRefs = { blobs: [], manifests: [child.digest] };
      await store().putManifest(index, indexRefs, 'one');
      await store().putManifest(index, indexRefs, 'two');
      const other = manifest(r);
      await store().putManifest(other, { blobs: [layer, layer], manifests: [] }, 'other');

      assert.equal(await store().deleteManifest(r, index.digest), true);
      assert.equal(await store().manifest(r, index.digest), undefined);
      assert.equal(await store().manifestByTag(r, 'one'), undefined);
      assert.equal(await store().manifestByTag(r, 'two'), undefined);
      assert.equal((await store().manifestByTag(r, 'other'))?.digest, other.digest);
      assert.equal((await store().manifestByTag(r, 'child'))?.digest, child.digest);
      assert.deepEqual(await store().listTags(r, {}), ['child', 'other']);
      assert.deepEqual(await store().linkedBlob(r, layer), { size: 42 });
      assert.equal(await store().deleteManifest(r, index.digest), false);

      // A manifest that an index still points at can be deleted, and a deleted one pushed again.
      assert.equal(await store().deleteManifest(r, child.digest), true);
      await store().putManifest(child, { blobs: [config, layer], manifests: [] }, 'child');
      assert.equal((await store().manifestByTag(r, 'child'))?.digest, child.digest);
      await store().putManifest(index, indexRefs, 'one');
      assert.equal((await store().manifestByTag(r, 'one'))?.digest, index.digest);
      assert.equal(await store().deleteManifest(repo('delete-manifest-other'), child.digest), false);
    });

    test('deleteTag removes one tag, not the manifest', async () => {
      const r = repo('delete-tag');
      const record = manifest(r);
      await store().putManifest(record, { blobs: [], manifests: [] }, 'a');
      await store().putManifest(record, { blobs: [], manifests: [] }, 'b');
      assert.equal(await store().deleteTag(r, 'a'), true);
      assert.equal(await store().deleteTag(r, 'a'), false);
      assert.equal(await store().manifestByTag(r, 'a'), undefined);
      assert.equal((await store().manifestByTag(r, 'b'))?.digest, record.digest);
      assert.ok(await store().manifest(r, record.digest));
      assert.equal(await store().deleteTag(repo('delete-tag-other'), 'b'), false);
    });

    test('listTags paginates in byte-wise lexical order', async () => {
      const r = repo('list-tags');
      const tags = ['v1.9', 'latest', 'Latest', 'v1.10', '_x', '1.0', 'a-b', 'a.b', 'a_b', 'ab', 'B', 'v1'];
      const expected = byteOrder(tags);
      const record = manifest(r);
      for (const tag of tags) await store().putManifest(record, { blobs: [], manifests: [] }, tag);
      const elsewhere = repo('list-tags-other');
      await store().putManifest(manifest(elsewhere), { blobs: [], manifests: [] }, 'zzz');

      assert.deepEqual(await store().listTags(r, {}), expected);
      assert.deepEqual(await store().listTags(r, { limit: 3 }), expected.slice(0, 3));
      assert.deepEqual(await store().listTags(r, { last: expected[2], limit: 3 }), expected.slice(3, 6));
      const walked: string[] = [];
      for (let page = await store().listTags(r, { limit: 5 }); page.length > 0; ) {
        walked.push(...page);
        page = await store().listTags(r, { last: page[page.length - 1], limit: 5 });
      }
      assert.deepEqual(walked, expected);
      assert.deepEqual(await store().listTags(r, { last: expected[expected.length - 1] }), []);
      assert.deepEqual(await store().listTags(r, { last: 'b' }), expected.filter((t) => t > 'b'));
      assert.deepEqual(await store().listTags(r, { limit: 0 }), []);
      assert.deepEqual(await store().listTags(repo('list-tags-empty'), {}), []);
    });

    test('listRepositories paginates in byte-wise lexical order', async () => {
      const prefix = `${run}/catalog/`;
      const names = ['b', 'a/b', 'ab', 'a-b', 'a', 'a_b', 'a.b', 'b0', 'a/a'].map((n) => `${prefix}${n}`);
      const expected = byteOrder(names);
      for (const [i, n] of names.entries()) {
        if (i % 2 === 0) await linkNew(n);
        else await store().putManifest(manifest(n), { blobs: [], manifests: [] }, undefined);
      }

      assert.deepEqual(await store().listRepositories({ last: prefix, limit: 4 }), expected.slice(0, 4));
      assert.deepEqual(await store().listRepositories({ last: expected[3], limit: 4 }), expected.slice(4, 8));
      const all = await store().listRepositories({});
      assert.deepEqual(all, byteOrder(all));
      assert.equal(new Set(all).size, all.length);
      assert.deepEqual(
        all.filter((n) => n.startsWith(prefix)),
        expected,
      );
      assert.deepEqual(await store().listRepositories({ last: all[all.length - 1] }), []);
      assert.deepEqual(await store().listRepositories({ limit: 0 }), []);
      assert.equal((await store().listRepositories({ limit: 2 })).length, Math.min(2, all.length));
    });

    test('searchRepositories matches name or description, case-insensitively, with % and _ literal', async () => {
      const prefix = `${run}/search/`;
      const describe = (repository: string, description: string | undefined, tag: string | undefined) =>
        store().putManifest(manifest(repository, { annotations: description === undefined ? undefined : { 'org.opencontainers.image.description': description } }), { blobs: [], manifests: [] }, tag);
      await describe(`${prefix}alpha`, 'Old TEXT', 'v1');
      await describe(`${prefix}alpha`, 'Fresh Words', 'v2');
      await describe(`${prefix}beta_x`, undefined, 'v1');
      await describe(`${prefix}gamma`, '100% Percent', 'v1');
      await describe(`${prefix}delta`, 'untagged words', undefined);
      const search = async (term: string, page = {}) => (await store().searchRepositories(term, page)).filter((m) => m.name.startsWith(prefix));

      assert.deepEqual(await search(`${run}/SEARCH/ALPHA`), [{ name: `${prefix}alpha`, description: 'Fresh Words' }]);
      assert.deepEqual((await search('fresh words')).map((m) => m.name), [`${prefix}alpha`]);
      assert.deepEqual(await search('old text'), [], 'the newest tagged push describes the repository');
      assert.deepEqual((await search('words')).map((m) => m.name), [`${prefix}alpha`], 'a push by digest does not describe it');
      assert.deepEqual((await search(`${prefix}beta_`)).map((m) => m.name), [`${prefix}beta_x`]);
      assert.deepEqual((await search(`${run}/search/_eta`)), [], '_ is not a wildcard');
      assert.deepEqual((await search('100%')).map((m) => m.name), [`${prefix}gamma`]);
      assert.deepEqual((await search('0% p')).map((m) => m.name), [`${prefix}gamma`]);
      assert.deepEqual(await search('%percent'), [], '% is not a wildcard');
      assert.deepEqual(await search('\\'), []);
      const all = await search(prefix);
      assert.deepEqual(all.map((m) => m.name), byteOrder([`${prefix}alpha`, `${prefix}beta_x`, `${prefix}delta`, `${prefix}gamma`]));
      assert.equal(all.find((m) => m.name === `${prefix}beta_x`)?.description, '');
      assert.deepEqual((await store().searchRepositories(prefix, { last: `${prefix}beta_x`, limit: 1 })).map((m) => m.name), [`${prefix}delta`]);
      assert.deepEqual(await store().searchRepositories(prefix, { limit: 0 }), []);
    });

    test('listReferrers filters by subject, artifactType and repository', async () => {
      const r = repo('referrers');
      const subject = manifest(r);
      await store().putManifest(subject, { blobs: [], manifests: [] }, 'v1');
      const sbom = 'application/vnd.example.sbom';
      const referrers = [
        manifest(r, { subject: subject.digest, artifactType: sbom, annotations: { 'org.example': 'one' } }),
        manifest(r, { subject: subject.digest, artifactType: 'application/vnd.example.sig' }),
        manifest(r, { subject: subject.digest, mediaType: INDEX }),
      ];
      for (const m of referrers) await store().putManifest(m, { blobs: [], manifests: [] }, undefined);
      await store().putManifest(manifest(r), { blobs: [], manifests: [] }, undefined);
      const elsewhere = repo('referrers-other');
      await store().putManifest(manifest(elsewhere, { subject: subject.digest, artifactType: sbom }), { blobs: [], manifests: [] }, undefined);

      const expected = referrers
        .map((m) => ({
          digest: m.digest,
          mediaType: m.mediaType,
          artifactType: m.artifactType,
          size: m.body.length,
          annotations: m.annotations,
        }))
        .sort((a, b) => (a.digest < b.digest ? -1 : 1));
      assert.deepEqual(await store().listReferrers(r, subject.digest, undefined), expected);
      assert.deepEqual(await store().listReferrers(r, subject.digest, sbom), [expected.find((e) => e.artifactType === sbom)]);
      assert.deepEqual(await store().listReferrers(r, subject.digest, 'application/vnd.none'), []);
      assert.deepEqual(await store().listReferrers(r, sha256('no such subject'), undefined), []);
      assert.equal((await store().listReferrers(elsewhere, subject.digest, undefined)).length, 1);

      assert.equal(await store().deleteManifest(r, referrers[0].digest), true);
      const left = await store().listReferrers(r, subject.digest, undefined);
      assert.deepEqual(left.map((x) => x.digest), expected.map((e) => e.digest).filter((d) => d !== referrers[0].digest));
    });

    test('uploads: create, read, compare-and-set advance, delete', async () => {
      const r = repo('upload');
      const id = uploadId();
      const createdAt = new Date(Date.now() - 1000);
      const session = { id, repository: r, size: 0, createdAt, updatedAt: createdAt };
      await store().createUpload(session);
      await assert.rejects(store().createUpload(session), 'a second create with the same id must fail');
      assert.deepEqual(await store().upload(id), session);
      assert.equal(await store().hasRepository(r), false, 'an upload does not create the repository');

      assert.equal(await store().advanceUpload(id, 0, 100), true);
      assert.equal(await store().advanceUpload(id, 0, 200), false, 'advancing from a stale size must fail');
      const advanced = await store().upload(id);
      assert.equal(advanced?.size, 100);
      assert.equal(advanced?.createdAt.getTime(), createdAt.getTime());
      assert.ok((advanced?.updatedAt.getTime() ?? 0) > createdAt.getTime(), 'advance refreshes updatedAt');
      assert.equal(await store().advanceUpload(id, 100, 2 ** 33), true);
      assert.equal((await store().upload(id))?.size, 2 ** 33);
      assert.equal((await store().upload(id))?.hashState, undefined);

      // The hash state travels with the size it describes, and goes when a write brings none.
      assert.equal(await store().advanceUpload(id, 2 ** 33, 2 ** 33 + 1, { hashState: 'sha256:AAEC' }), true);
      assert.equal((await store().upload(id))?.hashState, 'sha256:AAEC');
      assert.equal(await store().advanceUpload(id, 2 ** 33, 2 ** 33 + 2, { hashState: 'sha256:stale' }), false);
      assert.equal((await store().upload(id))?.hashState, 'sha256:AAEC', 'a refused advance keeps the state');
      assert.equal(await store().advanceUpload(id, 2 ** 33 + 1, 2 ** 33), true);
      assert.equal((await store().upload(id))?.hashState, undefined);

      assert.equal(await store().deleteUpload(id), true);
      assert.equal(await store().upload(id), undefined);
      assert.equal(await store().deleteUpload(id), false);
      assert.equal(await store().advanceUpload(id, 2 ** 33, 2 ** 34), false);
      assert.equal(await store().upload(uploadId()), undefined);
    });

    test('uploads: caps per account and per project are checked with the insert; totals and scoped stale lists', async () => {
      const project = `${run}-caps${++sequence}`;
      const other = `${run}-other${++sequence}`;
      const at = (minute: number) => new Date(Date.UTC(2002, 0, 1, 0, minute));
      const session = (repository: string, account: string | undefined, size: number, minute: number) => ({
        id: uploadId(),
        repository,
        ...(account === undefined ? {} : { account }),
        size,
        createdAt: at(minute),
        updatedAt: at(minute),
      });
      const limits = { perAccount: 2, perProject: 3 };
      const a1 = session(`${project}/app`, 'ann', 10, 1);
      const a2 = session(`${project}/lib`, 'ann', 20, 2);
      await store().createUpload(a1, { limits });
      await store().createUpload(a2, { limits });
      assert.deepEqual(await store().upload(a1.id), a1, 'the account is kept');
      const a3 = session(`${other}/app`, 'ann', 1, 3);
      await assert.rejects(store().createUpload(a3, { limits }), (error: unknown) => {
        assert.ok(error instanceof MetadataUploadLimitError);
        assert.deepEqual([error.scope, error.open, error.limit], [{ account: 'ann' }, 2, 2]);
        return true;
      });
      assert.equal(await store().upload(a3.id), undefined, 'a refused session is not inserted');
      const anonymous = session(`${project}/app`, undefined, 5, 4);
      await store().createUpload(anonymous, { limits });
      const b1 = session(`${project}/app`, 'bob', 1, 5);
      await assert.rejects(store().createUpload(b1, { limits }), (error: unknown) => {
        assert.ok(error instanceof MetadataUploadLimitError);
        assert.deepEqual([error.scope, error.open, error.limit], [{ project }, 3, 3]);
        return true;
      });
      await store().createUpload(b1, {}); // without limits nothing is counted

      assert.deepEqual(await store().uploadTotals({ project }), { sessions: 4, stagedBytes: 36 });
      assert.deepEqual(await store().uploadTotals({ account: 'ann' }), { sessions: 2, stagedBytes: 30 });
      assert.deepEqual(await store().uploadTotals({ project: other }), { sessions: 0, stagedBytes: 0 });
      assert.equal(await store().advanceUpload(a1.id, 10, 1010), true);
      assert.deepEqual(await store().uploadTotals({ project }), { sessions: 4, stagedBytes: 1036 });

      const ids = async (scope: { account: string } | { project: string }, limit?: number) =>
        (await store().staleUploads(at(30), { scope, ...(limit === undefined ? {} : { limit }) })).map((u) => u.id);
      assert.deepEqual(await ids({ project }), [a2.id, anonymous.id, b1.id], 'oldest first; a1 was just advanced');
      assert.deepEqual(await ids({ project }, 1), [a2.id]);
      assert.deepEqual(await ids({ account: 'ann' }), [a2.id]);
      for (const s of [a1, a2, anonymous, b1]) await store().deleteUpload(s.id);
      assert.deepEqual(await store().uploadTotals({ project }), { sessions: 0, stagedBytes: 0 });
    });

    test('uploads: a claimed digest is read back with the session', async () => {
      const id = uploadId();
      const now = new Date();
      await store().createUpload({ id, repository: repo('claim'), size: 7, createdAt: now, updatedAt: now });
      assert.equal((await store().upload(id))?.claimedDigest, undefined);
      const digest = blobDigest('claimed');
      assert.equal(await store().claimUpload(id, digest), true);
      assert.equal((await store().upload(id))?.claimedDigest, digest);
      await store().deleteUpload(id);
    });

    test('completeUpload records and links the blob and ends the session in one step', async () => {
      const r = repo('complete');
      const id = uploadId();
      const digest = blobDigest('completed');
      const now = new Date();
      await store().createUpload({ id, repository: r, size: 42, createdAt: now, updatedAt: now });
      assert.equal(await store().linkedBlob(r, digest), undefined);
      await store().completeUpload(id, digest, 42);
      assert.deepEqual(await store().linkedBlob(r, digest), { size: 42 });
      assert.deepEqual(await store().blob(digest), { size: 42 });
      assert.equal(await store().upload(id), undefined, 'the session ends with the upload');
      assert.equal(await store().hasRepository(r), true);
      await assert.rejects(store().completeUpload(id, blobDigest('again'), 1), 'a finished session cannot complete twice');
    });

    test('staleUploads returns sessions not updated since the cutoff', async () => {
      const r = repo('stale');
      const old = new Date(Date.UTC(2001, 0, 1));
      const stale = { id: uploadId(), repository: r, size: 3, createdAt: old, updatedAt: old };
      const fresh = { id: uploadId(), repository: r, size: 0, createdAt: new Date(), updatedAt: new Date() };
      await store().createUpload(stale);
      await store().createUpload(fresh);
      const cutoff = new Date(Date.now() - 60_000);
      const mine = async (): Promise<string[]> =>
        (await store().staleUploads(cutoff)).map((u) => u.id).filter((id) => id === stale.id || id === fresh.id);

      assert.deepEqual(await mine(), [stale.id]);
      assert.deepEqual((await store().staleUploads(cutoff)).find((u) => u.id === stale.id), stale);
      assert.equal(await store().advanceUpload(stale.id, 3, 4), true);
      assert.deepEqual(await mine(), [], 'an advanced session is no longer stale');

      await store().deleteUpload(stale.id);
      await store().deleteUpload(fresh.id);
    });

    metadataLifecycleTests({ store, repo, uploadId, blobDigest, manifest, linkNew });
    metadataUsageTests({ store, repo, uploadId, blobDigest, manifest, linkNew });

    test('no upload session is left behind', async () => {
      for (const id of uploadIds) assert.equal(await store().upload(id), undefined, `upload ${id} left behind`);
    });
  });
}
