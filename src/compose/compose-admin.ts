/**
 * The management use cases for one-shot commands (`berth user …`, `berth audit …`,
 * `berth quota …`, `berth retention …`): the metadata database and none of `compose()`'s
 * start-up work (sweeps, admin bootstrap, signing keys), which would be wrong while a server
 * is running on the same data. SQLite's WAL lets both share the file.
 *
 * The storage use cases need a Registry and a Lifecycle, which hold a blob store; the
 * filesystem store does no I/O until asked, and policies, usage and retention only touch the
 * metadata (retention's deletes are restorable metadata changes; the collector frees bytes
 * later), so a command that never deletes by digest never touches the blob tree.
 */
import { createBlobStore } from './blob-store.js';
import { BcryptPasswordHasher } from '../adapters/crypto/bcrypt-password-hasher.js';
import { InitialPasswordFile } from '../adapters/crypto/initial-password-file.js';
import { openMetadataDatabase } from './metadata-database.js';
import { proxyAdminDeps } from './proxy-projects.js';
import { webhookAdminDeps } from './compose-webhooks.js';
import type { BerthConfig } from '../config/config.js';
import { AccessAdmin } from '../core/access/access-admin.js';
import { AdminContext, type AdminDeps } from '../core/access/admin-context.js';
import { AuditLog } from '../core/access/audit-log.js';
import { Authorizer, type AccessPolicy } from '../core/access/authorizer.js';
import { RuntimeSettings } from '../core/access/runtime-settings.js';
import { Lifecycle } from '../core/lifecycle/lifecycle.js';
import { Retention } from '../core/lifecycle/retention.js';
import { StorageAdmin } from '../core/lifecycle/storage-admin.js';
import { Registry } from '../core/registry/registry.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../core/registry/registry-deps.js';
import type { AccessStore } from '../ports/access-store.js';
import type { PolicyStore } from '../ports/policy-store.js';

export interface ComposedAdmin {
  admin: AccessAdmin;
  /** Policies, quotas, usage and retention, with the same permissions and audit trail. */
  storage: StorageAdmin;
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
  const stores = await openMetadataDatabase(config);
  try {
    await stores.access.migrate();
  } catch (error) {
    await stores.close();
    throw error;
  }
  const now = () => new Date();
  const settings = new RuntimeSettings(stores.access, accessPolicy(config), { now: () => Date.now() });
  try {
    await settings.refresh();
  } catch (error) {
    await stores.close();
    throw error;
  }
  const deps: AdminDeps = {
    store: stores.access,
    hasher: new BcryptPasswordHasher(),
    authorizer: new Authorizer(stores.access, settings),
    settings,
    audit: new AuditLog(stores.access, now, onAuditError),
    now,
    // `berth user passwd admin` removes the generated first password, as the API does.
    initialPassword: new InitialPasswordFile(config.storage.filesystem.rootdirectory),
    // A running server reads changed settings within seconds (core/mirror/proxy-target.ts).
    proxies: proxyAdminDeps(config, stores.proxies),
    // A running server sees the change within seconds (compose-webhooks.ts re-reads them).
    webhooks: webhookAdminDeps(config, stores.shared.webhooks, stores.shared.outbox),
  };
  const blobs = await createBlobStore(config);
  const deleteEnabled = config.storage.delete.enabled;
  const restoreWindowMs = config.lifecycle.restoreWindowSeconds * 1000;
  // With the policies, so a delete by reference obeys the write policy as it does on /v2.
  const registry = new Registry({
    blobs,
    metadata: stores.metadata,
    deleteEnabled,
    maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
    now,
    policies: stores.policies,
  });
  const lifecycle = new Lifecycle({
    metadata: stores.metadata,
    blobs,
    now,
    graceMs: config.lifecycle.gc.graceSeconds * 1000,
    restoreWindowMs,
    deleteEnabled,
    policies: stores.policies,
  });
  const retention = new Retention({ metadata: stores.metadata, policies: stores.policies, now, restoreWindowMs });
  const storage = new StorageAdmin({
    ctx: new AdminContext(deps),
    policies: stores.policies,
    metadata: stores.metadata,
    lifecycle,
    retention,
    registry,
    deleteEnabled,
  });
  return {
    admin: new AccessAdmin(deps),
    storage,
    store: stores.access,
    policies: stores.policies,
    async close() {
      await stores.close();
      await blobs.close();
    },
  };
}
