/**
 * The management use cases for one-shot commands (`berth user …`, `berth audit …`): opens
 * only the metadata database, never the blob store, and runs none of `compose()`'s start-up
 * work (sweeps, admin bootstrap, signing keys), which would be wrong while a server is
 * running on the same data. SQLite's WAL lets both share the file.
 */
import { BcryptPasswordHasher } from '../adapters/crypto/bcrypt-password-hasher.js';
import { openSqlite } from '../adapters/metadata/sqlite-database.js';
import type { BerthConfig } from '../config/config.js';
import { AccessAdmin } from '../core/access/access-admin.js';
import { AuditLog } from '../core/access/audit-log.js';
import { Authorizer, type AccessPolicy } from '../core/access/authorizer.js';
import type { AccessStore } from '../ports/access-store.js';
import type { PolicyStore } from '../ports/policy-store.js';

export interface ComposedAdmin {
  admin: AccessAdmin;
  store: AccessStore;
  policies: PolicyStore;
  close(): Promise<void>;
}

/** The policy in force: the configured one, or the open defaults while `auth: none` is set. */
export function accessPolicy(config: BerthConfig): AccessPolicy {
  return config.auth.mode === 'builtin'
    ? { anonymousPull: config.auth.anonymousPull, createProjectsOnPush: config.auth.createProjectsOnPush }
    : { anonymousPull: true, createProjectsOnPush: false };
}

export async function composeAdmin(config: BerthConfig, onAuditError: (error: unknown) => void): Promise<ComposedAdmin> {
  const stores = openSqlite({ path: config.metadata.sqlite.path });
  try {
    await stores.access.migrate();
  } catch (error) {
    await stores.close();
    throw error;
  }
  const now = () => new Date();
  const admin = new AccessAdmin({
    store: stores.access,
    hasher: new BcryptPasswordHasher(),
    authorizer: new Authorizer(stores.access, accessPolicy(config)),
    audit: new AuditLog(stores.access, now, onAuditError),
    now,
  });
  return { admin, store: stores.access, policies: stores.policies, close: () => stores.close() };
}
