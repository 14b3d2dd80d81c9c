// GET /v2/<name>/referrers/<digest>: the OCI 1.1 referrers API, with and without the
// artifactType filter.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
  descriptorOf,
  imageManifest,
  indexManifest,
  randomBlob,
  sha512,
  uniqueRepo,
  unknownDigest,
  type Descriptor,
} from './support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { pushBlob, pushImage, pushManifest } from './support/push.js';

const SIG = 'application/vnd.example.signature.v1';
const SBOM = 'application/vnd.example.sbom.v1';

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

function referrers(reply: Reply): ReferrersIndex {
  expectStatus(reply, 200, 'referrers');
  assert.equal(reply.headers.get('content-type'), OCI_INDEX);
  const index = json<ReferrersIndex>(reply);
  assert.equal(index.schemaVersion, 2);
  assert.equal(index.mediaType, OCI_INDEX);
  assert.ok(Array.isArray(index.manifests));
  return index;
}

function byDigest(descriptors: Descriptor[]): Descriptor[] {
  return [...descriptors].sort((a, b) => (a.digest < b.digest ? -1 : 1));
}

describe('referrers', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  /** An artifact manifest (empty config) pointing at `subject`; resolves to its descriptor as the API should list it. */
  async function artifact(repo: string, subject: Descriptor, artifactType: string | undefined, annotations?: Record<string, string>): Promise<Descriptor> {
    const empty = Buffer.from('{}');
    await pushBlob(c, repo, empty);
    const payload = randomBlob(40);
    await pushBlob(c, repo, payload);
    const body = imageManifest({
      artifactType,
      config: descriptorOf(OCI_EMPTY, empty),
      layers: [descriptorOf('application/octet-stream', payload)],
      subject,
      annotations,
    });
    const reply = await c.put(`/v2/${repo}/manifests/${descriptorOf(OCI_MANIFEST, body).digest}`, {
      headers: { 'content-type': OCI_MANIFEST },
      body,
    });
    expectStatus(reply, 201);
    assert.equal(reply.headers.get('oci-subject'), subject.digest);
    return {
      mediaType: OCI_MANIFEST,
      digest: descriptorOf(OCI_MANIFEST, body).digest,
      size: body.length,
      // Without an artifactType, an image manifest is listed under its config's media type.
      artifactType: artifactType ?? OCI_EMPTY,
      ...(annotations ? { annotations } : {}),
    };
  }

  async function subjectIn(repo: string): Promise<Descriptor> {
    const image = await pushImage(c, repo, 'subject');
    return descriptorOf(OCI_MANIFEST, image.body);
  }

  test('lists every referrer as an OCI index of descriptors with artifactType and annotations', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const sig = await artifact(repo, subject, SIG, { 'org.example.signer': 'alice' });
    const sbom = await artifact(repo, subject, SBOM, { 'org.opencontainers.image.created': '2024-05-01T00:00:00Z' });
    const untyped = await artifact(repo, subject, undefined);
    const reply = await c.get(`/v2/${repo}/referrers/${subject.digest}`);
    const index = referrers(reply);
    assert.equal(reply.headers.get('oci-filters-applied'), null, 'no filter, no OCI-Filters-Applied');
    assert.deepEqual(byDigest(index.manifests), byDigest([sig, sbom, untyped]));
  });

  test('an image referrer without artifactType is listed under its config media type', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const image = await pushImage(c, repo, 'plain', { subject });
    const index = referrers(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(index.manifests, [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.body.length, artifactType: OCI_CONFIG }]);
  });

  test('an index referrer is listed with its artifactType, or without one when it has none', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const child = await pushImage(c, repo, 'child');
    const childDescriptor = descriptorOf(OCI_MANIFEST, child.body);
    const typed = await pushManifest(c, repo, 'typed', indexManifest([childDescriptor], { subject, artifactType: SBOM }), OCI_INDEX);
    const untyped = await pushManifest(c, repo, 'untyped', indexManifest([childDescriptor], { subject, annotations: { a: 'b' } }), OCI_INDEX);
    const index = referrers(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(
      byDigest(index.manifests),
      byDigest([
        { mediaType: OCI_INDEX, digest: typed.digest, size: typed.body.length, artifactType: SBOM },
        { mediaType: OCI_INDEX, digest: untyped.digest, size: untyped.body.length, annotations: { a: 'b' } },
      ]),
    );
  });

  test('?artifactType= filters and says so in OCI-Filters-Applied', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const sig = await artifact(repo, subject, SIG);
    await artifact(repo, subject, SBOM);
    const reply = await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SIG)}`);
    const index = referrers(reply);
    assert.equal(reply.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(index.manifests, [sig]);
  });

  test('a filter that matches nothing is 200 with no manifests and the header', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    await artifact(repo, subject, SIG);
    const reply = await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=application/vnd.none`);
    assert.deepEqual(referrers(reply).manifests, []);
    assert.equal(reply.headers.get('oci-filters-applied'), 'artifactType');
  });

  test('an unknown subject is 200 with an empty manifests list', async () => {
    const repo = uniqueRepo('ref');
    await subjectIn(repo);
    const reply = await c.get(`/v2/${repo}/referrers/${unknownDigest()}`);
    assert.deepEqual(referrers(reply).manifests, []);
    assert.equal(reply.headers.get('oci-filters-applied'), null);
  });

  test('a repository that does not exist is 200 with an empty list, never 404', async () => {
    assert.deepEqual(referrers(await c.get(`/v2/${uniqueRepo('ghost')}/referrers/${unknownDigest()}`)).manifests, []);
  });

  test('referrers pushed before their subject exists are listed', async () => {
    const repo = uniqueRepo('ref');
    const future = { mediaType: OCI_MANIFEST, digest: unknownDigest(), size: 500 };
    const sig = await artifact(repo, future, SIG);
    assert.deepEqual(referrers(await c.get(`/v2/${repo}/referrers/${future.digest}`)).manifests, [sig]);
  });

  test('referrers are per repository', async () => {
    const a = uniqueRepo('ref');
    const b = uniqueRepo('ref');
    const subject = await subjectIn(a);
    const inA = await artifact(a, subject, SIG);
    await pushImage(c, b, 'unrelated');
    assert.deepEqual(referrers(await c.get(`/v2/${b}/referrers/${subject.digest}`)).manifests, []);
    const inB = await artifact(b, subject, SBOM);
    assert.deepEqual(referrers(await c.get(`/v2/${a}/referrers/${subject.digest}`)).manifests, [inA]);
    assert.deepEqual(referrers(await c.get(`/v2/${b}/referrers/${subject.digest}`)).manifests, [inB]);
  });

  test('a deleted referrer disappears; deleting the subject keeps its referrers listed', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const sig = await artifact(repo, subject, SIG);
    const sbom = await artifact(repo, subject, SBOM);
    expectStatus(await c.delete(`/v2/${repo}/manifests/${sbom.digest}`), 202);
    assert.deepEqual(referrers(await c.get(`/v2/${repo}/referrers/${subject.digest}`)).manifests, [sig]);
    expectStatus(await c.delete(`/v2/${repo}/manifests/${subject.digest}`), 202);
    assert.deepEqual(referrers(await c.get(`/v2/${repo}/referrers/${subject.digest}`)).manifests, [sig]);
  });

  test('an escaped subject digest and a sha512 subject work', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const sig = await artifact(repo, subject, SIG);
    assert.deepEqual(referrers(await c.get(`/v2/${repo}/referrers/${encodeURIComponent(subject.digest)}`)).manifests, [sig]);
    const sha512Subject = { mediaType: OCI_MANIFEST, digest: sha512(randomBlob(10)), size: 10 };
    const other = await artifact(repo, sha512Subject, SBOM);
    assert.deepEqual(referrers(await c.get(`/v2/${repo}/referrers/${sha512Subject.digest}`)).manifests, [other]);
  });

  for (const digest of ['sha256:abc', 'latest', `md5:${'0'.repeat(32)}`]) {
    test(`an invalid digest (${digest}) is 400 DIGEST_INVALID`, async () => {
      expectError(await c.get(`/v2/${uniqueRepo('ref')}/referrers/${digest}`), 400, 'DIGEST_INVALID');
    });
  }

  test('an invalid repository name is 400 NAME_INVALID', async () => {
    expectError(await c.get(`/v2/Bad/referrers/${unknownDigest()}`), 400, 'NAME_INVALID');
  });

  test('PUT, POST and DELETE on referrers are 405 UNSUPPORTED', async () => {
    const path = `/v2/${uniqueRepo('ref')}/referrers/${unknownDigest()}`;
    for (const method of ['PUT', 'POST', 'DELETE']) expectError(await c.request(method, path), 405, 'UNSUPPORTED');
  });

  test('the artifactType of an artifact is its own, not its config type, when both exist', async () => {
    const repo = uniqueRepo('ref');
    const subject = await subjectIn(repo);
    const image = await pushImage(c, repo, 'typed', { subject, artifactType: SIG });
    const index = referrers(await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(OCI_CONFIG)}`));
    assert.deepEqual(index.manifests, []);
    const typed = referrers(await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SIG)}`));
    assert.deepEqual(typed.manifests.map((m) => m.digest), [image.digest]);
  });
});
