// Policies judged inside the write's transaction: many first pushes of one new tag racing
// under disallow-redeploy (or an immutable pattern) leave exactly one winner, and pushes
// racing into a nearly full project never take it past its quota.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { ProjectPolicy } from '../../src/ports/policy-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { databaseKinds } from '../support/test-database.js';
import { OCI_MANIFEST, randomBlob } from './support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { assertUsageInStep, buildImage, newProject, pushBlobsOf, usageOf, type BuiltImage } from './support/storage.js';

const RACERS = 10;

for (const database of databaseKinds()) describe(`policies under concurrent pushes on ${database}`, () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer({ database });
    c = client(server.url);
  });
  after(() => server.close());

  /** RACERS images with all their blobs uploaded to `repo`, manifests not yet put. */
  async function contenders(repo: string): Promise<BuiltImage[]> {
    const images = Array.from({ length: RACERS }, () => buildImage([randomBlob(200)]));
    for (const image of images) await pushBlobsOf(c, repo, image);
    return images;
  }

  /**
   * Sends the puts together, and holds each at the `manifest:parsed` checkpoint (just before
   * the store's write) until all have reached it: on an in-process SQLite store a request's
   * reads and writes otherwise run back to back in microtasks, and a check made outside the
   * write's transaction would never be caught out. With the barrier, it lets every racer pass.
   */
  async function together(puts: Array<() => Promise<Reply>>): Promise<Reply[]> {
    const deps = server.composed.registry.deps;
    let arrived = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    // A racer refused before the checkpoint never arrives; do not wait for it forever.
    const timer = setTimeout(release, 2000);
    deps.checkpoint = async (name) => {
      if (name !== 'manifest:parsed') return;
      if (++arrived === puts.length) release();
      await all;
    };
    try {
      return await Promise.all(puts.map((put) => put()));
    } finally {
      clearTimeout(timer);
      deps.checkpoint = undefined;
    }
  }

  function race(repo: string, tag: string, images: BuiltImage[]): Promise<Reply[]> {
    return together(
      images.map((image) => () => c.put(`/v2/${repo}/manifests/${tag}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.body })),
    );
  }

  async function tagDigest(repo: string, tag: string): Promise<string | null> {
    const reply = await c.head(`/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
    expectStatus(reply, 200, `head ${repo}:${tag}`);
    return reply.headers.get('docker-content-digest');
  }

  async function raceOnce(policy: ProjectPolicy, tag: string, rule: string, message: RegExp): Promise<void> {
    const project = newProject('race');
    await server.composed.policies.set(project, policy);
    const repo = `${project}/app`;
    const images = await contenders(repo);
    const replies = await race(repo, tag, images);
    const winners = replies.flatMap((r, i) => (r.status === 201 ? [i] : []));
    assert.equal(winners.length, 1, `exactly one first push wins: ${replies.map((r) => r.status).join(' ')}`);
    for (const [i, reply] of replies.entries()) {
      if (i === winners[0]) continue;
      const error = expectError(reply, 403, 'DENIED');
      assert.match(error.message, message);
      assert.equal((error.detail as { rule?: string }).rule, rule);
      assert.equal((error.detail as { current?: string }).current, images[winners[0]!]!.digest, 'the refusal names the winner');
    }
    assert.equal(await tagDigest(repo, tag), images[winners[0]!]!.digest, 'the tag points at the winner');
    const list = json<{ tags: string[] }>(await c.get(`/v2/${repo}/tags/list`));
    assert.deepEqual(list.tags, [tag]);
    // Only the winner's manifest was stored: the losers wrote nothing.
    for (const [i, image] of images.entries()) {
      const reply = await c.head(`/v2/${repo}/manifests/${image.digest}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(reply.status, i === winners[0] ? 200 : 404, `manifest ${i}`);
    }
  }

  test('disallow-redeploy: of 10 concurrent first pushes of one tag exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      await raceOnce({ writePolicy: 'disallow-redeploy', immutableTags: [] }, 'release', 'disallow-redeploy', /^tag release in .* already exists and redeploy is disallowed \(project policy\); push under a new tag, or a project admin can allow redeploys: berth policy set \S+ --write allow-redeploy$/);
    }
  });

  test('an immutable pattern: of 10 concurrent first pushes of a matching tag exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      await raceOnce({ writePolicy: 'allow-redeploy', immutableTags: ['v*'] }, 'v1.0', 'immutable-tag', /^tag v1\.0 in .* is immutable \(matches pattern "v\*"\) and cannot be moved; push under a new tag, or a project admin can change the patterns: berth policy set \S+ --immutable PATTERNS$/);
    }
  });

  test('allow-redeploy: concurrent pushes of one tag all succeed and the tag names one of them', async () => {
    const project = newProject('race');
    await server.composed.policies.set(project, { writePolicy: 'allow-redeploy', immutableTags: [] });
    const repo = `${project}/app`;
    const images = await contenders(repo);
    const replies = await race(repo, 'latest', images);
    assert.deepEqual(replies.map((r) => r.status), images.map(() => 201));
    const digest = await tagDigest(repo, 'latest');
    assert.ok(images.some((image) => image.digest === digest));
  });

  test('a quota: of 10 concurrent pushes into a project with room for 3, exactly 3 are stored', async () => {
    const project = newProject('race');
    const repo = `${project}/app`;
    const images = await contenders(repo);
    // Every contender adds the same number of bytes (fixed-length config, same-size layer).
    const sizes = new Set(images.map((image) => image.blobBytes + image.body.length));
    assert.equal(sizes.size, 1, 'contenders of equal size');
    const each = [...sizes][0]!;
    const limit = 3 * each + each - 1;
    await server.composed.policies.set(project, { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: limit });
    const replies = await together(
      images.map((image, i) => () => c.put(`/v2/${repo}/manifests/t${i}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.body })),
    );
    const accepted = replies.filter((r) => r.status === 201).length;
    assert.equal(accepted, 3, `statuses: ${replies.map((r) => r.status).join(' ')}`);
    for (const reply of replies) if (reply.status !== 201) assert.match(expectError(reply, 403, 'DENIED').message, /storage quota/);
    const usage = await usageOf(server.composed.registry.deps.metadata, project);
    assert.equal(usage.blobBytes + usage.manifestBytes, 3 * each);
    assert.equal(usage.manifests, 3);
    await assertUsageInStep(server.composed.registry.deps.metadata, 'after the quota race');
  });
});
