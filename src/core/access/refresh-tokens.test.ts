import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, test } from 'node:test';
import { adminFixture, type AdminFixture } from '../../../test/support/access-admin-fixture.js';
import { UnauthorizedError } from '../errors.js';
import { AuditLog } from './audit-log.js';
import { RefreshTokens } from './refresh-tokens.js';

let f: AdminFixture;
let refresh: RefreshTokens;
beforeEach(async () => {
  f = await adminFixture();
  const audit = new AuditLog(f.store, f.now, (error) => {
    throw error;
  });
  refresh = new RefreshTokens(f.store, f.authenticator, audit, { ttlSeconds: 3600, maxPerAccount: 2, now: f.now });
  await f.user('alice', { password: 'alice password' });
});
afterEach(() => f.close());

test('a refresh token redeems to its account with the credential it came from, until it expires', async () => {
  const token = (await refresh.issue(await f.authenticator.login('alice', 'alice password', undefined)))!;
  assert.ok(token.startsWith('brt_'));
  const principal = await refresh.redeem(token);
  assert.equal(principal.kind === 'user' && principal.name, 'alice');
  assert.equal(principal.kind === 'user' && principal.credential?.kind, 'password');
  f.advance(3601);
  await assert.rejects(refresh.redeem(token), UnauthorizedError);
});

test('nobody, and a principal without a credential (read back from a registry token), gets none', async () => {
  assert.equal(await refresh.issue({ kind: 'anonymous' }), undefined);
  assert.equal(await refresh.issue({ kind: 'user', name: 'alice', systemAdmin: false }), undefined);
});

test("an expired personal access token ends the refresh tokens it obtained", async () => {
  const alice = await f.authenticator.login('alice', 'alice password', undefined);
  const { token: pat } = await f.admin.tokens.create({ ...alice, clientIp: undefined }, 'alice', { name: 'short', expiresAt: new Date(f.now().getTime() + 60_000) });
  const token = (await refresh.issue(await f.authenticator.login('alice', pat, undefined)))!;
  await refresh.redeem(token);
  f.advance(61);
  await assert.rejects(refresh.redeem(token), /sign in again/);
  const [listed] = await f.store.listRefreshTokens('user', 'alice');
  assert.ok(listed?.revokedAt, 'the dead record is marked revoked');
});

test('garbage, a wrong secret and an old stateless refresh JWT are refused', async () => {
  const token = (await refresh.issue(await f.authenticator.login('alice', 'alice password', undefined)))!;
  for (const bad of ['', 'brt_', 'brt__x', `${token}x`, `brt_${token.slice('brt_'.length).split('_')[0]}_wrong`, 'eyJhbGciOiJFUzI1NiJ9.eyJ1c2UiOiJyZWZyZXNoIn0.sig']) {
    await assert.rejects(refresh.redeem(bad), UnauthorizedError, JSON.stringify(bad));
  }
});

test('beyond the cap a new login revokes the oldest live refresh token', async () => {
  const login = () => f.authenticator.login('alice', 'alice password', undefined).then((p) => refresh.issue(p));
  const first = (await login())!;
  f.advance(1);
  const second = (await login())!;
  f.advance(1);
  const third = (await login())!;
  await assert.rejects(refresh.redeem(first), UnauthorizedError);
  await refresh.redeem(second);
  await refresh.redeem(third);
  const [event] = await f.store.queryAudit({ action: 'refresh.revoke', limit: 1 });
  assert.match(event?.detail ?? '', /more than 2 refresh tokens/);
});
