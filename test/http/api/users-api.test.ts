import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { client, expectError, expectStatus, json } from '../support/http-client.js';
import { adminApi, api, ADMIN_PASSWORD, basic, startApiServer, userApi, type Api } from './api-support.js';

let server: TestServer;
let admin: Api;
before(async () => {
  server = await startApiServer();
  admin = await adminApi(server);
});
after(() => server.close());

test('/me says who the caller is, by Basic password or Bearer token', async () => {
  const byBasic = await api(server, basic('admin', ADMIN_PASSWORD)).get('/api/v1/me');
  expectStatus(byBasic, 200);
  assert.deepEqual(json(byBasic), { kind: 'user', name: 'admin', systemAdmin: true, projects: [] });
  assert.equal(byBasic.headers.get('cache-control'), 'no-store');
  assert.deepEqual(json(await admin.get('/api/v1/me')), json(byBasic));
});

test('no or wrong credentials get 401 with a Bearer challenge (for a personal access token, not the token service)', async () => {
  const anonymous = await api(server, undefined).get('/api/v1/me');
  expectError(anonymous, 401, 'UNAUTHORIZED');
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="berth API"');
  expectError(await api(server, basic('admin', 'wrong password')).get('/api/v1/users'), 401, 'UNAUTHORIZED');
  expectError(await api(server, 'Bearer not.a.jwt').get('/api/v1/users'), 401, 'UNAUTHORIZED');
  expectError(await api(server, 'Digest whatever').get('/api/v1/users'), 401, 'UNAUTHORIZED');
  expectError(await api(server, undefined).get('/api/v1/users'), 401, 'UNAUTHORIZED');
});

test('an admin creates, reads, lists, changes and deletes a user', async () => {
  const created = await admin.send('POST', '/api/v1/users', { name: 'carol', password: 'carol password' });
  expectStatus(created, 201);
  const body = json(created);
  assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'disabled', 'name', 'systemAdmin']);
  assert.equal(body.name, 'carol');
  const listed = json<{ users: { name: string }[] }>(await admin.get('/api/v1/users')).users.map((u) => u.name);
  assert.ok(listed.includes('admin') && listed.includes('carol'));
  expectStatus(await api(server, basic('carol', 'carol password')).get('/api/v1/me'), 200);

  const disabled = await admin.send('PATCH', '/api/v1/users/carol', { disabled: true });
  expectStatus(disabled, 200);
  assert.equal(json(disabled).disabled, true);
  expectError(await api(server, basic('carol', 'carol password')).get('/api/v1/me'), 401, 'UNAUTHORIZED');
  expectStatus(await admin.send('PATCH', '/api/v1/users/carol', { disabled: false, password: 'changed password' }), 200);
  expectStatus(await api(server, basic('carol', 'changed password')).get('/api/v1/me'), 200);

  expectStatus(await admin.delete('/api/v1/users/carol'), 204);
  expectError(await admin.get('/api/v1/users/carol'), 404, 'NOT_FOUND');
  expectError(await admin.delete('/api/v1/users/carol'), 404, 'NOT_FOUND');
});

test('a generated password is returned once and works', async () => {
  const created = json(await admin.send('POST', '/api/v1/users', { name: 'dave' }));
  assert.equal(typeof created.password, 'string');
  expectStatus(await api(server, basic('dave', created.password as string)).get('/api/v1/me'), 200);
  assert.equal(json(await admin.get('/api/v1/users/dave')).password, undefined);
});

test('bad input is a 4xx envelope that names the problem, and writes nothing', async () => {
  const cases: [unknown, number, string, RegExp][] = [
    ['{"name":', 400, 'BAD_REQUEST', /not valid JSON/],
    [[1, 2], 400, 'BAD_REQUEST', /JSON object/],
    [{ name: 'erin', pasword: 'typo here' }, 400, 'BAD_REQUEST', /unknown field\(s\): pasword/],
    [{ name: 'Erin!' }, 400, 'BAD_REQUEST', /invalid user name/],
    [{ name: 'erin', password: 'short' }, 400, 'BAD_REQUEST', /at least 12 characters/],
    [{ name: 'erin', systemAdmin: 'yes' }, 400, 'BAD_REQUEST', /systemAdmin must be true or false/],
    [{ password: 'no name here' }, 400, 'BAD_REQUEST', /name is required/],
    [{ name: 'admin', password: 'long enough pw' }, 409, 'CONFLICT', /already exists/],
  ];
  for (const [body, status, code, message] of cases) {
    const error = expectError(await admin.send('POST', '/api/v1/users', body), status, code);
    assert.match(error.message, message);
  }
  const wrongType = await admin.send('POST', '/api/v1/users', { name: 'erin' }, { 'content-type': 'text/plain' });
  assert.match(expectError(wrongType, 400, 'BAD_REQUEST').message, /Content-Type: application\/json/);
  const huge = await admin.send('POST', '/api/v1/users', { name: 'erin', password: 'x'.repeat(70_000) });
  expectError(huge, 413, 'SIZE_INVALID');
  expectError(await admin.get('/api/v1/users/erin'), 404, 'NOT_FOUND');
});

test('a user reads themselves but not others, and cannot manage users', async () => {
  const frank = await userApi(server, admin, 'frank');
  expectStatus(await frank.get('/api/v1/users/frank'), 200);
  expectError(await frank.get('/api/v1/users/admin'), 403, 'DENIED');
  expectError(await frank.get('/api/v1/users'), 403, 'DENIED');
  expectError(await frank.send('POST', '/api/v1/users', { name: 'mallory' }), 403, 'DENIED');
  expectError(await frank.send('PATCH', '/api/v1/users/frank', { systemAdmin: true }), 403, 'DENIED');
  assert.equal(json(await admin.get('/api/v1/users/frank')).systemAdmin, false);
});

test('a user changes their own password with the current one', async () => {
  const grace = await userApi(server, admin, 'grace');
  const refused = expectError(await grace.send('PATCH', '/api/v1/users/grace', { password: 'new password' }), 403, 'DENIED');
  assert.match(refused.message, /currentPassword/);
  expectStatus(await grace.send('PATCH', '/api/v1/users/grace', { password: 'new password', currentPassword: 'grace-password' }), 200);
  expectStatus(await api(server, basic('grace', 'new password')).get('/api/v1/me'), 200);
  expectError(await api(server, basic('grace', 'grace-password')).get('/api/v1/me'), 401, 'UNAUTHORIZED');
});

test('a system admin changing their own password gives the current one too; resetting another user needs none', async () => {
  const second = await userApi(server, admin, 'root2', true);
  const refused = expectError(await second.send('PATCH', '/api/v1/users/root2', { password: 'another new password' }), 403, 'DENIED');
  assert.match(refused.message, /currentPassword/);
  expectError(await second.send('PATCH', '/api/v1/users/root2', { password: 'another new password', currentPassword: 'wrong guess here' }), 403, 'DENIED');
  expectStatus(await api(server, basic('root2', 'root2-password')).get('/api/v1/me'), 200, 'the password did not change');
  await userApi(server, admin, 'reset-me');
  expectStatus(await second.send('PATCH', '/api/v1/users/reset-me', { password: 'reset by an admin' }), 200);
  expectStatus(await api(server, basic('reset-me', 'reset by an admin')).get('/api/v1/me'), 200);
  // The tests after this one count on `admin` being the only system admin.
  expectStatus(await admin.delete('/api/v1/users/root2'), 204);
});

test('the last system admin cannot be removed or demoted', async () => {
  expectError(await admin.send('PATCH', '/api/v1/users/admin', { systemAdmin: false }), 409, 'CONFLICT');
  expectError(await admin.delete('/api/v1/users/admin'), 409, 'CONFLICT');
});

test('personal access tokens: created once, usable as a password for the API and /token, revocable', async () => {
  const henry = await userApi(server, admin, 'henry');
  const created = await henry.send('POST', '/api/v1/users/henry/tokens', { name: 'ci', expiresIn: '30d' });
  expectStatus(created, 201);
  const { id, token, expiresAt } = json<{ id: string; token: string; expiresAt: string }>(created);
  assert.ok(token.startsWith(`bpat_${id}_`));
  const days = (Date.parse(expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `expires in 30 days, not ${days}`);

  expectStatus(await api(server, basic('henry', token)).get('/api/v1/me'), 200);
  const docker = await client(server.url).get('/token?service=berth&scope=repository:x/y:pull', { headers: { authorization: basic('henry', token) } });
  expectStatus(docker, 200, 'docker login with a token');

  const listed = json<{ tokens: Record<string, unknown>[] }>(await henry.get('/api/v1/users/henry/tokens')).tokens;
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.id, id);
  assert.equal(listed[0]!.token, undefined, 'the token is never listed');
  assert.ok(listed[0]!.lastUsedAt, 'use is recorded');

  const ivy = await userApi(server, admin, 'ivy');
  expectError(await ivy.get('/api/v1/users/henry/tokens'), 403, 'DENIED');
  expectError(await ivy.delete(`/api/v1/users/henry/tokens/${id}`), 403, 'DENIED');
  expectError(await ivy.delete(`/api/v1/users/ivy/tokens/${id}`), 404, 'NOT_FOUND');
  expectError(await henry.send('POST', '/api/v1/users/henry/tokens', { name: 'x', expiresAt: '2000-01-01T00:00:00Z' }), 400, 'BAD_REQUEST');
  expectError(await henry.send('POST', '/api/v1/users/henry/tokens', { name: 'x', expiresIn: 'forever' }), 400, 'BAD_REQUEST');

  expectStatus(await henry.delete(`/api/v1/users/henry/tokens/${id}`), 204);
  expectError(await api(server, basic('henry', token)).get('/api/v1/me'), 401, 'UNAUTHORIZED');
});

test('a disabled user’s credentials stop working at once', async () => {
  const jack = await userApi(server, admin, 'jack');
  expectStatus(await jack.get('/api/v1/me'), 200);
  expectStatus(await admin.send('PATCH', '/api/v1/users/jack', { disabled: true }), 200);
  expectError(await jack.get('/api/v1/me'), 401, 'UNAUTHORIZED');
});
