/** AccessStore conformance: browser sessions (create, list, touch, delete, prune, cascade). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionRecord } from '../access-store.js';
import { at, type Fixtures } from './access-store-fixtures.js';

function record(f: Fixtures, user: string, fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: f.name('session'),
    user,
    credentialKind: 'password',
    credentialRef: 'fp-1',
    createdAt: at(0),
    lastSeenAt: at(0),
    idleExpiresAt: at(1_800_000),
    expiresAt: at(43_200_000),
    ...fields,
  };
}

export function sessionTests(f: Fixtures): void {
  test('sessions round-trip, list oldest first per user, touch, and reject a taken id or unknown user', async () => {
    const user = await f.createUser('session-owner');
    const first = record(f, user.name, { createdAt: at(1) });
    const second = record(f, user.name, { createdAt: at(2) });
    await f.store().createSession(second);
    await f.store().createSession(first);
    await assert.rejects(f.store().createSession({ ...first }), 'the id hash is taken');
    await assert.rejects(f.store().createSession(record(f, f.name('nobody'))), 'the user does not exist');
    assert.deepEqual(await f.store().session(first.idHash), first);
    assert.deepEqual(await f.store().listSessions(user.name), [first, second]);
    await f.store().touchSession(first.idHash, at(5), at(1_800_005));
    await f.store().touchSession('no-such-session', at(5), at(6));
    assert.deepEqual(await f.store().session(first.idHash), { ...first, lastSeenAt: at(5), idleExpiresAt: at(1_800_005) });
    assert.equal(await f.store().deleteUser(user.name), true);
    assert.equal(await f.store().session(first.idHash), undefined, 'deleteUser removes the sessions');
    assert.equal(await f.store().session(second.idHash), undefined);
  });

  test('deleteSessions removes one or all of a user, an empty match none; pruneSessions removes the expired', async () => {
    const user = await f.createUser('session-delete');
    const other = await f.createUser('session-other');
    const one = record(f, user.name);
    const two = record(f, user.name, { createdAt: at(1) });
    const idle = record(f, other.name, { idleExpiresAt: at(100) });
    const old = record(f, other.name, { createdAt: at(1), expiresAt: at(100) });
    const live = record(f, other.name, { createdAt: at(2), idleExpiresAt: at(1_000), expiresAt: at(2_000) });
    for (const r of [one, two, idle, old, live]) await f.store().createSession(r);

    assert.equal(await f.store().deleteSessions({}), 0);
    assert.equal(await f.store().deleteSessions({ idHash: one.idHash }), 1);
    assert.equal(await f.store().deleteSessions({ idHash: one.idHash }), 0, 'already gone');
    assert.equal(await f.store().deleteSessions({ user: user.name }), 1);
    assert.deepEqual(await f.store().listSessions(user.name), []);
    assert.equal(await f.store().listSessions(other.name).then((s) => s.length), 3, "another user's sessions stay");

    // Other runs' sessions sharing the store are dated from 2024 onward too; only ours are this early.
    assert.ok((await f.store().pruneSessions(at(100))) >= 2);
    assert.deepEqual(await f.store().listSessions(other.name), [live], 'expired at or before now, by either expiry');
    assert.equal(await f.store().deleteUser(user.name), true);
    assert.equal(await f.store().deleteUser(other.name), true);
  });
}
