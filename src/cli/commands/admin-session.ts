/**
 * Runs one management command against the registry's data: the same config as `berth serve`
 * (file and REGISTRY_* environment) says where the database is. The CLI acts as a system admin
 * named `cli`: whoever can run it already holds the database, and the audit log says the
 * change came from the command line rather than from an account.
 */
import { composeAdmin } from '../../compose/compose-admin.js';
import { loadConfig } from '../../config/load-config.js';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import type { Actor } from '../../core/access/admin-context.js';
import type { StorageAdmin } from '../../core/lifecycle/storage-admin.js';

export const CLI_ACTOR: Actor = { kind: 'user', name: 'cli', systemAdmin: true, credential: { kind: 'cli' } };

export interface Session {
  admin: AccessAdmin;
  /** Policies, quotas, usage and retention; every change is audited, as on the API. */
  storage: StorageAdmin;
  actor: Actor;
  /** Config-derived defaults a command may need (audit retention). */
  auditRetentionSeconds: number | undefined;
  /** `auth` of the config: builtin, htpasswd, token or none. */
  authMode: string;
}

export async function withAdmin(configFile: string | undefined, run: (session: Session) => Promise<void>): Promise<void> {
  const { config, warnings } = loadConfig({ file: configFile, env: process.env });
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const composed = await composeAdmin(config, (error) => process.stderr.write(`warning: the audit log could not be written: ${String(error)}\n`));
  const retention = config.auth.mode === 'builtin' && config.auth.auditRetentionSeconds > 0 ? config.auth.auditRetentionSeconds : undefined;
  try {
    await run({ admin: composed.admin, storage: composed.storage, actor: CLI_ACTOR, auditRetentionSeconds: retention, authMode: config.auth.mode });
  } finally {
    await composed.close();
  }
}
