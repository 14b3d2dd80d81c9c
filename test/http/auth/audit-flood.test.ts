/**
 * What anyone can make the audit log write, over real sockets: floods of junk logins and of
 * refused pushes and deletes are counted into a few rows instead of one row each, and names
 * that could garble a terminal are stored escaped. Shipped limits throughout.
 */
import { strict as assert } from 'node:assert';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { INVALID_NAME_ACTOR } from '../../../src/core/access/authenticator.js';
import type { StoredAuditEvent } from '../../../src/ports/access-store.js';
import { stackMode } from '../../support/stack-mode.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { Accounts, basic, builtinAuth, requestFrom, requestToken, SERVICE, tokenAnswer, withHeaders } from '../support/auth.js';
import { pushImage } from '../support/push.js';
import { OCI_MANIFEST } from '../support/content.js';
import { client, expectError, type Client } from '../support/http-client.js';

let server: TestServer;
let c: Client;
before(async () => {
  server = await startTestServer({ auth: builtinAuth() });
  c = client(server.url);
});
after(() => server?.close());

const allEvents = (): Promise<StoredAuditEvent[]> => server.composed.accessStore.queryAudit({ limit: 100_000 });

/** Runs `task(i)` for i < n, `width` at a time. */
async function inParallel(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

describe('junk logins', () => {
  test('a flood of 8,000-character names is refused and counted into one row', async () => {
    const rowsBefore = (await allEvents()).length;
    // The database file's growth is measurable only on the embedded server (SQLite in its root).
    const dbFile = stackMode() ? undefined : join(server.root, 'berth.db');
    const dbBefore = dbFile === undefined ? 0 : (await stat(dbFile)).size;
    const floods = 400;
    await inParallel(floods, 16, async (i) => {
      const name = `${i}-${'x'.repeat(8000)}`;
      // From an address of its own: the flood also spends that address's failed-login budget.
      expectError(await requestFrom('127.0.0.9', `${server.url}/token?service=${SERVICE}`, { headers: { authorization: basic(name, 'guess') } }), 401, 'UNAUTHORIZED');
    });
    const events = await allEvents();
    // Two kinds of row (junk name, rate limited); concurrent first events on several instances
    // can each start one, so the bound is per instance (one server: 2).
    const bound = 2 * server.instanceUrls.length;
    assert.ok(events.length - rowsBefore <= bound, `${events.length - rowsBefore} rows for ${floods} junk logins`);
    const junk = events.filter((e) => e.actor === INVALID_NAME_ACTOR);
    assert.equal(junk.reduce((sum, e) => sum + e.count, 0), floods, 'every attempt is counted');
    assert.ok(events.every((e) => e.actor.length <= 512), 'no actor is stored longer than the cap');
    if (dbFile !== undefined) {
      const grown = (await stat(dbFile)).size - dbBefore;
      assert.ok(grown < 1024 * 1024, `berth.db grew by ${grown} bytes`);
    }
  });

  test('control characters in a name never reach the log raw', async () => {
    for (const name of ['\u001b[2J\u001b[31mroot', 'eve\u202egnp.exe']) {
      expectError(await requestFrom('127.0.0.10', `${server.url}/token?service=${SERVICE}`, { headers: { authorization: basic(name, 'guess') } }), 401, 'UNAUTHORIZED');
    }
    const events = (await allEvents()).filter((e) => e.clientIp === '127.0.0.10');
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    assert.deepEqual(events.filter((e) => [e.actor, e.detail ?? ''].some((text) => unsafe.test(text))), []);
    assert.deepEqual(events.map((e) => e.actor).sort(), [INVALID_NAME_ACTOR, 'eve\\u202egnp.exe'], 'no account has a C0 control in its name; a bidi control is escaped');
  });
});

describe('refused pushes and deletes', () => {
  let guest: { username: string; password: string };
  let pullToken: string;
  before(async () => {
    const accounts = new Accounts(server.composed);
    await accounts.project('team', 'private');
    guest = await accounts.user('gina', 'gina-password');
    await accounts.member('team', 'gina', 'guest');
    // Asked for push; a guest is granted pull only.
    const answer = tokenAnswer(await requestToken(c, `${server.url}/token`, { credentials: guest, scopes: ['repository:team/app:pull,push,delete'] }));
    pullToken = answer.token;
  });

  test('are audited as denied, one counted row per caller, repository and kind of request', async () => {
    const bearer = { authorization: `Bearer ${pullToken}` };
    const manifest = { ...bearer, 'content-type': OCI_MANIFEST };
    for (let i = 0; i < 20; i++) expectError(await c.put('/v2/team/app/manifests/v1', { headers: manifest, body: '{}' }), 403, 'DENIED');
    expectError(await c.put('/v2/team/app/manifests/v1', { headers: { authorization: basic(guest.username, guest.password), 'content-type': OCI_MANIFEST }, body: '{}' }), 403, 'DENIED');
    for (let i = 0; i < 5; i++) expectError(await c.post('/v2/team/app/blobs/uploads/', { headers: bearer }), 403, 'DENIED');
    const digest = `sha256:${'a'.repeat(64)}`;
    for (let i = 0; i < 3; i++) expectError(await c.delete(`/v2/team/app/manifests/${digest}`, { headers: bearer }), 403, 'DENIED');
    // The first, credential-less request of every docker push is a challenge, not a refusal.
    expectError(await c.post('/v2/team/app/blobs/uploads/'), 401, 'UNAUTHORIZED');

    const denied = (await allEvents()).filter((e) => e.result === 'denied' && e.repository === 'team/app');
    const summary = denied.map((e) => `${e.actor} ${e.action} ${e.reference ?? '-'} ${e.detail} ×${e.count}`).sort();
    assert.deepEqual(summary, [
      `gina delete ${digest} DELETE manifest: HTTP 403 ×3`,
      'gina push - POST upload-start: HTTP 403 ×5',
      'gina push v1 PUT manifest: HTTP 403 ×21',
    ]);
    assert.ok(denied.every((e) => e.clientIp === '127.0.0.1'));
  });

  test('an anonymous token refused a push adds no audit row, whatever repositories it names (anyone can get one)', async () => {
    const anonymous = tokenAnswer(await requestToken(c, `${server.url}/token`, { scopes: ['repository:team/app:push'] }));
    const before = (await allEvents()).length;
    for (let i = 0; i < 20; i++) {
      expectError(await c.post(`/v2/team/app${i}/blobs/uploads/`, { headers: { authorization: `Bearer ${anonymous.token}` } }), 401, 'UNAUTHORIZED');
    }
    const after = await allEvents();
    assert.equal(after.length, before, 'refusals of anonymous callers are not audited');
    assert.equal(after.filter((e) => e.actor === 'anonymous' && e.result === 'denied').length, 0);
  });

  test('a push the project policy refuses is audited as denied too', async () => {
    const accounts = new Accounts(server.composed);
    await accounts.project('locked', 'private');
    const dev = await accounts.user('dan', 'dan-password');
    await accounts.member('locked', 'dan', 'developer');
    await server.composed.policies.set('locked', { writePolicy: 'allow-redeploy', immutableTags: ['v*'] });
    const asDan = withHeaders(c, { authorization: basic(dev.username, dev.password) });
    await pushImage(asDan, 'locked/app', 'v1');
    const other = await pushImage(asDan, 'locked/app', 'other');
    for (let i = 0; i < 3; i++) {
      const reply = await asDan.put('/v2/locked/app/manifests/v1', { headers: { 'content-type': OCI_MANIFEST }, body: other.body });
      expectError(reply, 403, 'DENIED');
    }
    const denied = (await allEvents()).filter((e) => e.result === 'denied' && e.repository === 'locked/app');
    assert.deepEqual(denied.map((e) => [e.actor, e.action, e.reference, e.count]), [['dan', 'push', 'v1', 3]]);
  });
});
