/**
 * Dispatches `berth settings|user|robot|project|policy|quota|usage|retention|token|audit|webhook …` and maps outcomes to exit codes:
 * 0 done, 1 refused or failed (the registry's own message), 2 the command line was wrong.
 * A command's module is imported when it runs, not when the table is read (see manage-usage.ts).
 */
import { RegistryError } from '../../core/errors.js';
import {
  auditUsage,
  policyUsage,
  projectUsage,
  quotaUsage,
  retentionUsage,
  robotUsage,
  settingsUsage,
  tokenUsage,
  usageUsage,
  userUsage,
  webhookUsage,
} from './manage-usage.js';

type Run = (args: string[]) => Promise<void>;

const commands: Readonly<Record<string, { load: () => Promise<Run>; usage: string }>> = {
  settings: { load: async () => (await import('./settings-command.js')).settingsCommand, usage: settingsUsage },
  user: { load: async () => (await import('./user-command.js')).userCommand, usage: userUsage },
  robot: { load: async () => (await import('./robot-command.js')).robotCommand, usage: robotUsage },
  project: { load: async () => (await import('./project-command.js')).projectCommand, usage: projectUsage },
  policy: { load: async () => (await import('./policy-command.js')).policyCommand, usage: policyUsage },
  quota: { load: async () => (await import('./quota-command.js')).quotaCommand, usage: quotaUsage },
  usage: { load: async () => (await import('./usage-command.js')).usageCommand, usage: usageUsage },
  retention: { load: async () => (await import('./retention-command.js')).retentionCommand, usage: retentionUsage },
  token: { load: async () => (await import('./token-command.js')).tokenCommand, usage: tokenUsage },
  audit: { load: async () => (await import('./audit-command.js')).auditCommand, usage: auditUsage },
  webhook: { load: async () => (await import('./webhook-command.js')).webhookCommand, usage: webhookUsage },
};

export function manageUsage(name: string): string {
  const command = commands[name];
  if (!command) throw new Error(`no management command "${name}"`);
  return command.usage;
}

/** Runs one; main has already answered --help. UsageErrors reach main, which prints them. */
export async function runManageCommand(name: string, args: string[]): Promise<number> {
  const run = await commands[name]!.load();
  try {
    await run(args);
    return 0;
  } catch (error) {
    if (error instanceof RegistryError) {
      process.stderr.write(`berth ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
