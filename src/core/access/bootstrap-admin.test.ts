import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, test } from 'node:test';
import { adminFixture, type AdminFixture } from '../../../test/support/access-admin-fixture.js';
import { BcryptPasswordHasher } from '../../adapters/crypto/bcrypt-password-hasher.js';
import type { AccessStore } from '../../ports/access-store.js';
import type { InitialPasswordNote } from '../../ports/initial-password.js';
import { bootstrapAdmin } from './bootstrap-admin.js';

/** A note in memory that records what the store held when it was written. */
class MemoryNote implements InitialPasswordNote {
  readonly location = '/data/admin.password';
  kept: string | undefined;
  usersWhenKept: number | undefined;
  failKeep = false;
  store: AccessStore | undefined;
  async keep(password: string) {
    if (this.failKeep) throw new Error('EACCES');
    this.usersWhenKept = await this.store!.countUsers();
    this.kept = password;
  }
  async read() {
    return this.kept;
  }
  async discard() {
    this.kept = undefined;
  }
}

const hasher = new BcryptPasswordHasher(4);
const now = () => new Date('2030-01-01T00:00:00Z');
let f: AdminFixture;
let note: MemoryNote;
let stores: { access: AccessStore };
beforeEach(async () => {
  note = new MemoryNote();
  f = await adminFixture({}, { initialPassword: note });
  note.store = f.store;
  stores = { access: f.store };
});
afterEach(() => f.close());

test('a generated password is kept before the admin exists, and works', async () => {
  const signIn = await bootstrapAdmin(stores.access, hasher, undefined, now, note);
  assert.deepEqual(signIn, { name: 'admin', passwordAt: '/data/admin.password', fromEnvironment: false });
  assert.equal(note.usersWhenKept, 0, 'written before the account: a failure in between leaves no admin without a password');
  const admin = await stores.access.user('admin');
  assert.ok(admin && (await hasher.verify(note.kept!, admin.passwordHash)));
});

test('when the password cannot be kept, no admin is created', async () => {
  note.failKeep = true;
  await assert.rejects(bootstrapAdmin(stores.access, hasher, undefined, now, note), /EACCES/);
  assert.equal(await stores.access.countUsers(), 0);
});

test('a later start announces the note while it works and removes it once it does not', async () => {
  await bootstrapAdmin(stores.access, hasher, undefined, now, note);
  assert.deepEqual(await bootstrapAdmin(stores.access, hasher, undefined, now, note), { name: 'admin', passwordAt: '/data/admin.password', fromEnvironment: false });
  await stores.access.updateUser('admin', { passwordHash: await hasher.hash('changed elsewhere!') });
  assert.equal(await bootstrapAdmin(stores.access, hasher, undefined, now, note), undefined);
  assert.equal(note.kept, undefined, 'a stale note is removed');
});

test('BERTH_ADMIN_PASSWORD keeps no note and removes a stale one', async () => {
  note.kept = 'left by an earlier install';
  assert.deepEqual(await bootstrapAdmin(stores.access, hasher, 'operator password', now, note), { name: 'admin', passwordAt: undefined, fromEnvironment: true });
  assert.equal(note.kept, undefined);
});

test("changing the admin's password or deleting the admin removes the note; another user's password does not", async () => {
  await bootstrapAdmin(stores.access, hasher, undefined, now, note);
  const { admin, root: CLI } = f;
  await admin.users.create(CLI, { name: 'bob', password: 'bobs password', systemAdmin: true });
  await admin.users.setPassword(CLI, 'bob', 'bobs new password');
  assert.ok(note.kept, 'untouched by another user');
  await admin.users.setPassword(CLI, 'admin', 'the new admin password');
  assert.equal(note.kept, undefined);
  note.kept = 'again';
  await admin.users.delete(CLI, 'admin');
  assert.equal(note.kept, undefined);
});
