#!/usr/bin/env node
/**
 * The `berth` command. Thin by design: it parses arguments and calls the same composition and
 * use cases the HTTP edge uses.
 */
import { ConfigError } from '../config/config-error.js';
import { RegistryError } from '../core/errors.js';
import { UsageError, wantsHelp } from './commands/cli-args.js';
import { commandList, findCommand } from './command-table.js';

/**
 * Exit codes: 0 done (help included), 1 refused or failed, 2 the command line was wrong (an
 * unknown command or option, a missing argument), with the usage on stderr — the convention of
 * getopt-style tools, so a script can tell "you called me wrong" from "the registry said no".
 */
async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${commandList()}\n`);
    return 0;
  }
  if (name === '--version') return findCommand('version')!.run([]);
  if (name === 'help') return help(rest);
  const command = findCommand(name);
  if (!command) {
    process.stderr.write(`berth: unknown command "${name}"\n${commandList()}\n`);
    return 2;
  }
  // Before anything else: help must not read a config, open the data or start a server.
  if (wantsHelp(rest)) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`berth ${name}: ${error.message}\n${error.usage}\n`);
      return 2;
    }
    throw error;
  }
}

function help(args: string[]): number {
  if (args.length === 0 || wantsHelp(args)) {
    process.stdout.write(`${args.length === 0 ? commandList() : findCommand('help')!.usage}\n`);
    return 0;
  }
  const command = findCommand(args[0]);
  if (!command || args.length > 1) {
    process.stderr.write(`berth help: ${command ? 'one command at a time' : `unknown command "${args[0]}"`}\n${commandList()}\n`);
    return 2;
  }
  process.stdout.write(`${command.usage}\n`);
  return 0;
}

/**
 * Exits once stdout and stderr have handed everything over: a report piped to another program
 * (`berth gc --json | jq`) can exceed the pipe's buffer, and exiting at once would cut it off.
 */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// Everything berth writes (database, blobs, keys, exports) is for its own account only,
// whatever umask the shell or service manager left; the adapters also set modes explicitly.
process.umask(0o077);

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) exitAfterOutput(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error('berth: invalid configuration:');
      for (const problem of error.problems) console.error(`  - ${problem}`);
      for (const warning of error.warnings) console.error(`  (warning) ${warning}`);
    } else if (error instanceof RegistryError) {
      // A refusal with a message written for the operator (BERTH_ADMIN_PASSWORD, …): no stack.
      console.error(`berth: ${error.message}`);
    } else {
      console.error(`berth: ${(error as Error).stack ?? String(error)}`);
    }
    exitAfterOutput(1);
  },
);
