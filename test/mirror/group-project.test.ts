// Group projects and transparent mirrors against a real upstream on loopback (Debian's
// Distribution 2.8): a group of a private hosted project and a public proxy resolves in member
// order, never shows a member to someone who may not pull it, and sends pushes to its push
// member; a project marked the docker.io mirror serves unprefixed names, and `?ns=` routes to
// the project mirroring that host.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../support/test-server.js';
import { client, expectError, expectStatus, json, type Client } from '../http/support/http-client.js';
import { withHeaders } from '../http/support/auth.js';
import { ManualClock } from '../http/support/storage.js';
import { pushImage, type PushedImage } from '../http/support/push.js';
import { adminApi, type Api } from '../http/api/api-support.js';
import { makeTeam, projectWithTeam, registryAsAdmin, startStorageServer, type Team } from '../http/api/storage-support.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const MANIFEST_ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

const clock = new ManualClock(Date.now());
let server: TestServer;
let admin: Api;
let team: Team;
let registry: Client;
let upstream: UpstreamUnderTest;
let upstreamImage: PushedImage;
let upstreamOnly: PushedImage;
let privateImage: PushedImage;

const as = (who: 'dev' | 'outsider' | 'guest') => withHeaders(client(server.url), { authorization: team.authorization[who]! });

async function pullImage(c: Client, repo: string, reference: string): Promise<string> {
  const reply = await c.get(`/v2/${repo}/manifests/${reference}`, { headers: MANIFEST_ACCEPT });
  expectStatus(reply, 200, `manifest ${repo}:${reference}`);
  const manifest = JSON.parse(reply.text) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const { digest } of [manifest.config, ...manifest.layers]) {
    const blob = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(blob, 200, `blob ${digest} of ${repo}`);
    assert.equal(sha256(blob.body), digest, 'blob bytes intact');
  }
  return reply.headers.get('docker-content-digest')!;
}

before(async () => {
  upstream = await startOpenDistribution();
  upstreamImage = await upstream.pushImage('library/nginx', 'v1', 2);
  upstreamOnly = await upstream.pushImage('library/nginx', 'only-upstream', 1);
  server = await startStorageServer(clock);
  admin = await adminApi(server);
  team = await makeTeam(server);
  registry = registryAsAdmin(server);
  await projectWithTeam(team, 'team');
  privateImage = await pushImage(registry, 'team/library/nginx', 'v1', { layerCount: 2 });
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'hub', visibility: 'public', proxy: { url: upstream.url } }), 201, 'create hub');
});
after(async () => {
  await server?.close();
  await upstream?.stop().catch(() => undefined);
});

describe('creating a group', () => {
  test('a system admin creates one through the API with ordered members and a push member', async () => {
    const reply = await admin.send('POST', '/api/v1/projects', { name: 'all', visibility: 'public', group: { members: ['team', 'hub'], pushTo: 'team' } });
    expectStatus(reply, 201, 'create all');
    const body = json<Record<string, unknown>>(reply);
    assert.equal(body.kind, 'group');
    assert.deepEqual(body.group, { members: ['team', 'hub'], pushTo: 'team' });
    const list = json<{ projects: Array<{ name: string; kind: string }> }>(await team.outsider.get('/api/v1/projects'));
    assert.equal(list.projects.find((p) => p.name === 'all')?.kind, 'group');
  });

  test('bad groups are 400s naming the problem; users may not make groups', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ members: ['team', 'nope'] }, /nope is not a project/],
      [{ members: [] }, /needs group.members/],
      [{ members: ['team', 'team'] }, /once/],
      [{ members: ['team', 'hub'], pushTo: 'hub' }, /proxy project, which refuses pushes/],
      [{ members: ['team'], pushTo: 'hub' }, /not one of the group's members/],
      [{ members: ['all'] }, /itself a group/],
      [{ members: 'team' }, /array of project names/],
    ];
    for (const [group, message] of cases) {
      const error = expectError(await admin.send('POST', '/api/v1/projects', { name: 'bad', group }), 400, 'BAD_REQUEST');
      assert.match(error.message, message);
    }
    expectError(await admin.send('POST', '/api/v1/projects', { name: 'bad', group: { members: ['team'] }, proxy: { url: upstream.url } }), 400, 'BAD_REQUEST');
    const outsider = await team.outsider.send('POST', '/api/v1/projects', { name: 'mine', group: { members: ['hub'] } });
    assert.equal(outsider.status, 403);
    expectStatus(await admin.get('/api/v1/projects/bad'), 404, 'nothing created');
  });
});

describe('pulling through a group', () => {
  test('members are tried in order: the hosted image wins, what only the upstream has comes from the proxy', async () => {
    const dev = as('dev');
    assert.equal(await pullImage(dev, 'all/library/nginx', 'v1'), privateImage.digest, 'team first');
    assert.equal(await pullImage(dev, 'all/library/nginx', 'only-upstream'), upstreamOnly.digest, 'then hub');
    expectError(await dev.get('/v2/all/library/nginx/manifests/nowhere', { headers: MANIFEST_ACCEPT }), 404, 'MANIFEST_UNKNOWN');
  });

  test('a private member is never read for someone who may not pull it', async () => {
    const outsider = as('outsider');
    assert.equal(await pullImage(outsider, 'all/library/nginx', 'v1'), upstreamImage.digest, 'the upstream image, not the private one');
    const hidden = await outsider.get(`/v2/all/library/nginx/manifests/${privateImage.digest}`, { headers: MANIFEST_ACCEPT });
    expectError(hidden, 404, 'MANIFEST_UNKNOWN');
    const layer = await outsider.get(`/v2/all/library/nginx/blobs/${privateImage.layers[0]!.digest}`);
    assert.equal(layer.status, 404, 'a private layer does not leak by digest');
    assert.ok(!layer.text.includes('team/'), 'the member name does not leak');
    expectStatus(await registry.get('/v2/team/library/nginx/tags/list'), 200, 'team has tags');
    const tags = await outsider.get('/v2/all/library/nginx/tags/list');
    expectStatus(tags, 200, 'tags through the group');
    assert.deepEqual(json<{ tags: string[] }>(tags).tags.sort(), ['only-upstream', 'v1'], "the proxy member's cached tags (team has only v1)");
  });

  test('a group none of whose members the caller may pull shows them nothing, tags included', async () => {
    expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'shut', visibility: 'public', group: { members: ['team'] } }), 201, 'create shut');
    const outsider = as('outsider');
    expectError(await outsider.get('/v2/shut/library/nginx/tags/list'), 404, 'NAME_UNKNOWN');
    expectError(await outsider.get(`/v2/shut/library/nginx/referrers/${privateImage.digest}`), 404, 'NAME_UNKNOWN');
    expectError(await outsider.get('/v2/shut/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT }), 404, 'MANIFEST_UNKNOWN');
    const dev = as('dev');
    expectStatus(await dev.get('/v2/shut/library/nginx/tags/list'), 200, 'a team member sees them');
  });

  test('pulling through a private group needs pull on the group', async () => {
    expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'closed', group: { members: ['hub'] } }), 201, 'create closed');
    const reply = await as('outsider').get('/v2/closed/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT });
    assert.ok([401, 403, 404].includes(reply.status), `refused: ${reply.status}`);
    assert.ok(!reply.text.includes('sha256:'));
  });
});

describe('pushing through a group', () => {
  test('a push to the group lands in its push member, Locations keep the group name', async () => {
    // Pushing needs push on the group and on its push member.
    for (const user of ['dev', 'outsider']) {
      expectStatus(await admin.send('PUT', `/api/v1/projects/all/members/${user}`, { role: 'developer' }), 200, `${user} develops all`);
    }
    const dev = as('dev');
    const pushed = await pushImage(dev, 'all/apps/web', 'v1');
    const started = await dev.post('/v2/all/apps/web/blobs/uploads/');
    expectStatus(started, 202, 'upload through the group');
    assert.match(started.headers.get('location')!, /^(https?:\/\/[^/]+)?\/v2\/all\/apps\/web\/blobs\/uploads\//);
    const stored = await registry.get('/v2/team/apps/web/manifests/v1', { headers: MANIFEST_ACCEPT });
    expectStatus(stored, 200, 'in team');
    assert.equal(stored.headers.get('docker-content-digest'), pushed.digest);
    assert.equal(await pullImage(dev, 'all/apps/web', 'v1'), pushed.digest);
  });

  test('without a push member, or without push on it, the push is refused with a clear error', async () => {
    expectStatus(await admin.send('PATCH', '/api/v1/projects/all', { group: { pushTo: null } }), 200, 'no push member');
    const refused = expectError(await as('dev').post('/v2/all/apps/web/blobs/uploads/'), 403, 'DENIED');
    assert.match(refused.message, /^all is a group of team, hub with no push member/);
    expectStatus(await admin.send('PATCH', '/api/v1/projects/all', { group: { pushTo: 'team' } }), 200, 'push member back');
    const guest = await as('guest').post('/v2/all/apps/web/blobs/uploads/');
    assert.ok([401, 403].includes(guest.status), `a guest may not push: ${guest.status}`);
    const outsider = expectError(await as('outsider').post('/v2/all/apps/web/blobs/uploads/'), 403, 'DENIED');
    assert.match(outsider.message, /goes to team\/apps\/web, which you may not push/);
  });
});

describe('transparent mirror', () => {
  test('a name that is no project is served from the docker.io mirror unchanged', async () => {
    expectError(await registry.get('/v2/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT }), 404, 'MANIFEST_UNKNOWN');
    const marked = await admin.send('PATCH', '/api/v1/projects/hub', { mirrorOf: 'registry-1.docker.io' });
    expectStatus(marked, 200, 'mark hub');
    assert.deepEqual(json<{ mirrorOf: string[] }>(marked).mirrorOf, ['docker.io']);
    assert.equal(await pullImage(registry, 'library/nginx', 'v1'), upstreamImage.digest);
    assert.equal(await pullImage(registry, 'team/library/nginx', 'v1'), privateImage.digest, 'a project is never shadowed');
  });

  test('?ns= routes to the project mirroring that host; an unknown host is served as the name says', async () => {
    expectError(await admin.send('PATCH', '/api/v1/projects/team', { mirrorOf: 'quay.io' }), 409, 'CONFLICT');
    expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'quay', visibility: 'public', proxy: { url: upstream.url }, mirrorOf: 'quay.io' }), 201, 'create quay');
    const viaNs = await registry.get('/v2/library/nginx/manifests/only-upstream?ns=quay.io', { headers: MANIFEST_ACCEPT });
    expectStatus(viaNs, 200, 'ns=quay.io');
    assert.equal(viaNs.headers.get('docker-content-digest'), upstreamOnly.digest);
    const cached = await registry.get('/v2/quay/library/nginx/manifests/only-upstream', { headers: MANIFEST_ACCEPT });
    expectStatus(cached, 200, 'cached in quay');
    expectError(await registry.get('/v2/library/nginx/manifests/v1?ns=ghcr.io', { headers: MANIFEST_ACCEPT }), 404, 'MANIFEST_UNKNOWN');
    const cleared = await admin.send('PATCH', '/api/v1/projects/hub', { mirrorOf: null });
    assert.equal(json<Record<string, unknown>>(cleared).mirrorOf, undefined);
  });
});
