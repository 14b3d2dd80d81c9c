/**
 * The web UI's sign-in as a browser meets it: POST /api/v1/session with a password sets an
 * HttpOnly, SameSite=Strict cookie; the cookie acts on /api/v1 only, and every change it makes
 * needs the session's CSRF token and no foreign Origin; sessions expire when idle and at their
 * lifetime (on an injected clock), and die with the password or the account.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { embeddedOnly } from '../../support/stack-mode.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { adminApi, basic, startApiServer } from '../api/api-support.js';
import { Accounts, builtinAuth, grantedActions, SERVICE } from '../support/auth.js';
import { client, expectError, expectStatus, json, type Reply } from '../support/http-client.js';
import { makeRoot, startServerOnRoot } from '../support/server-on-root.js';

const IDLE_SECONDS = 600;
const LIFETIME_SECONDS = 3600;
const MAX_PER_USER = 3;

interface SessionAnswer {
  user: { kind: string; name: string; systemAdmin: boolean };
  csrfToken: string;
  idleTimeoutSeconds: number;
}

interface Browser {
  cookie: string;
  csrf: string;
}

describe('browser sessions', () => {
  let server: TestServer;
  let clock = Date.now();
  const advance = (seconds: number) => {
    clock += seconds * 1000;
  };
  let accounts: Accounts;

  before(async () => {
    server = await startApiServer({
      sessionNow: () => new Date(clock),
      session: { idleTimeoutSeconds: IDLE_SECONDS, lifetimeSeconds: LIFETIME_SECONDS, maxPerUser: MAX_PER_USER },
      loginLimits: { freeFailures: 2 },
    });
    accounts = new Accounts(server.composed);
    await accounts.project('team', 'private');
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) await accounts.user(name, `${name}-password-1`);
    await accounts.member('team', 'alice', 'developer');
  });
  after(() => server?.close());

  const c = () => client(server.url);

  function signIn(username: string, password: string, headers: Record<string, string> = {}): Promise<Reply> {
    return c().post('/api/v1/session', {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ username, password }),
    });
  }

  async function browserFor(username: string, password = `${username}-password-1`): Promise<Browser> {
    const reply = await signIn(username, password);
    expectStatus(reply, 200, `sign in as ${username}`);
    const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('berth_session='));
    assert.ok(cookie, 'a session cookie is set');
    return { cookie: cookie.split(';')[0]!, csrf: json<SessionAnswer>(reply).csrfToken };
  }

  const me = (b: Browser) => c().get('/api/v1/me', { headers: { cookie: b.cookie } });
  const sessionOf = (b: Browser) => c().get('/api/v1/session', { headers: { cookie: b.cookie } });
  const createToken = (b: Browser, user: string, headers: Record<string, string>) =>
    c().post(`/api/v1/users/${user}/tokens`, {
      headers: { cookie: b.cookie, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: `t${Math.random().toString(36).slice(2, 8)}` }),
    });

  test('signing in sets an HttpOnly, SameSite=Strict cookie (not Secure over plain HTTP) and answers user, CSRF token, idle timeout', async () => {
    const reply = await signIn('alice', 'alice-password-1');
    expectStatus(reply, 200, 'sign in');
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    const body = json<SessionAnswer>(reply);
    assert.equal(body.user.name, 'alice');
    assert.equal(body.user.kind, 'user');
    assert.equal(body.idleTimeoutSeconds, IDLE_SECONDS);
    assert.ok(body.csrfToken.length >= 32);
    const cookie = reply.headers.getSetCookie()[0]!;
    const [pair, ...attributes] = cookie.split(';').map((part) => part.trim());
    assert.match(pair!, /^berth_session=[A-Za-z0-9_-]{43}$/);
    assert.ok(attributes.includes('HttpOnly'), cookie);
    assert.ok(attributes.includes('SameSite=Strict'), cookie);
    assert.ok(attributes.includes('Path=/'), cookie);
    assert.ok(!attributes.includes('Secure'), `no Secure over plain HTTP: ${cookie}`);
    assert.ok(!cookie.includes(body.csrfToken), 'the CSRF token is not the cookie');

    const b = { cookie: pair!, csrf: body.csrfToken };
    assert.equal(json<{ name: string }>(await me(b)).name, 'alice');
    const state = json<{ signedIn: boolean; csrfToken: string; user: { name: string } }>(await sessionOf(b));
    assert.deepEqual([state.signedIn, state.csrfToken, state.user.name], [true, body.csrfToken, 'alice']);
    assert.deepEqual(json(await c().get('/api/v1/session')), { signedIn: false });
  });

  test('the cookie value is not stored: the database holds only its hash', async () => {
    const b = await browserFor('alice');
    const value = b.cookie.slice('berth_session='.length);
    const stored = await server.composed.accessStore.listSessions('alice');
    assert.ok(stored.length > 0);
    for (const s of stored) assert.ok(!JSON.stringify(s).includes(value), 'no session record holds the cookie value');
  });

  test('a wrong password is 401 and sets no cookie; an unknown user the same', async () => {
    for (const [user, password] of [['bob', 'wrong-password-1'], ['nobody-here', 'whatever-password']]) {
      const reply = await signIn(user!, password!);
      expectError(reply, 401, 'UNAUTHORIZED');
      assert.deepEqual(reply.headers.getSetCookie(), []);
    }
  });

  test('robot accounts and personal access tokens cannot open a session, even when valid', async () => {
    const robot = await accounts.robot('team', 'ci', ['pull']);
    const pat = await accounts.personalToken('bob');
    for (const login of [robot, pat]) {
      const reply = await signIn(login.username, login.password);
      const error = expectError(reply, 403, 'DENIED');
      assert.match(error.message, /sign in with your user name and password/);
      assert.deepEqual(reply.headers.getSetCookie(), [], login.username);
    }
  });

  test('sign-in is throttled like docker login: after the free failures even the right password waits (429)', async () => {
    for (let i = 0; i < 3; i++) expectError(await signIn('carol', `wrong-${i}-password`), 401, 'UNAUTHORIZED');
    const throttled = await signIn('carol', 'carol-password-1');
    expectError(throttled, 429, 'TOOMANYREQUESTS');
    assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  });

  test('a request that changes something needs the CSRF token; a wrong one or a foreign Origin is 403', async () => {
    const b = await browserFor('alice');
    for (const [what, headers] of [
      ['no token', {}],
      ['a wrong token', { 'x-csrf-token': 'A'.repeat(b.csrf.length) }],
      ['a truncated token', { 'x-csrf-token': b.csrf.slice(1) }],
      ["another session's token", { 'x-csrf-token': (await browserFor('bob')).csrf }],
    ] as const) {
      const error = expectError(await createToken(b, 'alice', headers), 403, 'DENIED');
      assert.match(error.message, /missing or wrong CSRF token: reload the page/, what);
    }
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:1`]) {
      const error = expectError(await createToken(b, 'alice', { 'x-csrf-token': b.csrf, origin }), 403, 'DENIED');
      assert.match(error.message, /cross-site/, origin);
    }
    // With the token (and this host's Origin, or none) the session acts with the password's rights.
    expectStatus(await createToken(b, 'alice', { 'x-csrf-token': b.csrf, origin: server.url }), 201, 'same origin');
    expectStatus(await createToken(b, 'alice', { 'x-csrf-token': b.csrf }), 201, 'no Origin header');
    const tokens = json<{ tokens: unknown[] }>(await c().get('/api/v1/users/alice/tokens', { headers: { cookie: b.cookie } }));
    assert.equal(tokens.tokens.length, 2, 'GET needs no CSRF token');
  });

  test('Authorization requests are unaffected by the cookie and need no CSRF token', async () => {
    const b = await browserFor('alice');
    const reply = await c().post('/api/v1/users/bob/tokens', {
      headers: { cookie: b.cookie, authorization: basic('bob', 'bob-password-1'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'scripted' }),
    });
    expectStatus(reply, 201, 'Basic wins over the cookie');
  });

  test('sign-in from another site is refused (login CSRF)', async () => {
    const reply = await signIn('alice', 'alice-password-1', { origin: 'https://evil.example' });
    expectError(reply, 403, 'DENIED');
    assert.deepEqual(reply.headers.getSetCookie(), []);
  });

  test('an idle session expires; use slides it, but never past the lifetime', async () => {
    const idle = await browserFor('dave');
    advance(IDLE_SECONDS + 1);
    assert.deepEqual(json(await sessionOf(idle)), { signedIn: false });
    expectError(await me(idle), 401, 'UNAUTHORIZED');

    const busy = await browserFor('dave');
    let elapsed = 0;
    while (elapsed + 400 < LIFETIME_SECONDS) {
      advance(400);
      elapsed += 400;
      expectStatus(await me(busy), 200, `still signed in after ${elapsed} s of activity`);
    }
    advance(LIFETIME_SECONDS - elapsed + 1);
    expectError(await me(busy), 401, 'UNAUTHORIZED');
  });

  test('a password change ends the session; so does disabling the user, and enabling does not bring it back', async () => {
    const admin = await adminApi(server);
    const b = await browserFor('erin');
    expectStatus(await admin.send('PATCH', '/api/v1/users/erin', { password: 'erin-password-2' }), 200, 'password reset');
    expectError(await me(b), 401, 'UNAUTHORIZED');

    const again = await browserFor('erin', 'erin-password-2');
    expectStatus(await admin.send('PATCH', '/api/v1/users/erin', { disabled: true }), 200, 'disable');
    expectError(await me(again), 401, 'UNAUTHORIZED');
    expectStatus(await admin.send('PATCH', '/api/v1/users/erin', { disabled: false }), 200, 'enable');
    expectError(await me(again), 401, 'UNAUTHORIZED');
    assert.deepEqual(json(await sessionOf(again)), { signedIn: false });
  });

  test('a user holds at most maxperuser sessions: one more ends the oldest', async () => {
    // A second apart: "oldest" is by sign-in time, which the frozen clock would make a tie.
    const first = await browserFor('frank');
    for (let i = 1; i < MAX_PER_USER; i++) {
      advance(1);
      await browserFor('frank');
    }
    expectStatus(await me(first), 200, 'still within the cap');
    advance(1);
    await browserFor('frank');
    expectError(await me(first), 401, 'UNAUTHORIZED');
  });

  test('sign-out needs the CSRF token, ends the session, clears the cookie, and is audited', async () => {
    const b = await browserFor('bob');
    const refused = await c().delete('/api/v1/session', { headers: { cookie: b.cookie } });
    expectError(refused, 403, 'DENIED');
    expectStatus(await me(b), 200, 'a forged sign-out did nothing');
    const reply = await c().delete('/api/v1/session', { headers: { cookie: b.cookie, 'x-csrf-token': b.csrf } });
    expectStatus(reply, 204, 'sign out');
    assert.match(reply.headers.getSetCookie()[0] ?? '', /^berth_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict/);
    expectError(await me(b), 401, 'UNAUTHORIZED');
    expectStatus(await c().delete('/api/v1/session'), 204, 'signing out when not signed in is harmless');

    const admin = await adminApi(server);
    const events = async (action: string) =>
      json<{ events: { actor: string; result: string }[] }>(await admin.get(`/api/v1/audit?action=${action}&actor=bob`)).events;
    assert.ok((await events('session.signin')).some((e) => e.result === 'success'));
    assert.ok((await events('session.signout')).some((e) => e.result === 'success'));
    assert.ok((await events('session.signin')).some((e) => e.result === 'failure'), 'the wrong password earlier');
    assert.ok((await events('session.request')).some((e) => e.result === 'denied'), 'the forged sign-out');
  });

  test('the cookie never authenticates /v2 or /token', async () => {
    const b = await browserFor('alice');
    expectError(await c().get('/v2/', { headers: { cookie: b.cookie } }), 401, 'UNAUTHORIZED');
    expectError(await c().get('/v2/team/app/tags/list', { headers: { cookie: b.cookie } }), 401, 'UNAUTHORIZED');
    const scope = encodeURIComponent('repository:team/app:pull');
    const withCookie = json<{ token: string }>(await c().get(`/token?service=${SERVICE}&scope=${scope}`, { headers: { cookie: b.cookie } }));
    assert.deepEqual(grantedActions(withCookie.token, 'team/app'), [], 'the cookie is anonymous at /token');
    const withPassword = json<{ token: string }>(
      await c().get(`/token?service=${SERVICE}&scope=${scope}`, { headers: { authorization: basic('alice', 'alice-password-1') } }),
    );
    assert.deepEqual(grantedActions(withPassword.token, 'team/app'), ['pull'], 'alice herself may pull');
  });

  test('GET /api/v1/system tells the UI the registry host, anonymous pull and the version, to anyone', async () => {
    const system = json<{ registryHost: string; anonymousPull: boolean; version: string }>(await c().get('/api/v1/system'));
    assert.equal(system.registryHost, new URL(server.url).host);
    assert.equal(system.anonymousPull, true);
    assert.match(system.version, /^\d+\.\d+\.\d+/);
  });
});

describe('browser sessions behind TLS and across restarts', () => {
  const login = (base: string, headers: Record<string, string> = {}) =>
    client(base).post('/api/v1/session', {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ username: 'admin', password: 'bootstrap-admin-pw-2' }),
    });

  test('the cookie is Secure when the request came over TLS (here through a trusted proxy that says so)', {
    skip: embeddedOnly('the test client plays the TLS-terminating proxy; in the stack nginx is that proxy and sets X-Forwarded-Proto itself'),
  }, async () => {
    process.env.BERTH_ADMIN_PASSWORD = 'bootstrap-admin-pw-2';
    let server: TestServer | undefined;
    try {
      server = await startTestServer({ auth: builtinAuth(), trustedProxies: ['127.0.0.1/32'] });
    } finally {
      delete process.env.BERTH_ADMIN_PASSWORD;
    }
    try {
      const overTls = await login(server.url, { 'x-forwarded-proto': 'https' });
      expectStatus(overTls, 200, 'sign in over TLS');
      assert.match(overTls.headers.getSetCookie()[0] ?? '', /; Secure(;|$)/);
      const plain = await login(server.url);
      assert.doesNotMatch(plain.headers.getSetCookie()[0] ?? '', /Secure/);
    } finally {
      await server.close();
    }
  });

  test('a session survives a restart of the server (it lives in the metadata database)', async () => {
    const { root, remove } = await makeRoot();
    const start = async () => {
      process.env.BERTH_ADMIN_PASSWORD = 'bootstrap-admin-pw-2';
      try {
        return await startServerOnRoot(root, { auth: builtinAuth() });
      } finally {
        delete process.env.BERTH_ADMIN_PASSWORD;
      }
    };
    try {
      const first = await start();
      const reply = await login(first.url);
      expectStatus(reply, 200, 'sign in');
      const cookie = reply.headers.getSetCookie()[0]!.split(';')[0]!;
      const { csrfToken } = json<{ csrfToken: string }>(reply);
      await first.stop();
      const second = await start();
      try {
        const state = json<{ signedIn: boolean; csrfToken: string }>(await client(second.url).get('/api/v1/session', { headers: { cookie } }));
        assert.deepEqual([state.signedIn, state.csrfToken], [true, csrfToken], 'same session, same CSRF token');
      } finally {
        await second.stop();
      }
    } finally {
      await remove();
    }
  });
});
