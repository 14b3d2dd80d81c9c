/**
 * Dispatches `berth quota|usage|retention …` with the same exit codes as manage-command.ts:
 * 0 done, 1 refused or failed (the registry's own message), 2 the command line was wrong.
 * (`berth policy` stays in manage-command.ts; these could join its table there.)
 */
import { RegistryError } from '../../core/errors.js';
import { UsageError } from './cli-args.js';
import { quotaCommand, quotaUsage } from './quota-command.js';
import { retentionCommand, retentionUsage } from './retention-command.js';
import { usageCommand, usageUsage } from './usage-command.js';

const commands: Readonly<Record<string, { run: (args: string[]) => Promise<void>; usage: string }>> = {
  quota: { run: quotaCommand, usage: quotaUsage },
  usage: { run: usageCommand, usage: usageUsage },
  retention: { run: retentionCommand, usage: retentionUsage },
};

export function isStorageCommand(name: string | undefined): boolean {
  return name !== undefined && Object.hasOwn(commands, name);
}

export async function runStorageCommand(name: string, args: string[]): Promise<number> {
  const command = commands[name]!;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    await command.run(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`berth ${name}: ${error.message}\n${error.usage}\n`);
      return 2;
    }
    if (error instanceof RegistryError) {
      process.stderr.write(`berth ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
