/** AccessStore suite: users and their personal access tokens. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { at, byteOrder, type Fixtures } from './access-store-fixtures.js';

export function userTests(f: Fixtures): void {
  test('an aborted signal rejects without writing', async () => {
    const user = f.userRecord(f.name('aborted'));
    await assert.rejects(f.store().createUser(user, { signal: AbortSignal.abort() }));
    assert.equal(await f.store().user(user.name), undefined);
  });

  test('createUser stores every field; a second create of the name rejects and changes nothing', async () => {
    const user = await f.createUser('create', { systemAdmin: true, createdAt: at(1) });
    assert.deepEqual(await f.store().user(user.name), user);
    await assert.rejects(f.store().createUser({ ...user, passwordHash: 'other', systemAdmin: false }));
    assert.deepEqual(await f.store().user(user.name), user);
    assert.equal(await f.store().user(f.name('never-created')), undefined);
    assert.equal(await f.store().deleteUser(user.name), true);
  });

  test('updateUser changes only the given fields and reports existence', async () => {
    const user = await f.createUser('update');
    assert.equal(await f.store().updateUser(user.name, { passwordHash: 'new-hash' }), true);
    assert.deepEqual(await f.store().user(user.name), { ...user, passwordHash: 'new-hash' });
    assert.equal(await f.store().updateUser(user.name, { systemAdmin: true, disabled: true }), true);
    const both = { ...user, passwordHash: 'new-hash', systemAdmin: true, disabled: true };
    assert.deepEqual(await f.store().user(user.name), both);
    assert.equal(await f.store().updateUser(user.name, { disabled: false }), true);
    assert.deepEqual(await f.store().user(user.name), { ...both, disabled: false });

    assert.equal(await f.store().updateUser(user.name, {}), true);
    const missing = f.name('update-missing');
    assert.equal(await f.store().updateUser(missing, {}), false);
    assert.equal(await f.store().updateUser(missing, { disabled: true }), false);
    assert.equal(await f.store().user(missing), undefined);
    assert.equal(await f.store().deleteUser(user.name), true);
  });

  test('listUsers is in byte order of name; countUsers follows creates and deletes', async () => {
    const before = await f.store().countUsers();
    // Byte order puts 'B' < '_' < 'a', unlike most locales' collations.
    const names = [`${f.run}-list-a`, `${f.run}-list-B`, `${f.run}-list-_`];
    for (const name of names) await f.store().createUser(f.userRecord(name));
    assert.equal(await f.store().countUsers(), before + 3);
    assert.equal(await f.store().countUsers(), (await f.store().listUsers()).length);
    const listed = f.mine(await f.store().listUsers()).filter((u) => u.name.startsWith(`${f.run}-list-`));
    assert.deepEqual(
      listed.map((u) => u.name),
      byteOrder(names),
    );
    assert.deepEqual(listed[0], f.userRecord(byteOrder(names)[0]));
    for (const name of names) assert.equal(await f.store().deleteUser(name), true);
    assert.equal(await f.store().countUsers(), before);
  });

  test('deleteUser removes the user with their memberships and tokens, and nobody else’s', async () => {
    const gone = await f.createUser('delete');
    const stays = await f.createUser('delete-other');
    const first = await f.createProject('delete-a');
    const second = await f.createProject('delete-b');
    await f.store().setMember({ project: first.name, user: gone.name, role: 'admin' });
    await f.store().setMember({ project: second.name, user: gone.name, role: 'guest' });
    await f.store().setMember({ project: first.name, user: stays.name, role: 'developer' });
    const goneTokens = [f.tokenRecord(gone.name, 'one'), f.tokenRecord(gone.name, 'two')];
    for (const token of goneTokens) await f.store().createToken(token);
    const kept = f.tokenRecord(stays.name, 'kept');
    await f.store().createToken(kept);

    assert.equal(await f.store().deleteUser(gone.name), true);
    assert.equal(await f.store().user(gone.name), undefined);
    assert.deepEqual(await f.store().memberships(gone.name), []);
    assert.deepEqual(await f.store().members(first.name), [{ project: first.name, user: stays.name, role: 'developer' }]);
    assert.deepEqual(await f.store().members(second.name), []);
    for (const token of goneTokens) assert.equal(await f.store().token(token.id), undefined);
    assert.deepEqual(await f.store().listTokens(gone.name), []);
    assert.deepEqual(await f.store().token(kept.id), kept);
    assert.equal(await f.store().deleteUser(gone.name), false);

    // A new account under the old name starts with nothing of the old one.
    await f.store().createUser(f.userRecord(gone.name));
    assert.deepEqual(await f.store().memberships(gone.name), []);
    assert.deepEqual(await f.store().listTokens(gone.name), []);
    assert.equal(await f.store().deleteUser(gone.name), true);
    assert.equal(await f.store().deleteUser(stays.name), true);
    assert.equal(await f.store().token(kept.id), undefined);
  });

  test('tokens round-trip, list oldest first per user, and reject a taken id or an unknown user', async () => {
    const owner = await f.createUser('tokens');
    const other = await f.createUser('tokens-other');
    // Ids sort opposite to creation time, and two share a time, so both sort keys are checked.
    const newest = f.tokenRecord(owner.name, 'newest', { id: `${f.run}-tok-a`, createdAt: at(3000) });
    const oldest = f.tokenRecord(owner.name, 'oldest', {
      id: `${f.run}-tok-c`,
      createdAt: at(1000),
      expiresAt: at(86_400_000),
      lastUsedAt: at(2000),
    });
    const tied = f.tokenRecord(owner.name, 'tied', { id: `${f.run}-tok-b`, createdAt: at(1000) });
    const foreign = f.tokenRecord(other.name, 'foreign');
    for (const token of [newest, oldest, tied, foreign]) await f.store().createToken(token);

    assert.deepEqual(await f.store().token(oldest.id), oldest);
    assert.deepEqual(await f.store().token(newest.id), newest);
    assert.deepEqual(await f.store().listTokens(owner.name), [tied, oldest, newest]);
    assert.deepEqual(await f.store().listTokens(other.name), [foreign]);
    assert.deepEqual(await f.store().listTokens(f.name('nobody')), []);
    assert.equal(await f.store().token(f.name('no-such-token')), undefined);

    await assert.rejects(f.store().createToken({ ...foreign, user: owner.name, name: 'clash' }));
    assert.deepEqual(await f.store().token(foreign.id), foreign);
    const orphan = f.tokenRecord(f.name('no-such-user'), 'orphan');
    await assert.rejects(f.store().createToken(orphan));
    assert.equal(await f.store().token(orphan.id), undefined);

    assert.equal(await f.store().deleteToken(tied.id), true);
    assert.equal(await f.store().deleteToken(tied.id), false);
    assert.equal(await f.store().token(tied.id), undefined);
    assert.deepEqual(await f.store().listTokens(owner.name), [oldest, newest]);
    assert.equal(await f.store().deleteUser(owner.name), true);
    assert.equal(await f.store().deleteUser(other.name), true);
  });

  test('touchToken sets lastUsedAt and ignores an unknown id', async () => {
    const owner = await f.createUser('touch');
    const token = f.tokenRecord(owner.name, 'touch', { expiresAt: at(10_000) });
    await f.store().createToken(token);
    await f.store().touchToken(token.id, at(5001));
    assert.deepEqual(await f.store().token(token.id), { ...token, lastUsedAt: at(5001) });
    await f.store().touchToken(token.id, at(7002));
    assert.deepEqual(await f.store().token(token.id), { ...token, lastUsedAt: at(7002) });
    await f.store().touchToken(f.name('no-such-token'), at(1));
    assert.equal(await f.store().deleteUser(owner.name), true);
  });
}
