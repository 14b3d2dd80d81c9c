// Project write policies over /v2: allow / disallow redeploy, read-only, immutable tag
// patterns. Refusals are 403 DENIED with a message naming the rule.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ProjectPolicy } from '../../src/ports/policy-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { OCI_MANIFEST, sha256, uniqueRepo } from './support/content.js';
import { client, expectError, expectStatus, type Client, type Reply } from './support/http-client.js';
import { pushBlob, pushImage } from './support/push.js';

describe('write policies', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  /** A fresh project (and a repository in it) with `policy` set. */
  async function repoWith(policy: ProjectPolicy): Promise<string> {
    const project = `wp${randomBytes(4).toString('hex')}`;
    await server.composed.policies.set(project, policy);
    return uniqueRepo(project);
  }

  function put(repo: string, reference: string, body: Buffer): Promise<Reply> {
    return c.put(`/v2/${repo}/manifests/${reference}`, { headers: { 'content-type': OCI_MANIFEST }, body });
  }

  async function tagDigest(repo: string, tag: string): Promise<string | null> {
    const reply = await c.head(`/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
    expectStatus(reply, 200, `head ${repo}:${tag}`);
    return reply.headers.get('docker-content-digest');
  }

  test('allow-redeploy moves a tag', async () => {
    const repo = await repoWith({ writePolicy: 'allow-redeploy', immutableTags: [] });
    await pushImage(c, repo, 'latest');
    const second = await pushImage(c, repo, 'latest');
    assert.equal(await tagDigest(repo, 'latest'), second.digest);
  });

  test('disallow-redeploy refuses moving a tag, accepts the same digest again and new tags', async () => {
    const repo = await repoWith({ writePolicy: 'disallow-redeploy', immutableTags: [] });
    const first = await pushImage(c, repo, 'latest');
    expectStatus(await put(repo, 'latest', first.body), 201, 'identical re-push');

    const other = await pushImage(c, repo, 'other');
    const error = expectError(await put(repo, 'latest', other.body), 403, 'DENIED');
    assert.match(error.message, /redeploy is disallowed/);
    assert.equal(await tagDigest(repo, 'latest'), first.digest);

    expectStatus(await put(repo, 'fresh', other.body), 201, 'new tag');
    expectStatus(await put(repo, other.digest, other.body), 201, 'by digest');
  });

  test('a repository delete obeys read-only and immutable tags; an unprotected one goes', async () => {
    const readOnly = await repoWith({ writePolicy: 'allow-redeploy', immutableTags: [] });
    await pushImage(c, readOnly, 'latest');
    await server.composed.policies.set(readOnly.split('/')[0]!, { writePolicy: 'read-only', immutableTags: [] });
    await assert.rejects(server.composed.lifecycle.deleteRepository(readOnly), { kind: 'denied', message: /read-only/ });

    const immutable = await repoWith({ writePolicy: 'allow-redeploy', immutableTags: ['v*'] });
    await pushImage(c, immutable, 'latest');
    await pushImage(c, immutable, 'v1');
    await assert.rejects(server.composed.lifecycle.deleteRepository(immutable), { kind: 'denied', message: /v1 .*immutable/ });
    assert.ok(await tagDigest(immutable, 'v1'));
    assert.ok(await tagDigest(immutable, 'latest'), 'a refused delete removes nothing');

    const open = await repoWith({ writePolicy: 'allow-redeploy', immutableTags: ['v*'] });
    await pushImage(c, open, 'latest');
    assert.deepEqual(await server.composed.lifecycle.deleteRepository(open), { tags: 1 });
  });

  test('immutable v*: v1 cannot be moved or deleted, latest can', async () => {
    const repo = await repoWith({ writePolicy: 'allow-redeploy', immutableTags: ['v*'] });
    const first = await pushImage(c, repo, 'v1');
    await put(repo, 'latest', first.body);
    const second = await pushImage(c, repo, 'scratch');

    const moved = expectError(await put(repo, 'v1', second.body), 403, 'DENIED');
    assert.match(moved.message, /v1.*immutable.*"v\*"/);
    expectStatus(await put(repo, 'v1', first.body), 201, 'identical re-push of v1');
    const deleted = expectError(await c.delete(`/v2/${repo}/manifests/v1`), 403, 'DENIED');
    assert.match(deleted.message, /v1.*immutable.*"v\*".*deleted/);
    const byDigest = expectError(await c.delete(`/v2/${repo}/manifests/${first.digest}`), 403, 'DENIED');
    assert.match(byDigest.message, /v1.*immutable/, 'a delete by digest must not remove an immutable tag');
    assert.equal(await tagDigest(repo, 'v1'), first.digest);

    expectStatus(await put(repo, 'latest', second.body), 201, 'latest moves');
    expectStatus(await c.delete(`/v2/${repo}/manifests/latest`), 202, 'latest deletes');
  });

  test('read-only refuses blob upload start, manifest put and delete', async () => {
    const project = `wp${randomBytes(4).toString('hex')}`;
    const repo = uniqueRepo(project);
    const image = await pushImage(c, repo, 'latest');
    await server.composed.policies.set(project, { writePolicy: 'read-only', immutableTags: [] });
    const message = new RegExp(`^repository ${repo} is read-only \\(project policy\\); a project admin can allow writes: berth policy set [a-z0-9._-]+ --write allow-redeploy$`);

    const upload = expectError(await c.post(`/v2/${repo}/blobs/uploads/`), 403, 'DENIED');
    assert.match(upload.message, message);
    const bytes = randomBytes(64);
    const monolithic = await c.post(`/v2/${repo}/blobs/uploads/?digest=${sha256(bytes)}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    assert.match(expectError(monolithic, 403, 'DENIED').message, message);
    assert.match(expectError(await put(repo, 'other', image.body), 403, 'DENIED').message, message);
    assert.match(expectError(await put(repo, image.digest, image.body), 403, 'DENIED').message, message);
    assert.match(expectError(await c.delete(`/v2/${repo}/manifests/latest`), 403, 'DENIED').message, message);
    assert.match(expectError(await c.delete(`/v2/${repo}/manifests/${image.digest}`), 403, 'DENIED').message, message);
    // Pulls still work.
    assert.equal(await tagDigest(repo, 'latest'), image.digest);
  });
  test('read-only with immutable v*: a layer of v1 cannot be deleted over /v2, v1 still pulls', async () => {
    const project = `wp${randomBytes(4).toString('hex')}`;
    const repo = uniqueRepo(project);
    const v1 = await pushImage(c, repo, 'v1');
    await server.composed.policies.set(project, { writePolicy: 'read-only', immutableTags: ['v*'] });
    const layer = v1.layers[0]!.digest;
    const refused = expectError(await c.delete(`/v2/${repo}/blobs/${layer}`), 403, 'DENIED');
    assert.match(refused.message, new RegExp(`^repository ${repo} is read-only \\(project policy\\); a project admin can allow writes: berth policy set [a-z0-9._-]+ --write allow-redeploy$`));
    expectStatus(await c.get(`/v2/${repo}/blobs/${layer}`), 200, 'the layer still pulls');
    expectStatus(await c.get(`/v2/${repo}/blobs/${v1.config.digest}`), 200, 'the config still pulls');
    await assert.rejects(server.composed.retention.run(project), { kind: 'denied', message: /read-only/ });
  });

  test('a blob a manifest references is not deletable over /v2; an unreferenced one is, and a freed one after its manifest', async () => {
    const repo = await repoWith({ writePolicy: 'allow-redeploy', immutableTags: ['v*'] });
    const v1 = await pushImage(c, repo, 'v1');
    const layer = v1.layers[0]!.digest;
    const refused = expectError(await c.delete(`/v2/${repo}/blobs/${layer}`), 403, 'DENIED');
    assert.match(refused.message, new RegExp(`${layer}.*${v1.digest}.*tags: v1.*delete those manifests first`));
    assert.deepEqual((refused.detail as { rule: string; tags: string[] }).tags, ['v1']);
    expectStatus(await c.get(`/v2/${repo}/blobs/${layer}`), 200, 'the layer still pulls');
    expectStatus(await c.get(`/v2/${repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } }), 200);

    const loose = randomBytes(100);
    await pushBlob(c, repo, loose);
    expectStatus(await c.delete(`/v2/${repo}/blobs/${sha256(loose)}`), 202, 'an unreferenced blob deletes');
    expectStatus(await c.head(`/v2/${repo}/blobs/${sha256(loose)}`), 404);

    const scratch = await pushImage(c, repo, 'scratch');
    expectStatus(await c.delete(`/v2/${repo}/manifests/${scratch.digest}`), 202);
    expectStatus(await c.delete(`/v2/${repo}/blobs/${scratch.layers[0]!.digest}`), 202, 'its manifest is gone, so the layer may go');
  });
});
