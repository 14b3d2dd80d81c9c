// Deletes and restores through /api/v1/repositories: names with slashes written as they are
// or percent-encoded, the `/-/` separator, who may do what, and that /v2 sees the result.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { OCI_MANIFEST } from '../support/content.js';
import { client, expectError, expectStatus, json, type Client } from '../support/http-client.js';
import { pushImage } from '../support/push.js';
import { adminApi } from './api-support.js';
import { ManualClock } from '../support/storage.js';
import { makeTeam, projectWithTeam, registryAsAdmin, startStorageServer, type Team } from './storage-support.js';

interface DeletedTag {
  tag: string;
  digest: string;
  deletedAt: string;
}

const clock = new ManualClock(Date.now());
let server: TestServer;
let team: Team;
let registry: Client;
before(async () => {
  server = await startStorageServer(clock);
  team = await makeTeam(server);
  registry = registryAsAdmin(server);
  await projectWithTeam(team, 'repos');
});
after(() => server.close());

async function resolves(repository: string, tag: string): Promise<string | null> {
  const reply = await registry.head(`/v2/${repository}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
  if (reply.status === 404) return null;
  expectStatus(reply, 200, `HEAD ${repository}:${tag}`);
  return reply.headers.get('docker-content-digest');
}

async function deletedTags(repository: string): Promise<DeletedTag[]> {
  const reply = await team.guest.get(`/api/v1/repositories/${repository}/-/deleted-tags`);
  expectStatus(reply, 200);
  return json<{ deletedTags: DeletedTag[] }>(reply).deletedTags;
}

test('a tag deleted through the API is listed as deleted and restored, and resolves again over /v2', async () => {
  const repo = 'repos/team/app';
  const image = await pushImage(registry, repo, 'v1');
  const path = `/api/v1/repositories/${repo}/-/tags/v1`;

  expectError(await team.guest.delete(path), 403, 'DENIED');
  expectError(await team.dev.delete(path), 403, 'DENIED');
  expectError(await team.outsider.delete(path), 404, 'NOT_FOUND');
  expectError(await team.anonymous.delete(path), 404, 'NOT_FOUND');
  assert.equal(await resolves(repo, 'v1'), image.digest, 'refused deletes change nothing');

  clock.advance(60_000);
  expectStatus(await team.lead.delete(path), 204);
  assert.equal(await resolves(repo, 'v1'), null);
  expectError(await team.lead.delete(path), 404, 'MANIFEST_UNKNOWN');

  const listed = await deletedTags(repo);
  assert.deepEqual(listed, [{ tag: 'v1', digest: image.digest, deletedAt: clock.now().toISOString() }]);
  expectError(await team.outsider.get(`/api/v1/repositories/${repo}/-/deleted-tags`), 404, 'NOT_FOUND');

  const restore = `${path}/restore`;
  expectError(await team.guest.send('POST', restore, {}), 403, 'DENIED');
  expectError(await team.outsider.send('POST', restore, {}), 404, 'NOT_FOUND');
  const bodiless = await client(server.url).post(restore, { headers: { authorization: team.authorization.lead! } });
  assert.match(expectError(bodiless, 400, 'BAD_REQUEST').message, /Content-Type: application\/json/);
  expectError(await team.lead.send('POST', restore, { force: true }), 400, 'BAD_REQUEST');
  const restored = await team.lead.send('POST', restore, {});
  expectStatus(restored, 200);
  assert.deepEqual(json(restored), { digest: image.digest });
  assert.equal(await resolves(repo, 'v1'), image.digest);
  assert.deepEqual(await deletedTags(repo), []);
  expectError(await team.lead.send('POST', restore, {}), 404, 'NOT_FOUND');

  const events = json<{ events: Array<{ actor: string; action: string; result: string; repository: string; detail: string }> }>(
    await team.admin.get(`/api/v1/audit?repository=${repo}&limit=100`),
  ).events.filter((e) => e.action === 'delete' || e.action === 'restore');
  assert.deepEqual(events.map((e) => `${e.actor} ${e.action} ${e.result} ${e.detail}`).reverse(), [
    'guest delete denied reference=v1',
    'dev delete denied reference=v1',
    'lead delete success reference=v1',
    'guest restore denied reference=v1',
    `lead restore success tag=v1 digest=${image.digest}`,
  ]);
});

test('a tag that exists again cannot be restored over it (409)', async () => {
  const repo = 'repos/moving';
  const first = await pushImage(registry, repo, 'latest');
  expectStatus(await team.maint.delete(`/api/v1/repositories/${repo}/-/tags/latest`), 204, 'maintainers may delete');
  const second = await pushImage(registry, repo, 'latest');
  const conflict = expectError(await team.maint.send('POST', `/api/v1/repositories/${repo}/-/tags/latest/restore`, {}), 409, 'CONFLICT');
  assert.match(conflict.message, /exists again/);
  assert.equal(await resolves(repo, 'latest'), second.digest);
  assert.notEqual(first.digest, second.digest);
});

test('names may be percent-encoded, as OpenAPI clients send them', async () => {
  const repo = 'repos/encoded/app';
  const image = await pushImage(registry, repo, 'v2');
  const name = encodeURIComponent(repo);
  assert.equal(name, 'repos%2Fencoded%2Fapp');
  expectStatus(await team.lead.delete(`/api/v1/repositories/${name}/-/tags/v2`), 204);
  const listed = json<{ deletedTags: DeletedTag[] }>(await team.guest.get(`/api/v1/repositories/${name}/-/deleted-tags`)).deletedTags;
  assert.deepEqual(listed.map((t) => t.tag), ['v2']);
  assert.deepEqual(json(await team.lead.send('POST', `/api/v1/repositories/${name}/-/tags/v2/restore`, {})), { digest: image.digest });
  assert.equal(await resolves(repo, 'v2'), image.digest);
  // A project-level name has no slash at all and takes the same routes.
  expectError(await team.guest.delete('/api/v1/repositories/repos/-/tags/v2'), 403, 'DENIED');
});

test('a manifest deleted by digest takes its tags with it and is not restorable', async () => {
  const repo = 'repos/digests';
  const image = await pushImage(registry, repo, 'one');
  const path = `/api/v1/repositories/${repo}/-/manifests/${image.digest}`;
  expectError(await team.guest.delete(path), 403, 'DENIED');
  expectStatus(await team.lead.delete(path), 204);
  assert.equal(await resolves(repo, 'one'), null);
  expectError(await registry.get(`/v2/${repo}/manifests/${image.digest}`), 404, 'MANIFEST_UNKNOWN');
  expectError(await team.lead.delete(path), 404, 'MANIFEST_UNKNOWN');
  expectError(await team.lead.send('POST', `/api/v1/repositories/${repo}/-/tags/one/restore`, {}), 404, 'NOT_FOUND');
});

test('a whole repository: every tag deleted (each restorable), for those with delete permission', async () => {
  const repo = 'repos/whole/thing';
  const one = await pushImage(registry, repo, 'one');
  await pushImage(registry, repo, 'two');
  expectError(await team.guest.delete(`/api/v1/repositories/${repo}`), 403, 'DENIED');
  expectError(await team.dev.delete(`/api/v1/repositories/${repo}`), 403, 'DENIED');
  expectError(await team.outsider.delete(`/api/v1/repositories/${repo}`), 404, 'NOT_FOUND');
  const deleted = await team.lead.delete(`/api/v1/repositories/${repo}`);
  expectStatus(deleted, 200);
  assert.deepEqual(json(deleted), { tags: 2 });
  assert.equal(await resolves(repo, 'one'), null);
  assert.deepEqual((await deletedTags(repo)).map((t) => t.tag).sort(), ['one', 'two']);
  assert.deepEqual(json(await team.lead.send('POST', `/api/v1/repositories/${repo}/-/tags/one/restore`, {})), { digest: one.digest });
  assert.equal(await resolves(repo, 'one'), one.digest);
  expectError(await team.admin.delete('/api/v1/repositories/repos/never-pushed'), 404, 'NAME_UNKNOWN');
});

test('bad names, tags and digests are 400s; unknown paths under a repository are 404s', async () => {
  expectError(await team.admin.delete('/api/v1/repositories/repos/Upper/-/tags/v1'), 400, 'NAME_INVALID');
  expectError(await team.admin.delete('/api/v1/repositories/repos/app/-/tags/-bad'), 400, 'TAG_INVALID');
  // A digest where a tag belongs must not delete a manifest.
  expectError(await team.admin.delete(`/api/v1/repositories/repos/app/-/tags/sha256:${'a'.repeat(64)}`), 400, 'TAG_INVALID');
  expectError(await team.admin.delete('/api/v1/repositories/repos/app/-/manifests/latest'), 400, 'DIGEST_INVALID');
  expectError(await team.admin.send('POST', '/api/v1/repositories/repos/app/-/tags/-x/restore', {}), 400, 'TAG_INVALID');
  for (const [method, path] of [
    ['GET', '/api/v1/repositories/repos/team/app/-/blobs'],
    ['PUT', '/api/v1/repositories/repos/team/app/-/tags/v1'],
    ['POST', '/api/v1/repositories/repos/team/app/-/tags/v1'],
    ['DELETE', '/api/v1/repositories/repos/team/app/-/deleted-tags'],
    ['DELETE', '/api/v1/repositories/repos/team/app/-/tags/v1/extra'],
  ] as const) {
    const reply = await client(server.url).request(method, path, { headers: { authorization: team.authorization.admin! } });
    assert.match(expectError(reply, 404, 'NOT_FOUND').message, /no such endpoint/, `${method} ${path}`);
  }
});

test('deletes disabled: 405 UNSUPPORTED, and listing still works', async () => {
  const off = await startStorageServer(new ManualClock(Date.now()), { deleteEnabled: false });
  try {
    const admin = await adminApi(off);
    expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'ro' }), 201);
    const image = await pushImage(registryAsAdmin(off), 'ro/app', 'v1');
    expectError(await admin.delete('/api/v1/repositories/ro/app/-/tags/v1'), 405, 'UNSUPPORTED');
    expectError(await admin.delete(`/api/v1/repositories/ro/app/-/manifests/${image.digest}`), 405, 'UNSUPPORTED');
    expectError(await admin.delete('/api/v1/repositories/ro/app'), 405, 'UNSUPPORTED');
    expectStatus(await admin.get('/api/v1/repositories/ro/app/-/deleted-tags'), 200);
    expectStatus(await admin.send('PATCH', '/api/v1/projects/ro/policy', { retention: [{ kind: 'keep-newest', count: 1 }] }), 200);
    expectStatus(await admin.send('POST', '/api/v1/projects/ro/retention/run', { dryRun: true }), 200, 'a dry run still works');
    expectError(await admin.send('POST', '/api/v1/projects/ro/retention/run', {}), 405, 'UNSUPPORTED');
  } finally {
    await off.close();
  }
});

test('a read-only project refuses a restore through the API (and the use case `berth restore` calls): a restore writes a tag', async () => {
  const repo = 'repos/frozen/app';
  const image = await pushImage(registry, repo, 'v1');
  const path = `/api/v1/repositories/${repo}/-/tags/v1`;
  expectStatus(await team.lead.delete(path), 204);
  await server.composed.policies.set('repos', { writePolicy: 'read-only', immutableTags: ['v*'] });
  try {
    const refused = expectError(await team.lead.send('POST', `${path}/restore`, {}), 403, 'DENIED');
    assert.match(refused.message, /read-only/);
    await assert.rejects(server.composed.lifecycle.restoreTag(repo, 'v1'), { kind: 'denied', message: /read-only/ });
    assert.equal(await resolves(repo, 'v1'), null, 'nothing was restored');
    assert.deepEqual((await deletedTags(repo)).map((t) => t.tag), ['v1'], 'still restorable once writable');
  } finally {
    await server.composed.policies.set('repos', { writePolicy: 'allow-redeploy', immutableTags: [] });
  }
  expectStatus(await team.lead.send('POST', `${path}/restore`, {}), 200);
  assert.equal(await resolves(repo, 'v1'), image.digest);
});
