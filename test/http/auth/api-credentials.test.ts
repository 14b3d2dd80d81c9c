/**
 * Issue 9, finding 2: which credentials /api/v1 accepts. Registry tokens from /token (scoped,
 * anonymous, refresh) are for /v2 only and get 401 with a message saying what to use; a
 * personal access token works as a Basic password or as a Bearer, like its user, except that
 * it may not create credentials (tokens, users, robots, passwords): that needs the password.
 * Also: a registry token of a system admin scoped to one repository does not act on others.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { api, ADMIN_PASSWORD, adminApi, basic, registryBearer, startApiServer, type Api } from '../api/api-support.js';
import { offlineLogin, withHeaders } from '../support/auth.js';
import { randomBlob } from '../support/content.js';
import { client, expectError, expectStatus, json } from '../support/http-client.js';
import { pushBlob } from '../support/push.js';

let server: TestServer;
let admin: Api;
let adminPat: string;

before(async () => {
  server = await startApiServer();
  admin = await adminApi(server);
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'pub', visibility: 'public' }), 201);
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'secret' }), 201);
  const created = await admin.send('POST', '/api/v1/users/admin/tokens', { name: 'script' });
  expectStatus(created, 201);
  adminPat = json<{ token: string }>(created).token;
});
after(() => server.close());

async function userCount(): Promise<number> {
  return json<{ users: unknown[] }>(await admin.get('/api/v1/users')).users.length;
}

test('a scoped pull token from /token is refused on /api/v1 with 401 naming what to use, and creates nothing', async () => {
  const before = await userCount();
  const pullToken = await registryBearer(server, 'admin', ADMIN_PASSWORD, ['repository:pub/app:pull']);
  const asToken = api(server, pullToken);
  const created = await asToken.send('POST', '/api/v1/users', { name: 'mallory', password: 'mallory password', systemAdmin: true });
  const error = expectError(created, 401, 'UNAUTHORIZED');
  assert.match(error.message, /\/v2 only/);
  assert.match(error.message, /personal access token/);
  assert.equal(created.headers.get('www-authenticate'), 'Bearer realm="berth API"');
  expectError(await asToken.send('POST', '/api/v1/users/admin/tokens', { name: 'forever' }), 401, 'UNAUTHORIZED');
  expectError(await asToken.get('/api/v1/me'), 401, 'UNAUTHORIZED');
  expectError(await asToken.get('/api/v1/openapi.json'), 401, 'UNAUTHORIZED');
  expectStatus(await api(server, undefined).get('/api/v1/openapi.json'), 200, 'the document itself stays public');
  assert.equal(await userCount(), before, 'no user was created');
  const tokens = json<{ tokens: { name: string }[] }>(await admin.get('/api/v1/users/admin/tokens')).tokens;
  assert.deepEqual(tokens.map((t) => t.name), ['script'], 'no token was created');
});

test('an anonymous registry token and a refresh token are refused on /api/v1 too', async () => {
  const anonymous = await registryBearer(server, undefined, '', ['repository:pub/app:pull']);
  expectError(await api(server, anonymous).get('/api/v1/projects'), 401, 'UNAUTHORIZED');
  const login = await offlineLogin(client(server.url), `${server.url}/token`, { username: 'admin', password: ADMIN_PASSWORD });
  const refresh = json<{ refresh_token: string }>(login).refresh_token;
  assert.ok(refresh);
  expectError(await api(server, `Bearer ${refresh}`).get('/api/v1/me'), 401, 'UNAUTHORIZED');
  expectError(await api(server, basic('admin', refresh)).get('/api/v1/me'), 401, 'UNAUTHORIZED');
});

test('a personal access token works as a Bearer and as a Basic password, like its user', async () => {
  for (const authorization of [`Bearer ${adminPat}`, basic('admin', adminPat)]) {
    const me = await api(server, authorization).get('/api/v1/me');
    expectStatus(me, 200, authorization.split(' ')[0]);
    assert.equal(json(me).name, 'admin');
    expectStatus(await api(server, authorization).get('/api/v1/users'), 200);
    expectStatus(await api(server, authorization).send('PATCH', '/api/v1/projects/pub', { visibility: 'public' }), 200);
  }
  expectError(await api(server, 'Bearer bpat_0000000000000000_nothing').get('/api/v1/me'), 401, 'UNAUTHORIZED');
});

test('a personal access token may not create tokens, users or robots, nor change a password; the password may', async () => {
  for (const authorization of [`Bearer ${adminPat}`, basic('admin', adminPat)]) {
    const asPat = api(server, authorization);
    const refusals = [
      await asPat.send('POST', '/api/v1/users/admin/tokens', { name: 'minted' }),
      await asPat.send('POST', '/api/v1/users', { name: 'backdoor', password: 'backdoor password' }),
      await asPat.send('POST', '/api/v1/projects/secret/robots', { name: 'ci', actions: ['pull'] }),
      await asPat.send('PATCH', '/api/v1/users/admin', { password: 'taken over for good' }),
    ];
    for (const reply of refusals) {
      const error = expectError(reply, 403, 'DENIED');
      assert.match(error.message, /sign in with your password/);
    }
  }
  expectError(await admin.get('/api/v1/users/backdoor'), 404, 'NOT_FOUND');
  expectStatus(await api(server, basic('admin', ADMIN_PASSWORD)).get('/api/v1/me'), 200, 'the password is unchanged');
  const events = json<{ events: { action: string; result: string; detail?: string }[] }>(await admin.get('/api/v1/audit?action=token.create'));
  assert.ok(events.events.some((e) => e.result === 'denied' && e.detail?.includes('needs the password')), 'the refusal is audited');

  // The same actions with the password itself.
  expectStatus(await admin.send('POST', '/api/v1/users/admin/tokens', { name: 'second' }), 201);
  expectStatus(await admin.send('POST', '/api/v1/projects/secret/robots', { name: 'ci', actions: ['pull'] }), 201);
});

test('a token cannot change its user\'s password, not even with the current one (no unthrottled guessing); the password can', async () => {
  expectStatus(await admin.send('POST', '/api/v1/users', { name: 'paula', password: 'paula password' }), 201);
  const paula = api(server, basic('paula', 'paula password'));
  const pat = json<{ token: string }>(await paula.send('POST', '/api/v1/users/paula/tokens', { name: 'laptop' })).token;
  const asPat = api(server, `Bearer ${pat}`);
  expectError(await asPat.send('PATCH', '/api/v1/users/paula', { password: 'stolen password' }), 403, 'DENIED');
  const refused = expectError(await asPat.send('PATCH', '/api/v1/users/paula', { password: 'paula new password', currentPassword: 'paula password' }), 403, 'DENIED');
  assert.match(refused.message, /password/);
  expectStatus(await paula.send('PATCH', '/api/v1/users/paula', { password: 'paula new password', currentPassword: 'paula password' }), 200);
  expectStatus(await api(server, basic('paula', 'paula new password')).get('/api/v1/me'), 200);
});

test("a system admin's registry token scoped to one repository mounts nothing from others", async () => {
  const asAdmin = withHeaders(client(server.url), { authorization: basic('admin', ADMIN_PASSWORD) });
  const digest = await pushBlob(asAdmin, 'secret/app', randomBlob());
  const pushToken = await registryBearer(server, 'admin', ADMIN_PASSWORD, ['repository:pub/app:pull,push']);
  const scoped = withHeaders(client(server.url), { authorization: pushToken });
  const mount = await scoped.post(`/v2/pub/app/blobs/uploads/?mount=${digest}`);
  expectStatus(mount, 202, 'a mount without `from` by a scoped token starts an upload instead');
  // With Basic credentials the admin acts as the whole account and the mount happens.
  expectStatus(await asAdmin.post(`/v2/pub/app/blobs/uploads/?mount=${digest}`), 201);
});
