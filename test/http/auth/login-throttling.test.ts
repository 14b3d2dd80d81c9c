/**
 * Failed-login throttling over real sockets, each client on its own loopback address: a guesser
 * slows only itself, the owner keeps a way in from an address that signed in before, a spray of
 * names blocks only the spraying address, and behind a configured proxy each forwarded client
 * has its own budget while a forged X-Forwarded-For from anyone else changes nothing.
 *
 * Limits are lowered (and waits lengthened to a minute) so a limit is reached in a few bcrypt
 * checks and nothing expires while a test runs.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { ANY_NAME_ACTOR } from '../../../src/core/access/authenticator.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { Accounts, basic, builtinAuth, requestFrom, SERVICE } from '../support/auth.js';
import { expectError, expectStatus, type Reply } from '../support/http-client.js';

type Login = { username: string; password: string };

const LIMITS = { freeFailures: 3, baseDelayMs: 60_000, perAddress: 8, perAccount: 9 };

function expectThrottled(reply: Reply, what: string): void {
  expectError(reply, 429, 'TOOMANYREQUESTS');
  const retryAfter = Number(reply.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 3600, `${what}: Retry-After ${reply.headers.get('retry-after')}`);
}

function tokenFrom(server: TestServer, address: string, login: Login, headers: Record<string, string> = {}): Promise<Reply> {
  return requestFrom(address, `${server.url}/token?service=${SERVICE}&scope=${encodeURIComponent('repository:team/app:pull')}`, {
    headers: { authorization: basic(login.username, login.password), ...headers },
  });
}

/** Wrong passwords from `address` until refused with 429; returns how many were 401 first. */
async function failUntilThrottled(server: TestServer, address: string, name: (i: number) => string, max: number): Promise<number> {
  for (let failures = 0; ; failures++) {
    const reply = await tokenFrom(server, address, { username: name(failures), password: `wrong-${failures}` });
    if (reply.status === 429) return failures;
    expectError(reply, 401, 'UNAUTHORIZED');
    assert.ok(failures < max, `no throttling after ${max} failed logins from ${address}`);
  }
}

describe('failed-login throttling', () => {
  let server: TestServer;
  let alice: Login;
  let bob: Login;
  before(async () => {
    server = await startTestServer({ auth: builtinAuth(), loginLimits: LIMITS });
    const accounts = new Accounts(server.composed);
    alice = await accounts.user('alice', 'alice-password');
    bob = await accounts.user('bob', 'bob-password');
  });
  after(() => server?.close());

  test("a guesser at alice's password slows only itself: alice signs in from her address and from new ones", async () => {
    expectStatus(await tokenFrom(server, '127.0.0.2', alice), 200, 'alice signs in from her usual address');
    const failures = await failUntilThrottled(server, '127.0.0.3', () => alice.username, 20);
    assert.equal(failures, LIMITS.freeFailures + 1, 'the free failures, then one that starts the backoff');
    expectThrottled(await tokenFrom(server, '127.0.0.3', alice), 'even the right password waits at the guessing address');
    expectStatus(await tokenFrom(server, '127.0.0.2', alice), 200, 'alice from her known address');
    expectStatus(await tokenFrom(server, '127.0.0.4', alice), 200, 'alice from an address never seen before');
    expectStatus(await tokenFrom(server, '127.0.0.3', bob), 200, 'another account from the guessing address');
  });

  test('many addresses guessing one account block it for new addresses, never for its known address', async () => {
    const carol = await new Accounts(server.composed).user('carol', 'carol-password');
    expectStatus(await tokenFrom(server, '127.0.0.12', carol), 200, 'carol signs in from her usual address');
    // Each guessing address stays within its free failures; together they pass the account's limit.
    for (let a = 0; a < LIMITS.perAccount / LIMITS.freeFailures; a++) {
      for (let i = 0; i < LIMITS.freeFailures; i++) {
        expectError(await tokenFrom(server, `127.0.1.${a + 1}`, { username: carol.username, password: `guess-${i}` }), 401, 'UNAUTHORIZED');
      }
    }
    expectThrottled(await tokenFrom(server, '127.0.1.99', carol), 'the right password from an unknown address');
    expectStatus(await tokenFrom(server, '127.0.0.12', carol), 200, 'carol from her known address');
  });

  test('a spray of names blocks the spraying address, except for owners who signed in from it; the audit log grows by a bounded number of rows', async () => {
    expectStatus(await tokenFrom(server, '127.0.0.5', alice), 200, 'alice signs in from the address a sprayer will share');
    const failures = await failUntilThrottled(server, '127.0.0.5', (i) => `sprayed-${i}`, 50);
    assert.equal(failures, LIMITS.perAddress);
    expectThrottled(await tokenFrom(server, '127.0.0.5', bob), 'an account never signed in from the spraying address');
    expectStatus(await tokenFrom(server, '127.0.0.6', bob), 200, 'the same account from another address');
    expectStatus(await tokenFrom(server, '127.0.0.5', alice), 200, 'alice, known at the shared address');

    const rowsFrom = async () => (await server.composed.accessStore.queryAudit({ action: 'login', limit: 10_000 })).filter((e) => e.clientIp === '127.0.0.5' && e.result !== 'success');
    const before = await rowsFrom();
    for (let i = 0; i < 60; i++) expectThrottled(await tokenFrom(server, '127.0.0.5', { username: `more-${i}`, password: 'x' }), 'still spraying');
    const afterFlood = await rowsFrom();
    assert.equal(afterFlood.length, before.length, '60 throttled attempts add no rows');
    const throttled = afterFlood.find((e) => e.result === 'denied');
    assert.equal(throttled?.actor, ANY_NAME_ACTOR);
    assert.ok(throttled.count >= 61, `throttled attempts are counted: ${throttled.count}`);
  });
});

describe('X-Forwarded-For', () => {
  let server: TestServer;
  let dave: Login;
  before(async () => {
    // The proxy is 127.0.0.1; every other loopback address is a client connecting directly.
    server = await startTestServer({ auth: builtinAuth(), loginLimits: LIMITS, trustedProxies: ['127.0.0.1/32'] });
    dave = await new Accounts(server.composed).user('dave', 'dave-password');
  });
  after(() => server?.close());

  const lastLoginAddress = async (actor: string) => (await server.composed.accessStore.queryAudit({ actor, action: 'login', limit: 1 }))[0]?.clientIp;

  test('is believed from a trusted proxy: each forwarded client has its own address and failed-login budget', async () => {
    const viaProxy = (client: string, login: Login) => tokenFrom(server, '127.0.0.1', login, { 'x-forwarded-for': `198.51.100.7, ${client}` });
    expectStatus(await viaProxy('203.0.113.9', dave), 200);
    assert.equal(await lastLoginAddress('dave'), '203.0.113.9', 'the audit log names the forwarded client');
    for (let i = 0; ; i++) {
      const reply = await viaProxy('203.0.113.66', { username: `sprayed-${i}`, password: 'x' });
      if (reply.status === 429) break;
      expectError(reply, 401, 'UNAUTHORIZED');
      assert.ok(i < 50, 'the forwarded sprayer is never throttled');
    }
    expectStatus(await viaProxy('203.0.113.10', dave), 200, 'another client behind the same proxy is not blocked');
  });

  test('is ignored from any other peer', async () => {
    const forged = { 'x-forwarded-for': '192.0.2.1' };
    expectStatus(await tokenFrom(server, '127.0.0.7', dave, forged), 200);
    assert.equal(await lastLoginAddress('dave'), '127.0.0.7', 'the socket peer, not the forged header');
    for (let i = 0; ; i++) {
      // A new forged address every time: were it believed, the sprayer would never be throttled.
      const reply = await tokenFrom(server, '127.0.0.8', { username: `forger-${i}`, password: 'x' }, { 'x-forwarded-for': `192.0.2.${i + 10}` });
      if (reply.status === 429) break;
      expectError(reply, 401, 'UNAUTHORIZED');
      assert.ok(i < 50, 'a forged X-Forwarded-For escaped the per-address limit');
    }
  });
});
