import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { client, expectError, expectStatus, json } from '../support/http-client.js';
import { adminApi, api, basic, startApiServer, userApi, type Api } from './api-support.js';

let server: TestServer;
let admin: Api;
before(async () => {
  server = await startApiServer();
  admin = await adminApi(server);
});
after(() => server.close());

const names = (reply: { text: string }, key: string) => (JSON.parse(reply.text) as Record<string, { name: string }[]>)[key]!.map((p) => p.name);

test('projects: created private by default, visible to whom they should be', async () => {
  const created = await admin.send('POST', '/api/v1/projects', { name: 'alpha' });
  expectStatus(created, 201);
  assert.deepEqual({ ...json<Record<string, unknown>>(created), createdAt: 'x' }, { name: 'alpha', visibility: 'private', createdAt: 'x', role: 'admin', kind: 'hosted' });
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'beta', visibility: 'public' }), 201);
  const outsider = await userApi(server, admin, 'outsider');
  assert.deepEqual(names(await outsider.get('/api/v1/projects'), 'projects'), ['beta']);
  assert.deepEqual(names(await api(server, undefined).get('/api/v1/projects'), 'projects'), ['beta'], 'anonymous sees public projects');
  expectError(await outsider.get('/api/v1/projects/alpha'), 404, 'NOT_FOUND');
  expectStatus(await outsider.get('/api/v1/projects/beta'), 200);
  expectError(await outsider.send('POST', '/api/v1/projects', { name: 'mine' }), 403, 'DENIED');
  expectError(await admin.send('POST', '/api/v1/projects', { name: 'alpha' }), 409, 'CONFLICT');
  expectError(await admin.send('POST', '/api/v1/projects', { name: 'a/b' }), 400, 'NAME_INVALID');
  expectError(await admin.send('POST', '/api/v1/projects', { name: 'gamma', visibility: 'hidden' }), 400, 'BAD_REQUEST');
});

test('members: a project admin adds, changes and removes them; the role decides /v2 access', async () => {
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'team' }), 201);
  const lead = await userApi(server, admin, 'lead');
  const dev = await userApi(server, admin, 'dev');
  expectError(await dev.send('PUT', '/api/v1/projects/team/members/dev', { role: 'admin' }), 403, 'DENIED');
  expectStatus(await admin.send('PUT', '/api/v1/projects/team/members/lead', { role: 'admin' }), 200);
  const put = await lead.send('PUT', '/api/v1/projects/team/members/dev', { role: 'developer' });
  expectStatus(put, 200);
  assert.deepEqual(json(put), { user: 'dev', role: 'developer' });
  assert.deepEqual(json(await dev.get('/api/v1/projects/team/members/dev')), { user: 'dev', role: 'developer' });
  const members = json<{ members: unknown[] }>(await dev.get('/api/v1/projects/team/members')).members;
  assert.deepEqual(members, [
    { user: 'admin', role: 'admin' },
    { user: 'dev', role: 'developer' },
    { user: 'lead', role: 'admin' },
  ]);
  const me = json<{ projects: unknown[] }>(await dev.get('/api/v1/me'));
  assert.deepEqual(me.projects, [{ project: 'team', role: 'developer' }]);

  const token = await client(server.url).get('/token?service=berth&scope=repository:team/app:pull,push', {
    headers: { authorization: basic('dev', 'dev-password') },
  });
  const claims = JSON.parse(Buffer.from(json<{ token: string }>(token).token.split('.')[1]!, 'base64url').toString()) as { access: unknown };
  assert.deepEqual(claims.access, [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);

  expectError(await lead.send('PUT', '/api/v1/projects/team/members/dev', { role: 'owner' }), 400, 'BAD_REQUEST');
  expectError(await lead.send('PUT', '/api/v1/projects/team/members/ghost', { role: 'guest' }), 404, 'NOT_FOUND');
  expectStatus(await lead.delete('/api/v1/projects/team/members/dev'), 204);
  expectError(await lead.delete('/api/v1/projects/team/members/dev'), 404, 'NOT_FOUND');
  expectError(await dev.get('/api/v1/projects/team'), 404, 'NOT_FOUND');
  expectError(await admin.get('/api/v1/projects/nope/members'), 404, 'NOT_FOUND');
});

test('visibility: a project admin makes a project public', async () => {
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'docs' }), 201);
  const owner = await userApi(server, admin, 'owner');
  expectStatus(await admin.send('PUT', '/api/v1/projects/docs/members/owner', { role: 'admin' }), 200);
  const anonymous = api(server, undefined);
  expectError(await anonymous.get('/api/v1/projects/docs'), 404, 'NOT_FOUND');
  const patched = await owner.send('PATCH', '/api/v1/projects/docs', { visibility: 'public' });
  expectStatus(patched, 200);
  assert.equal(json(patched).visibility, 'public');
  expectStatus(await anonymous.get('/api/v1/projects/docs'), 200);
  expectError(await anonymous.send('PATCH', '/api/v1/projects/docs', { visibility: 'private' }), 401, 'UNAUTHORIZED');
});

test('robots: created with a secret shown once, which signs in at /token; deleted by full name', async () => {
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'ci' }), 201);
  const created = await admin.send('POST', '/api/v1/projects/ci/robots', { name: 'builder', actions: ['pull', 'push'], expiresIn: '1d' });
  expectStatus(created, 201);
  const robot = json<{ name: string; secret: string; actions: string[]; expiresAt: string }>(created);
  assert.equal(robot.name, 'robot$ci+builder');
  assert.deepEqual(robot.actions, ['pull', 'push']);
  assert.ok(robot.expiresAt);

  const login = await client(server.url).get('/token?service=berth&scope=repository:ci/app:push', {
    headers: { authorization: basic(robot.name, robot.secret) },
  });
  expectStatus(login, 200, 'robot login');
  const listed = json<{ robots: Record<string, unknown>[] }>(await admin.get('/api/v1/projects/ci/robots')).robots;
  assert.deepEqual(listed.map((r) => [r.name, r.secret]), [['robot$ci+builder', undefined]]);
  const asRobot = api(server, basic(robot.name, robot.secret));
  assert.deepEqual(json(await asRobot.get('/api/v1/me')), { kind: 'robot', name: 'robot$ci+builder', project: 'ci', actions: ['pull', 'push'] });
  expectError(await asRobot.get('/api/v1/projects/ci/robots'), 403, 'DENIED');

  expectError(await admin.send('POST', '/api/v1/projects/ci/robots', { name: 'x', actions: ['pull', 'fly'] }), 400, 'BAD_REQUEST');
  expectError(await admin.send('POST', '/api/v1/projects/ci/robots', { name: 'x', actions: 'pull' }), 400, 'BAD_REQUEST');
  expectError(await admin.send('POST', '/api/v1/projects/ci/robots', { name: 'builder', actions: ['pull'] }), 409, 'CONFLICT');

  expectStatus(await admin.delete(`/api/v1/robots/${encodeURIComponent(robot.name)}`), 204);
  expectError(await admin.delete('/api/v1/robots/robot$ci+builder'), 404, 'NOT_FOUND');
  expectError(await admin.delete('/api/v1/robots/builder'), 400, 'BAD_REQUEST');
  const after = await client(server.url).get('/token?service=berth', { headers: { authorization: basic(robot.name, robot.secret) } });
  expectError(after, 401, 'UNAUTHORIZED');
});
