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
import type { PolicyStore } from '../../ports/policy-store.js';

export const CLI_ACTOR: Actor = { kind: 'user', name: 'cli', systemAdmin: true };

export interface Session {
  admin: AccessAdmin;
  actor: Actor;
  policies: PolicyStore;
  /** Config-derived defaults a command may need (audit retention). */
  auditRetentionSeconds: number | undefined;
}

export async function withAdmin(configFile: string | undefined, run: (session: Session) => Promise<void>): Promise<void> {
  const { config, warnings } = loadConfig({ file: configFile, env: process.env });
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const composed = await composeAdmin(config, (error) => process.stderr.write(`warning: the audit log could not be written: ${String(error)}\n`));
  const retention = config.auth.mode === 'builtin' && config.auth.auditRetentionSeconds > 0 ? config.auth.auditRetentionSeconds : undefined;
  try {
    await run({ admin: composed.admin, actor: CLI_ACTOR, policies: composed.policies, auditRetentionSeconds: retention });
  } finally {
    await composed.close();
  }
}
