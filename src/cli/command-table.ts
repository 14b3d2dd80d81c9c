/**
 * Every `berth` command in one table: its name, its subcommands, its line in the command list,
 * its usage text, and how to run it. main.ts answers `--help`/`-h` from this table before any
 * command runs, so a new command gets help that does nothing else (no config read, no data
 * directory, no server) by being listed here; test/cli/help-cli.test.ts walks the same table.
 */
import { readFileSync } from 'node:fs';
import { parseStrict } from './commands/cli-args.js';
import { manageUsage, runManageCommand } from './commands/manage-command.js';
import {
  CONFIG_USAGE,
  EXPORT_USAGE,
  GC_USAGE,
  HELP_USAGE,
  IMPORT_USAGE,
  MIGRATE_USAGE,
  NOTIFICATIONS_USAGE,
  RESTORE_USAGE,
  RM_USAGE,
  SERVE_USAGE,
  VERSION_USAGE,
} from './command-usage.js';

export interface CliCommand {
  name: string;
  /** Subcommand words (`member add` is two), each of which answers --help like the command. */
  subcommands: readonly string[];
  /** The left column of the command list. */
  synopsis: string;
  /** The right column: one or more lines. */
  summary: readonly string[];
  usage: string;
  /** Resolves to the exit code, or -1 when the command keeps the process alive (serve). */
  run(args: string[]): Promise<number>;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function runVersion(args: string[]): Promise<number> {
  parseStrict(args, {}, VERSION_USAGE, { min: 0, max: 0 });
  console.log(version());
  return 0;
}

/**
 * Imports a command's module when it runs: `berth --version` and every `--help` stay a few
 * dozen modules, and `berth gc` loads the collector without the HTTP server, while the server
 * loads none of the offline commands.
 */
function lazy<M>(load: () => Promise<M>, pick: (module: M) => (args: string[]) => Promise<number>): (args: string[]) => Promise<number> {
  return async (args) => pick(await load())(args);
}

function manage(name: string, subcommands: readonly string[], synopsis: string, summary: readonly string[]): CliCommand {
  return { name, subcommands, synopsis, summary, usage: manageUsage(name), run: (args) => runManageCommand(name, args) };
}

export const COMMANDS: readonly CliCommand[] = [
  { name: 'serve', subcommands: [], synopsis: 'serve [--config FILE] [--workers N]', summary: ['start the registry (default: :5000, ./data)'], usage: SERVE_USAGE, run: lazy(() => import('./serve-command.js'), (m) => m.runServe) },
  { name: 'config', subcommands: ['check'], synopsis: 'config check FILE', summary: ['validate a config file and name every problem'], usage: CONFIG_USAGE, run: lazy(() => import('./config-command.js'), (m) => m.runConfig) },
  manage('settings', ['show', 'set', 'reset'], 'settings show|set|reset', ['settings changed while serving: anonymous', 'pull, who may create projects']),
  manage('user', ['add', 'passwd', 'rm', 'list', 'disable', 'enable'], 'user add|passwd|rm|list|disable|enable', ['manage users']),
  manage('robot', ['add', 'rm', 'list'], 'robot add|rm|list', ['manage robot accounts']),
  manage('project', ['add', 'list', 'visibility', 'member', 'member add', 'member rm', 'member list'], 'project add|list|visibility|member', ['manage projects and their members']),
  manage('policy', ['set', 'show'], 'policy set|show', ["set a project's write policy and immutable tags;", 'show them with its quota and retention rules']),
  manage('quota', ['set', 'show'], 'quota set|show', ['limit what a project may store (10GiB, none)']),
  manage('usage', [], 'usage [PROJECT] [--json]', ['what each project (or repository) stores']),
  manage('retention', ['set', 'show', 'run'], 'retention set|show|run', ['rules that remove old tags; run or --dry-run']),
  manage('token', ['add', 'list', 'rm', 'refresh-list', 'refresh-rm'], 'token add|list|rm|refresh-list|refresh-rm', ['manage personal access tokens and refresh tokens']),
  manage('audit', ['prune'], 'audit [prune]', ['read (as a table or --json) or prune the audit log']),
  { name: 'gc', subcommands: [], synopsis: 'gc [--dry-run] [--grace D] [--full] [--now [--yes]]', summary: ['free the space of deleted content, online'], usage: GC_USAGE, run: lazy(() => import('./gc.js'), (m) => (args) => m.runGc(args)) },
  { name: 'rm', subcommands: [], synopsis: 'rm REPO[:TAG|@DIGEST]', summary: ['delete a repository, tag or manifest'], usage: RM_USAGE, run: lazy(() => import('./restore.js'), (m) => m.runRm) },
  { name: 'restore', subcommands: [], synopsis: 'restore REPO:TAG', summary: ['bring back a tag deleted within the restore window'], usage: RESTORE_USAGE, run: lazy(() => import('./restore.js'), (m) => m.runRestore) },
  { name: 'migrate', subcommands: [], synopsis: 'migrate --to CONFIG [--online]', summary: ['copy this registry into another (SQLite + files', 'to PostgreSQL + S3), resumable'], usage: MIGRATE_USAGE, run: lazy(() => import('./migrate.js'), (m) => m.runMigrate) },
  { name: 'import', subcommands: ['registry2', 'oci'], synopsis: 'import registry2 DIR | oci DIR|TAR --to REPO', summary: ['import a registry:2 storage root (resumable)', 'or an OCI image layout'], usage: IMPORT_USAGE, run: lazy(() => import('./import-command.js'), (m) => m.runImport) },
  { name: 'export', subcommands: [], synopsis: 'export REPO[:TAG]... --to DIR|TAR', summary: ['write tags as an OCI image layout'], usage: EXPORT_USAGE, run: lazy(() => import('./export-command.js'), (m) => m.runExport) },
  manage('webhook', ['add', 'list', 'rm', 'deliveries'], 'webhook add|list|rm|deliveries', ["a project's webhooks (Harbor's events, signed)"]),
  { name: 'notifications', subcommands: [], synopsis: 'notifications [--limit N]', summary: ['notification endpoints: events waiting, delivery log'], usage: NOTIFICATIONS_USAGE, run: lazy(() => import('./notifications-command.js'), (m) => m.runNotifications) },
  { name: 'version', subcommands: [], synopsis: 'version', summary: ['print the version (also --version)'], usage: VERSION_USAGE, run: runVersion },
  { name: 'help', subcommands: [], synopsis: 'help [COMMAND]', summary: ["list the commands, or show one command's usage"], usage: HELP_USAGE, run: async () => 0 },
];

export function findCommand(name: string | undefined): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The command list `berth`, `berth --help` and a mistyped command print. */
export function commandList(): string {
  const width = 48;
  const lines = ['Usage:'];
  for (const command of COMMANDS) {
    const left = `  berth ${command.synopsis}`;
    const [first = '', ...more] = command.summary;
    if (left.length >= width) {
      lines.push(left);
      if (first !== '') lines.push(`${' '.repeat(width)}${first}`);
    } else {
      lines.push(`${left.padEnd(width)}${first}`.trimEnd());
    }
    for (const line of more) lines.push(`${' '.repeat(width)}${line}`);
  }
  lines.push(
    '',
    'Run `berth COMMAND --help` for a command\'s options. The management commands act on the data',
    'the config names (the same config and REGISTRY_* environment as serve; --config FILE) and',
    'need no running server.',
    '',
    'Environment: the registry:2 names work (REGISTRY_HTTP_ADDR, REGISTRY_HTTP_TLS_CERTIFICATE,',
    'REGISTRY_HTTP_TLS_KEY, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, REGISTRY_STORAGE_DELETE_ENABLED,',
    'REGISTRY_LOG_LEVEL, …); see docs/configuration.md.',
  );
  return lines.join('\n');
}
