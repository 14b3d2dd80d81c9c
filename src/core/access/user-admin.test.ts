import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, test } from 'node:test';
import { adminFixture, type AdminFixture } from '../../../test/support/access-admin-fixture.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError, UnauthorizedError } from '../errors.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await adminFixture();
});
afterEach(() => f.close());

test('a created user signs in with the given password, and listings never carry the hash', async () => {
  const created = await f.admin.users.create(f.root, { name: 'alice', password: 'correct horse' });
  assert.equal(created.generatedPassword, undefined);
  const { credential, ...who } = await f.authenticator.login('alice', 'correct horse', undefined) as { credential?: { kind: string } };
  assert.deepEqual(who, { kind: 'user', name: 'alice', systemAdmin: false });
  assert.equal(credential?.kind, 'password', 'the principal says it signed in with the password');
  const listed = await f.admin.users.list(f.root);
  assert.deepEqual(listed.map((u) => u.name), ['alice']);
  assert.equal('passwordHash' in listed[0]!, false);
});

test('without a password one is generated, returned once, and works', async () => {
  const created = await f.admin.users.create(f.root, { name: 'bob', systemAdmin: true });
  assert.ok(created.generatedPassword && created.generatedPassword.length >= 20);
  const principal = await f.authenticator.login('bob', created.generatedPassword, undefined);
  assert.deepEqual({ ...principal, credential: undefined }, { kind: 'user', name: 'bob', systemAdmin: true, credential: undefined });
});

test('names, passwords and duplicates are refused with the rule in the message', async () => {
  for (const name of ['A', 'a', 'al/ice', '-alice', 'x'.repeat(65), 'anonymous', 'cli']) {
    await assert.rejects(f.admin.users.create(f.root, { name, password: 'long enough pw' }), InvalidInputError, name);
  }
  await assert.rejects(f.admin.users.create(f.root, { name: 'alice', password: 'short' }), /at least 12 characters/);
  await assert.rejects(f.admin.users.create(f.root, { name: 'alice', password: 'é'.repeat(40) }), /at most 72 bytes/);
  await f.admin.users.create(f.root, { name: 'alice', password: 'long enough pw' });
  await assert.rejects(f.admin.users.create(f.root, { name: 'alice', password: 'long enough pw' }), ConflictError);
  assert.equal((await f.store.listUsers()).length, 1);
});

test('only system admins manage users; refusals are audited', async () => {
  const alice = await f.user('alice');
  await assert.rejects(f.admin.users.list(alice), DeniedError);
  await assert.rejects(f.admin.users.create(alice, { name: 'mallory', password: 'long enough pw' }), /alice may not create users/);
  await assert.rejects(f.admin.users.list({ kind: 'anonymous' }), UnauthorizedError);
  const robot = { kind: 'robot' as const, name: 'robot$team+ci', project: 'team', actions: ['pull' as const] };
  await assert.rejects(f.admin.users.get(robot, 'alice'), DeniedError);
  assert.equal(await f.store.user('mallory'), undefined);
  const denied = await f.store.queryAudit({ action: 'user.create', limit: 10 });
  assert.deepEqual(
    denied.map((e) => [e.actor, e.result, e.clientIp]),
    [
      ['alice', 'denied', '192.0.2.1'],
      ['cli', 'success', undefined],
    ],
  );
});

test('a user reads their own account but not another', async () => {
  const alice = await f.user('alice');
  await f.user('bob');
  assert.equal((await f.admin.users.get(alice, 'alice')).name, 'alice');
  await assert.rejects(f.admin.users.get(alice, 'bob'), DeniedError);
  await assert.rejects(f.admin.users.get(f.root, 'nobody'), NotFoundError);
});

test('a user changes their own password only by giving the current one', async () => {
  const alice = await f.user('alice', { password: 'first password' });
  await assert.rejects(f.admin.users.setPassword(alice, 'alice', 'second password'), /current password/);
  await assert.rejects(f.admin.users.setPassword(alice, 'alice', 'second password', 'wrong guess'), DeniedError);
  assert.ok(await f.authenticator.login('alice', 'first password', undefined));
  await f.admin.users.setPassword(alice, 'alice', 'second password', 'first password');
  await assert.rejects(f.authenticator.login('alice', 'first password', undefined), UnauthorizedError);
  assert.ok(await f.authenticator.login('alice', 'second password', undefined));
  await f.user('bob');
  await assert.rejects(f.admin.users.setPassword(alice, 'bob', 'taken over now', 'bob-password'), DeniedError);
});

test('an admin sets or generates a password without the current one', async () => {
  await f.user('alice', { password: 'first password' });
  assert.equal(await f.admin.users.setPassword(f.root, 'alice', 'reset by admin'), undefined);
  assert.ok(await f.authenticator.login('alice', 'reset by admin', undefined));
  const generated = await f.admin.users.setPassword(f.root, 'alice', undefined);
  assert.ok(generated);
  assert.ok(await f.authenticator.login('alice', generated, undefined));
  await assert.rejects(f.admin.users.setPassword(f.root, 'nobody', 'whatever1'), NotFoundError);
});

test('a disabled user cannot sign in until enabled again', async () => {
  await f.user('alice', { password: 'alice password' });
  const view = await f.admin.users.update(f.root, 'alice', { disabled: true });
  assert.equal(view.disabled, true);
  await assert.rejects(f.authenticator.login('alice', 'alice password', undefined), UnauthorizedError);
  assert.equal(await f.authenticator.resolve('alice', 'user'), undefined);
  await f.admin.users.update(f.root, 'alice', { disabled: false });
  assert.ok(await f.authenticator.login('alice', 'alice password', undefined));
  const actions = (await f.store.queryAudit({ actor: 'cli', limit: 10 })).map((e) => e.action);
  assert.deepEqual(actions, ['user.enable', 'user.disable', 'user.create']);
});

test('the last enabled system admin cannot be demoted, disabled or deleted', async () => {
  await f.user('root1', { systemAdmin: true });
  await assert.rejects(f.admin.users.update(f.root, 'root1', { systemAdmin: false }), /only enabled system admin/);
  await assert.rejects(f.admin.users.update(f.root, 'root1', { disabled: true }), ConflictError);
  await assert.rejects(f.admin.users.delete(f.root, 'root1'), ConflictError);
  await f.user('root2', { systemAdmin: true });
  await f.admin.users.update(f.root, 'root1', { systemAdmin: false });
  assert.equal((await f.store.user('root1'))?.systemAdmin, false);
});

test('deleting a user removes their tokens and memberships; nobody deletes themselves', async () => {
  const root1 = await f.user('root1', { systemAdmin: true });
  const alice = await f.user('alice');
  await f.admin.projects.create(f.root, 'team');
  await f.admin.projects.setMember(f.root, 'team', 'alice', 'developer');
  const { token } = await f.admin.tokens.create(alice, 'alice', { name: 'laptop' });
  await assert.rejects(f.admin.users.delete(root1, 'root1'), /your own account/);
  await f.admin.users.delete(root1, 'alice');
  assert.equal(await f.store.user('alice'), undefined);
  assert.deepEqual(await f.store.members('team'), []);
  await assert.rejects(f.authenticator.login('alice', token, undefined), UnauthorizedError);
  await assert.rejects(f.admin.users.delete(root1, 'alice'), NotFoundError);
});
