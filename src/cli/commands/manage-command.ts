/**
 * Dispatches `berth settings|user|robot|project|policy|quota|usage|retention|token|audit|webhook …` and maps outcomes to exit codes:
 * 0 done, 1 refused or failed (the registry's own message), 2 the command line was wrong.
 */
import { RegistryError } from '../../core/errors.js';
import { auditCommand, auditUsage } from './audit-command.js';
import { policyCommand, policyUsage } from './policy-command.js';
import { projectCommand, projectUsage } from './project-command.js';
import { quotaCommand, quotaUsage } from './quota-command.js';
import { retentionCommand, retentionUsage } from './retention-command.js';
import { settingsCommand, settingsUsage } from './settings-command.js';
import { robotCommand, robotUsage } from './robot-command.js';
import { tokenCommand, tokenUsage } from './token-command.js';
import { usageCommand, usageUsage } from './usage-command.js';
import { userCommand, userUsage } from './user-command.js';
import { webhookCommand, webhookUsage } from './webhook-command.js';

const commands: Readonly<Record<string, { run: (args: string[]) => Promise<void>; usage: string }>> = {
  settings: { run: settingsCommand, usage: settingsUsage },
  user: { run: userCommand, usage: userUsage },
  robot: { run: robotCommand, usage: robotUsage },
  project: { run: projectCommand, usage: projectUsage },
  policy: { run: policyCommand, usage: policyUsage },
  quota: { run: quotaCommand, usage: quotaUsage },
  usage: { run: usageCommand, usage: usageUsage },
  retention: { run: retentionCommand, usage: retentionUsage },
  token: { run: tokenCommand, usage: tokenUsage },
  audit: { run: auditCommand, usage: auditUsage },
  webhook: { run: webhookCommand, usage: webhookUsage },
};

export function manageUsage(name: string): string {
  const command = commands[name];
  if (!command) throw new Error(`no management command "${name}"`);
  return command.usage;
}

/** Runs one; main has already answered --help. UsageErrors reach main, which prints them. */
export async function runManageCommand(name: string, args: string[]): Promise<number> {
  const command = commands[name]!;
  try {
    await command.run(args);
    return 0;
  } catch (error) {
    if (error instanceof RegistryError) {
      process.stderr.write(`berth ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
