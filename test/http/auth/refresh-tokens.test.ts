/**
 * Issue 9, finding 3: a refresh token (an OAuth2 offline login's) is a server-side record
 * tied to the credential that obtained it and to its account. Revoking the PAT, changing or
 * resetting the password, disabling or deleting the account, deleting the robot, or revoking
 * the refresh token itself (API or CLI) ends it; each revocation is audited.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { berth } from '../../cli/cli-support.js';
import { api, adminApi, basic, startApiServer, type Api } from '../api/api-support.js';
import { offlineLogin, postToken, SERVICE, tokenAnswer } from '../support/auth.js';
import { client, expectError, expectStatus, json } from '../support/http-client.js';

let server: TestServer;
let admin: Api;

before(async () => {
  server = await startApiServer();
  admin = await adminApi(server);
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'team' }), 201);
});
after(() => server.close());

/**
 * An offline login (OAuth2 POST grant_type=password, access_type=offline); the refresh token.
 * docker login's GET offline_token=true gets none since issue 10 (see the last test), so this
 * is the one way left to obtain one, and every guarantee below is about it.
 */
async function offlineLoginAs(username: string, secret: string): Promise<string> {
  const reply = await offlineLogin(client(server.url), `${server.url}/token`, { username, password: secret });
  const refresh = tokenAnswer(reply, `offline login as ${username}`).refresh_token;
  assert.ok(refresh, 'an offline login gets a refresh token');
  return refresh;
}

/** A client's later requests: POST /token grant_type=refresh_token, for a push scope. */
function refreshGrant(refresh: string) {
  return postToken(client(server.url), `${server.url}/token`, {
    grant_type: 'refresh_token',
    refresh_token: refresh,
    service: SERVICE,
    scope: 'repository:team/app:pull,push',
  });
}

async function expectRefreshWorks(refresh: string, what: string): Promise<void> {
  tokenAnswer(await refreshGrant(refresh), what);
}

async function expectRefreshRefused(refresh: string, what: string): Promise<void> {
  const reply = await refreshGrant(refresh);
  const error = expectError(reply, 401, 'UNAUTHORIZED');
  assert.match(error.message, /sign in again/, what);
}

async function createUser(name: string): Promise<Api> {
  const password = `${name} password`;
  expectStatus(await admin.send('POST', '/api/v1/users', { name, password }), 201, `create ${name}`);
  expectStatus(await admin.send('PUT', `/api/v1/projects/team/members/${name}`, { role: 'developer' }), 200);
  return api(server, basic(name, password));
}

function idOf(refresh: string): string {
  const match = /^brt_([0-9a-f]+)_/.exec(refresh);
  assert.ok(match, `refresh token format: ${refresh.slice(0, 8)}…`);
  return match[1]!;
}

async function revokeEvents(): Promise<string[]> {
  const events = json<{ events: { detail?: string }[] }>(await admin.get('/api/v1/audit?action=refresh.revoke&limit=100')).events;
  return events.map((e) => e.detail ?? '');
}

test('revoking the personal access token a login used ends its refresh token', async () => {
  const olga = await createUser('olga');
  const created = json<{ id: string; token: string }>(await olga.send('POST', '/api/v1/users/olga/tokens', { name: 'ci' }));
  const refresh = await offlineLoginAs('olga', created.token);
  await expectRefreshWorks(refresh, 'refresh while the token stands');
  expectStatus(await olga.delete(`/api/v1/users/olga/tokens/${created.id}`), 204);
  await expectRefreshRefused(refresh, 'refresh after the PAT is revoked');
  assert.ok((await revokeEvents()).some((d) => d.includes(idOf(refresh)) && d.includes(`token ${created.id} revoked`)), 'audited');
});

test('a password reset by an admin ends the refresh tokens that password obtained, not those of a token', async () => {
  const pete = await createUser('pete');
  const byPassword = await offlineLoginAs('pete', 'pete password');
  const pat = json<{ token: string }>(await pete.send('POST', '/api/v1/users/pete/tokens', { name: 'laptop' })).token;
  const byPat = await offlineLoginAs('pete', pat);
  expectStatus(await admin.send('PATCH', '/api/v1/users/pete', { password: 'reset by the admin' }), 200);
  await expectRefreshRefused(byPassword, 'refresh after the password reset');
  await expectRefreshWorks(byPat, 'the PAT still stands, and so does its refresh token');
});

test('a password changed behind the server’s back (another instance) still ends the refresh token', async () => {
  await createUser('quinn');
  const refresh = await offlineLoginAs('quinn', 'quinn password');
  // Write a new hash directly, as another instance (or a restore) would: no revocation runs,
  // so only the credential check at refresh time can catch it.
  await server.composed.accessStore.updateUser('quinn', { passwordHash: '$2a$04$differenthashdifferenthashdifferenthashdifferenthash' });
  await expectRefreshRefused(refresh, 'refresh after the stored hash changed');
});

test('disabling a user ends their refresh tokens for good; enabling does not bring them back', async () => {
  await createUser('rita');
  const refresh = await offlineLoginAs('rita', 'rita password');
  expectStatus(await admin.send('PATCH', '/api/v1/users/rita', { disabled: true }), 200);
  await expectRefreshRefused(refresh, 'refresh while disabled');
  expectStatus(await admin.send('PATCH', '/api/v1/users/rita', { disabled: false }), 200);
  await expectRefreshRefused(refresh, 'refresh after enabling again');
});

test("deleting a robot ends its refresh tokens", async () => {
  const robot = json<{ name: string; secret: string }>(await admin.send('POST', '/api/v1/projects/team/robots', { name: 'ci', actions: ['pull', 'push'] }));
  const refresh = await offlineLoginAs(robot.name, robot.secret);
  await expectRefreshWorks(refresh, 'robot refresh');
  expectStatus(await admin.delete(`/api/v1/robots/${encodeURIComponent(robot.name)}`), 204);
  await expectRefreshRefused(refresh, 'refresh after the robot is deleted');
});

test('a user lists and revokes their own refresh tokens over the API; others may not', async () => {
  const sam = await createUser('sam');
  const first = await offlineLoginAs('sam', 'sam password');
  const second = await offlineLoginAs('sam', 'sam password');
  const listed = json<{ refreshTokens: Record<string, unknown>[] }>(await sam.get('/api/v1/users/sam/refresh-tokens')).refreshTokens;
  assert.deepEqual(listed.map((t) => t.id), [idOf(first), idOf(second)]);
  assert.equal(listed[0]!.credentialKind, 'password');
  assert.equal(listed[0]!.account, 'sam');
  assert.ok(!JSON.stringify(listed).includes(first.slice(-20)), 'the secret is never listed');

  const tina = await createUser('tina');
  expectError(await tina.get('/api/v1/users/sam/refresh-tokens'), 403, 'DENIED');
  expectError(await tina.delete(`/api/v1/users/sam/refresh-tokens/${idOf(first)}`), 403, 'DENIED');
  expectError(await tina.delete(`/api/v1/users/tina/refresh-tokens/${idOf(first)}`), 404, 'NOT_FOUND');

  expectStatus(await sam.delete(`/api/v1/users/sam/refresh-tokens/${idOf(first)}`), 204);
  await expectRefreshRefused(first, 'refresh after revoking it');
  await expectRefreshWorks(second, 'the other login is untouched');
  const after = json<{ refreshTokens: { id: string; revokedAt?: string }[] }>(await admin.get('/api/v1/users/sam/refresh-tokens')).refreshTokens;
  assert.ok(after.find((t) => t.id === idOf(first))?.revokedAt, 'listed as revoked');
  assert.ok((await revokeEvents()).some((d) => d.includes(idOf(first)) && d.includes('revoked by request')), 'audited');
});

test('berth token refresh-list and refresh-rm show and end a login', async () => {
  await createUser('uma');
  const refresh = await offlineLoginAs('uma', 'uma password');
  const listed = await berth(server.root, ['token', 'refresh-list', 'uma']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^ID +OBTAINED WITH +CREATED +EXPIRES +LAST USED +STATUS\\n${idOf(refresh)} +password +.+ +active\\n$`));
  const removed = await berth(server.root, ['token', 'refresh-rm', idOf(refresh)]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, `revoked refresh token ${idOf(refresh)}\n`);
  await expectRefreshRefused(refresh, 'refresh after berth token refresh-rm');
  const missing = await berth(server.root, ['token', 'refresh-rm', 'no-such-id']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /refresh token no-such-id does not exist/);
});

test('docker login (GET offline_token=true) gets no refresh token and leaves no record: docker keeps the credentials, which podman and skopeo read too', async () => {
  await createUser('vera');
  const reply = await client(server.url).get('/token?service=berth&offline_token=true&client_id=docker', {
    headers: { authorization: basic('vera', 'vera password') },
  });
  const answer = tokenAnswer(reply, 'docker login as vera');
  assert.equal(answer.refresh_token, undefined, `docker would store it as an identity token that the containers tools refuse: ${reply.text}`);
  const listed = json<{ refreshTokens: unknown[] }>(await admin.get('/api/v1/users/vera/refresh-tokens')).refreshTokens;
  assert.deepEqual(listed, [], 'no refresh-token record for a docker login');
});
