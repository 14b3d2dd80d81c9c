// What UI users write: descriptions (annotation, config label, edit that wins until cleared),
// stars (and their counts in search, docker search included), bulk tag deletes (restorable,
// audited per tag), and the tags page at 10,000 tags.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { client, expectError, expectStatus, json, type Client } from '../support/http-client.js';
import { ManualClock } from '../support/storage.js';
import { api, basic, type Api } from './api-support.js';
import { pushBuilt } from './browse-support.js';
import { makeTeam, projectWithTeam, registryAsAdmin, startStorageServer, type Team } from './storage-support.js';

const DESCRIPTION = 'org.opencontainers.image.description';
const clock = new ManualClock(Date.now());
let server: TestServer;
let team: Team;
let registry: Client;
let robot: Api;

before(async () => {
  server = await startStorageServer(clock);
  team = await makeTeam(server);
  registry = registryAsAdmin(server);
  await projectWithTeam(team, 'team');
  expectStatus(await team.admin.send('POST', '/api/v1/projects', { name: 'pub', visibility: 'public' }), 201);
  const made = json<{ name: string; secret: string }>(await team.admin.send('POST', '/api/v1/projects/team/robots', { name: 'ci', actions: ['pull', 'push'] }));
  robot = api(server, basic(made.name, made.secret));
});
after(() => server.close());

const summary = async (who: Api, repo: string) => {
  const reply = await who.get(`/api/v1/repositories/${repo}`);
  expectStatus(reply, 200);
  return json<{ description: string; descriptionSource: string | null; stars: number; starred: boolean }>(reply);
};

test('descriptions: one config pushed under several tags and repositories describes each of them', async () => {
  // The label is read from the blob store once and then remembered by the config's digest.
  const rawConfig = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', config: { Labels: { [DESCRIPTION]: 'Shared label' } } }));
  for (const [repo, tag] of [['team/shared-a', 'v1'], ['team/shared-a', 'latest'], ['team/shared-b', 'v1'], ['pub/shared-c', 'main']]) {
    await pushBuilt(registry, repo, tag, { rawConfig });
    const seen = await summary(team.admin, repo);
    assert.deepEqual([seen.description, seen.descriptionSource], ['Shared label', 'label'], `${repo}:${tag}`);
  }
});

async function audit(repository: string, action: string): Promise<string[]> {
  const events = json<{ events: Array<{ actor: string; result: string; detail: string | null; action: string }> }>(
    await team.admin.get(`/api/v1/audit?repository=${encodeURIComponent(repository)}&limit=500`),
  ).events;
  return events.filter((e) => e.action === action).map((e) => `${e.actor} ${e.result} ${e.detail ?? ''}`.trim()).reverse();
}

test('descriptions: a config LABEL, then an annotation, then an edit that wins over later pushes until cleared', async () => {
  const repo = 'team/described';
  await pushBuilt(registry, repo, 'v1', { config: { os: 'linux', architecture: 'amd64', config: { Labels: { [DESCRIPTION]: 'From\u001b[31m a label' } } } });
  assert.deepEqual(await summary(team.guest, repo), { ...(await summary(team.guest, repo)), description: 'From [31m a label', descriptionSource: 'label' });
  await pushBuilt(registry, repo, 'v2', { annotations: { [DESCRIPTION]: 'From an annotation' } });
  assert.deepEqual([(await summary(team.guest, repo)).description, (await summary(team.guest, repo)).descriptionSource], ['From an annotation', 'annotation']);

  const path = `/api/v1/repositories/${repo}/-/description`;
  expectError(await team.guest.send('PUT', path, { description: 'guest edit' }), 403, 'DENIED');
  expectError(await team.outsider.send('PUT', path, { description: 'outsider edit' }), 404, 'NOT_FOUND');
  expectError(await team.anonymous.send('PUT', path, { description: 'anonymous edit' }), 404, 'NOT_FOUND');
  expectError(await team.dev.send('PUT', path, { description: 'x'.repeat(1001) }), 400, 'BAD_REQUEST');
  expectError(await team.dev.send('PUT', path, { description: 7 }), 400, 'BAD_REQUEST');
  expectError(await team.dev.send('PUT', path, { text: 'typo' }), 400, 'BAD_REQUEST');
  const edited = await team.dev.send('PUT', path, { description: 'Edited\u202e by hand' });
  expectStatus(edited, 200);
  assert.deepEqual(json(edited), { description: 'Edited  by hand', descriptionSource: 'edited' });
  expectStatus(await robot.send('PUT', path, { description: 'Edited by the robot' }), 200, 'a robot with push may edit');

  await pushBuilt(registry, repo, 'v3', { annotations: { [DESCRIPTION]: 'A later push' } });
  assert.equal((await summary(team.guest, repo)).description, 'Edited by the robot', 'an edit wins over later pushes');
  const search = json<{ results: Array<{ name: string; description: string }> }>(await team.dev.get('/api/v1/search?q=robot'));
  assert.deepEqual(search.results.map((r) => [r.name, r.description]), [[repo, 'Edited by the robot']]);

  assert.deepEqual(json(await team.dev.send('PUT', path, { description: '' })), { description: 'A later push', descriptionSource: 'annotation' });
  assert.deepEqual(await audit(repo, 'description.set'), [
    'guest denied length=10',
    'dev success length=15',
    'robot$team+ci success length=19',
    'dev success cleared',
  ]);
});

test('stars: signed-in users who may pull star and unstar; robots and anonymous are refused; counts show in lists and search', async () => {
  const repo = 'pub/starry';
  await pushBuilt(registry, repo, 'latest', { annotations: { [DESCRIPTION]: 'starry image' } });
  const star = `/api/v1/repositories/${repo}/-/star`;
  expectStatus(await team.admin.send('POST', '/api/v1/users', { name: 'fan', password: 'fan-password' }), 201);
  const fan = api(server, basic('fan', 'fan-password'));
  expectStatus(await fan.send('PUT', star, ''), 204, 'a user of no project, on a public one');
  for (const who of ['dev', 'guest'] as const) expectStatus(await team[who].send('PUT', star, ''), 204, who);
  expectStatus(await team.dev.send('PUT', star, ''), 204, 'starring twice is one star');
  const anonymous = expectError(await team.anonymous.send('PUT', star, ''), 401, 'UNAUTHORIZED');
  assert.match(anonymous.message, /sign in/);
  assert.match(expectError(await robot.send('PUT', star, ''), 403, 'DENIED').message, /robot/);
  expectError(await team.outsider.send('PUT', '/api/v1/repositories/team/private/-/star', ''), 404, 'NOT_FOUND');

  assert.deepEqual([(await summary(team.dev, repo)).stars, (await summary(team.dev, repo)).starred], [3, true]);
  assert.equal((await summary(team.lead, repo)).starred, false);
  expectStatus(await team.guest.delete(star), 204);
  expectStatus(await team.guest.delete(star), 204, 'unstarring what is not starred is fine');
  assert.equal((await summary(team.anonymous, repo)).stars, 2);
  const listed = json<{ repositories: Array<{ name: string; stars: number; starred: boolean }> }>(await fan.get('/api/v1/projects/pub/repositories'));
  assert.deepEqual(listed.repositories.find((r) => r.name === repo), { ...listed.repositories.find((r) => r.name === repo)!, stars: 2, starred: true });
  for (const path of ['/api/v1/search?q=starry', '/v1/search?q=starry']) {
    const hit = json<{ results: Array<{ name: string; star_count: number }> }>(await client(server.url).get(path)).results;
    assert.deepEqual(hit.map((r) => [r.name, r.star_count]), [[repo, 2]], path);
  }
  // A deleted user's star no longer counts.
  expectStatus(await team.admin.delete('/api/v1/users/fan'), 204);
  assert.equal((await summary(team.dev, repo)).stars, 1);
  assert.deepEqual(await audit(repo, 'star'), ['fan success', 'dev success', 'guest success'], 'a second star by dev changes nothing');
});

test('bulk delete: up to 100 tags, each restorable and audited like a single delete; refused whole when one is immutable', async () => {
  const repo = 'team/bulk';
  const image = await pushBuilt(registry, repo, 'keep');
  for (const tag of ['a', 'b', 'c', 'locked']) {
    expectStatus(await registry.put(`/v2/${repo}/manifests/${tag}`, { headers: { 'content-type': image.mediaType }, body: image.body }), 201);
  }
  const path = `/api/v1/repositories/${repo}/-/tags/delete`;
  expectError(await team.dev.send('POST', path, { tags: ['a'] }), 403, 'DENIED');
  expectError(await team.outsider.send('POST', path, { tags: ['a'] }), 404, 'NOT_FOUND');
  expectError(await team.maint.send('POST', path, { tags: [] }), 400, 'BAD_REQUEST');
  expectError(await team.maint.send('POST', path, { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }), 400, 'BAD_REQUEST');
  expectError(await team.maint.send('POST', path, { tags: ['-bad'] }), 400, 'TAG_INVALID');
  expectError(await team.maint.send('POST', path, { tags: 'a' }), 400, 'BAD_REQUEST');
  expectStatus(await team.lead.send('PATCH', '/api/v1/projects/team/policy', { immutableTags: ['locked'] }), 200);
  assert.match(expectError(await team.maint.send('POST', path, { tags: ['a', 'locked'] }), 403, 'DENIED').message, /immutable/);
  assert.deepEqual(await resolves(repo, ['a', 'locked']), [true, true], 'an immutable tag refuses the whole request');

  const reply = await team.maint.send('POST', path, { tags: ['a', 'b', 'a', 'gone'] });
  expectStatus(reply, 200);
  const result = json<{ deleted: string[]; notFound: string[]; restorableUntil: string }>(reply);
  assert.deepEqual([result.deleted, result.notFound], [['a', 'b'], ['gone']]);
  assert.ok(Date.parse(result.restorableUntil) > clock.now().getTime(), 'restorable for a while');
  assert.deepEqual(await resolves(repo, ['a', 'b', 'c']), [false, false, true]);
  const deleted = json<{ deletedTags: Array<{ tag: string }> }>(await team.guest.get(`/api/v1/repositories/${repo}/-/deleted-tags`)).deletedTags;
  assert.deepEqual(deleted.map((t) => t.tag).sort(), ['a', 'b']);
  expectStatus(await team.maint.send('POST', `/api/v1/repositories/${repo}/-/tags/a/restore`, {}), 200);
  assert.deepEqual(await resolves(repo, ['a']), [true]);
  assert.deepEqual(await audit(repo, 'delete'), ['dev denied reference=a', 'maint success reference=a', 'maint success reference=b']);
});

async function resolves(repo: string, tags: string[]): Promise<boolean[]> {
  return Promise.all(tags.map(async (tag) => (await registry.head(`/v2/${repo}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).status === 200));
}

test('10,000 tags: the first page in every order, and a late page, answer quickly', async () => {
  const repo = 'team/many';
  const image = await pushBuilt(registry, repo, 'seed');
  const metadata = server.registry.deps.metadata;
  const record = await metadata.manifest(repo, image.digest);
  assert.ok(record);
  const blobs = [image.config.digest, ...image.layers.map((l) => l.digest)];
  for (let i = 0; i < 10_000; i++) {
    clock.advance(1);
    await metadata.putManifest(record, { blobs, manifests: [] }, `v${String(i).padStart(5, '0')}`);
  }
  for (const query of ['', '?sort=tag', '?sort=-size', '?sort=tag&page=200', '?q=v0999']) {
    const started = performance.now();
    const page = json<{ tags: Array<{ tag: string }>; total: number }>(await team.guest.get(`/api/v1/repositories/${repo}/-/tags${query}`));
    const ms = performance.now() - started;
    // Generous for a shared machine; bench/ui-pages.ts holds the real budget (300 ms).
    assert.ok(ms < 2000, `${query || 'default'} took ${ms.toFixed(0)} ms`);
    if (query === '') assert.equal(page.tags[0]!.tag, 'v09999');
    if (query === '?sort=tag&page=200') assert.deepEqual([page.tags.length, page.tags[49]!.tag], [50, 'v09998']);
    if (query === '?q=v0999') assert.equal(page.total, 10);
    if (query !== '?q=v0999') assert.equal(page.total, 10_001);
  }
});
