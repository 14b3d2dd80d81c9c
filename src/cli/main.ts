#!/usr/bin/env node
/**
 * The `berth` command. Thin by design: it parses arguments and calls the same composition and
 * use cases the HTTP edge uses.
 */
import { readFileSync } from 'node:fs';
import { checkConfigFile } from '../config/check-config.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { RegistryError } from '../core/errors.js';
import { isManageCommand, runManageCommand } from './commands/manage-command.js';
import { runGc } from './gc.js';
import { runRestore, runRm } from './restore.js';
import { serve } from './serve.js';

const usage = `Usage:
  berth serve [--config FILE]                   start the registry (default: :5000, ./data)
  berth config check FILE                       validate a config file and name every problem
  berth user add|passwd|rm|list|disable|enable  manage users
  berth robot add|rm|list                       manage robot accounts
  berth project add|list|visibility|member      manage projects and their members
  berth policy set|show                         set a project's write policy and immutable tags;
                                                show them with its quota and retention rules
  berth quota set|show                          limit what a project may store (10GiB, none)
  berth usage [PROJECT] [--json]                what each project (or repository) stores
  berth retention set|show|run                  rules that remove old tags; run or --dry-run
  berth token add|list|rm|refresh-list|refresh-rm
                                                manage personal access tokens and refresh tokens
  berth audit [prune]                           read (as a table or --json) or prune the audit log
  berth gc [--dry-run] [--grace D] [--full]     free the space of deleted content, online
  berth rm REPO[:TAG|@DIGEST]                   delete a repository, tag or manifest
  berth restore REPO:TAG                        bring back a tag deleted within the restore window
  berth --version

Run \`berth COMMAND --help\` for a command's options. The management commands act on the data
the config names (the same config and REGISTRY_* environment as serve; --config FILE) and
need no running server.

Environment: the registry:2 names work (REGISTRY_HTTP_ADDR, REGISTRY_HTTP_TLS_CERTIFICATE,
REGISTRY_HTTP_TLS_KEY, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, REGISTRY_STORAGE_DELETE_ENABLED,
REGISTRY_LOG_LEVEL, …); see docs/configuration.md.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index !== -1) return args[index + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (isManageCommand(command)) return runManageCommand(command!, rest);
  switch (command) {
    case 'gc':
      return runGc(rest);
    case 'rm':
      return runRm(rest);
    case 'restore':
      return runRestore(rest);
    case 'serve': {
      // registry:2 takes the config path as a positional argument; accept both forms.
      const file = option(rest, '--config') ?? rest.find((a) => !a.startsWith('-'));
      const { config, warnings } = loadConfig({ file, env: process.env });
      await serve(config, warnings);
      return -1;
    }
    case 'config': {
      if (rest[0] !== 'check' || !rest[1]) break;
      const result = checkConfigFile(rest[1], process.env);
      for (const warning of result.warnings) console.log(`warning: ${warning}`);
      for (const problem of result.problems) console.error(`error: ${problem}`);
      if (result.ok) console.log(`${rest[1]}: ok`);
      return result.ok ? 0 : 1;
    }
    case '--version':
    case 'version':
      console.log(version());
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(usage);
      return 0;
  }
  console.error(usage);
  return 2;
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
