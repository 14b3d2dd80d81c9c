import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, test } from 'node:test';
import { BcryptPasswordHasher } from '../../adapters/crypto/bcrypt-password-hasher.js';
import { openSqlite } from '../../adapters/metadata/sqlite-database.js';
import type { AccessStore } from '../../ports/access-store.js';
import type { InitialPasswordNote } from '../../ports/initial-password.js';
import { AccessAdmin } from './access-admin.js';
import type { Actor } from './admin-context.js';
import { AuditLog } from './audit-log.js';
import { Authorizer } from './authorizer.js';
import { bootstrapAdmin } from './bootstrap-admin.js';

/** A note in memory that records what the store held when it was written. */
class MemoryNote implements InitialPasswordNote {
  readonly location = '/data/admin.password';
  kept: string | undefined;
  usersWhenKept: number | undefined;
  failKeep = false;
  constructor(private readonly store: AccessStore) {}
  async keep(password: string) {
    if (this.failKeep) throw new Error('EACCES');
    this.usersWhenKept = await this.store.countUsers();
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
const CLI: Actor = { kind: 'user', name: 'cli', systemAdmin: true, credential: { kind: 'cli' } };
let stores: ReturnType<typeof openSqlite>;
let note: MemoryNote;
beforeEach(async () => {
  stores = openSqlite({ path: ':memory:' });
  await stores.access.migrate();
  note = new MemoryNote(stores.access);
});
afterEach(() => stores.close());

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
  const audit = new AuditLog(stores.access, now, (error) => {
    throw error;
  });
  const admin = new AccessAdmin({ store: stores.access, hasher, authorizer: new Authorizer(stores.access, { anonymousPull: true, createProjectsOnPush: false }), audit, now, initialPassword: note });
  await admin.users.create(CLI, { name: 'bob', password: 'bobs password', systemAdmin: true });
  await admin.users.setPassword(CLI, 'bob', 'bobs new password');
  assert.ok(note.kept, 'untouched by another user');
  await admin.users.setPassword(CLI, 'admin', 'the new admin password');
  assert.equal(note.kept, undefined);
  note.kept = 'again';
  await admin.users.delete(CLI, 'admin');
  assert.equal(note.kept, undefined);
});
