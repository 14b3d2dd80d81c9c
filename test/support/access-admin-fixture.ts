/**
 * The management use cases over a real in-memory SQLite access store, with a clock the test
 * moves and a cheap bcrypt cost, plus an Authenticator to prove that issued secrets sign in.
 */
import { BcryptPasswordHasher } from '../../src/adapters/crypto/bcrypt-password-hasher.js';
import { openSqlite } from '../../src/adapters/metadata/sqlite-database.js';
import { AccessAdmin } from '../../src/core/access/access-admin.js';
import type { Actor } from '../../src/core/access/admin-context.js';
import { AuditLog } from '../../src/core/access/audit-log.js';
import { Authenticator } from '../../src/core/access/authenticator.js';
import { Authorizer, type AccessPolicy } from '../../src/core/access/authorizer.js';
import { DEFAULT_LIMITS, LoginLimiter } from '../../src/core/access/login-limiter.js';
import { MemoryThrottleStore } from '../../src/adapters/throttle/memory-throttle-store.js';
import { RuntimeSettings } from '../../src/core/access/runtime-settings.js';
import type { AccessStore } from '../../src/ports/access-store.js';
import type { InitialPasswordNote } from '../../src/ports/initial-password.js';

export interface AdminFixture {
  admin: AccessAdmin;
  store: AccessStore;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** The CLI's principal: a system admin without an account. */
  root: Actor;
  /** Creates a user through the use case and returns them as an actor. */
  user(name: string, options?: { systemAdmin?: boolean; password?: string }): Promise<Actor>;
  advance(seconds: number): void;
  now(): Date;
  close(): Promise<void>;
}

export async function adminFixture(
  policy: Partial<AccessPolicy> = {},
  options: { initialPassword?: InitialPasswordNote } = {},
): Promise<AdminFixture> {
  const stores = openSqlite({ path: ':memory:' });
  await stores.access.migrate();
  const store = stores.access;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const now = () => new Date(clock);
  const hasher = new BcryptPasswordHasher(4);
  const settings = new RuntimeSettings(store, { anonymousPull: true, createProjectsOnPush: false, ...policy }, { now: () => clock });
  await settings.refresh();
  const authorizer = new Authorizer(store, settings);
  const audit = new AuditLog(store, now, (error) => {
    throw error;
  });
  const admin = new AccessAdmin({ store, hasher, authorizer, settings, audit, now, initialPassword: options.initialPassword });
  const limiter = new LoginLimiter({ ...DEFAULT_LIMITS, now: () => clock }, new MemoryThrottleStore(DEFAULT_LIMITS.maxKeys));
  const authenticator = new Authenticator(store, hasher, limiter, audit, now);
  const root: Actor = { kind: 'user', name: 'cli', systemAdmin: true, credential: { kind: 'cli' } };
  return {
    admin,
    store,
    authenticator,
    authorizer,
    root,
    async user(name, options = {}) {
      const password = options.password ?? `${name}-password`;
      await admin.users.create(root, { name, password, systemAdmin: options.systemAdmin ?? false });
      // As if signed in with that password (what creating credentials needs).
      const credential = { kind: 'password' as const, fingerprint: 'fixture' };
      return { kind: 'user', name, systemAdmin: options.systemAdmin ?? false, clientIp: '192.0.2.1', credential };
    },
    advance(seconds) {
      clock += seconds * 1000;
    },
    now,
    close: () => stores.close(),
  };
}
