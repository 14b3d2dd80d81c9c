/**
 * Every `berth` command in one table: its name, its subcommands, its line in the command list,
 * its usage text, and how to run it. main.ts answers `--help`/`-h` from this table before any
 * command runs, so a new command gets help that does nothing else (no config read, no data
 * directory, no server) by being listed here; test/cli/help-cli.test.ts walks the same table.
 */
import { readFileSync } from 'node:fs';
import { checkConfigFile } from '../config/check-config.js';
import { loadConfig } from '../config/load-config.js';
import { parseStrict, UsageError } from './commands/cli-args.js';
import { manageUsage, runManageCommand } from './commands/manage-command.js';
import { GC_USAGE, runGc } from './gc.js';
import { EXPORT_USAGE, runExport } from './export-command.js';
import { IMPORT_USAGE, runImport } from './import-command.js';
import { MIGRATE_USAGE, runMigrate } from './migrate.js';
import { NOTIFICATIONS_USAGE, runNotifications } from './notifications-command.js';
import { RESTORE_USAGE, RM_USAGE, runRestore, runRm } from './restore.js';
import { serve } from './serve.js';
import { MAX_WORKERS } from '../config/build-config.js';

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

export const SERVE_USAGE = `Usage: berth serve [--config FILE | FILE] [--workers N]

Starts the registry and serves until SIGTERM or SIGINT, then finishes in-flight requests.
Without a config it listens on :5000 and keeps its data in ./data; with auth: builtin (the
default) it creates a system admin on the first start.

  --config FILE   the YAML config (registry:2's form, a FILE argument, works too)
  --workers N     processes serving the one port and data (http.workers,
                  REGISTRY_HTTP_WORKERS); default 0: one per core but one,
                  at least 1; 1: a single process

Environment: the registry:2 names work (REGISTRY_HTTP_ADDR, REGISTRY_HTTP_TLS_CERTIFICATE,
REGISTRY_HTTP_TLS_KEY, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, REGISTRY_STORAGE_DELETE_ENABLED,
REGISTRY_LOG_LEVEL, …) and override the file; see docs/configuration.md.`;

export const CONFIG_USAGE = `Usage: berth config check FILE

Validates a config file as berth serve would read it (with the REGISTRY_* environment), and
the files it names, reporting every problem; exits 1 when there is one.`;

const VERSION_USAGE = `Usage: berth version   (or berth --version)

Prints the version of Berth.`;

const HELP_USAGE = `Usage: berth help [COMMAND]

Lists the commands, or prints one command's usage (the same as berth COMMAND --help).`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function runServe(args: string[]): Promise<number> {
  const { values, positionals } = parseStrict(args, { config: { type: 'string' }, workers: { type: 'string' } }, SERVE_USAGE, { min: 0, max: 1 });
  const workers = typeof values.workers === 'string' ? parseWorkers(values.workers) : undefined;
  // registry:2 takes the config path as a positional argument; accept both forms.
  if (typeof values.config === 'string' && positionals.length > 0) throw new UsageError('give the config as --config FILE or FILE, not both', SERVE_USAGE);
  const file = typeof values.config === 'string' ? values.config : positionals[0];
  const { config, warnings } = loadConfig({ file, env: process.env });
  await serve(config, warnings, { workers });
  return -1;
}

function parseWorkers(text: string): number {
  const n = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= MAX_WORKERS)) throw new UsageError(`--workers: expected a whole number from 0 (one per core but one) to ${MAX_WORKERS}, got "${text}"`, SERVE_USAGE);
  return n;
}

async function runConfig(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, CONFIG_USAGE);
  const { positionals } = parseStrict(rest, {}, CONFIG_USAGE, { min: 1, max: 1 });
  const file = positionals[0]!;
  const result = checkConfigFile(file, process.env);
  for (const warning of result.warnings) console.log(`warning: ${warning}`);
  for (const problem of result.problems) console.error(`error: ${problem}`);
  if (result.ok) console.log(`${file}: ok`);
  return result.ok ? 0 : 1;
}

async function runVersion(args: string[]): Promise<number> {
  parseStrict(args, {}, VERSION_USAGE, { min: 0, max: 0 });
  console.log(version());
  return 0;
}

function manage(name: string, subcommands: readonly string[], synopsis: string, summary: readonly string[]): CliCommand {
  return { name, subcommands, synopsis, summary, usage: manageUsage(name), run: (args) => runManageCommand(name, args) };
}

export const COMMANDS: readonly CliCommand[] = [
  { name: 'serve', subcommands: [], synopsis: 'serve [--config FILE] [--workers N]', summary: ['start the registry (default: :5000, ./data)'], usage: SERVE_USAGE, run: runServe },
  { name: 'config', subcommands: ['check'], synopsis: 'config check FILE', summary: ['validate a config file and name every problem'], usage: CONFIG_USAGE, run: runConfig },
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
  { name: 'gc', subcommands: [], synopsis: 'gc [--dry-run] [--grace D] [--full] [--now [--yes]]', summary: ['free the space of deleted content, online'], usage: GC_USAGE, run: runGc },
  { name: 'rm', subcommands: [], synopsis: 'rm REPO[:TAG|@DIGEST]', summary: ['delete a repository, tag or manifest'], usage: RM_USAGE, run: runRm },
  { name: 'restore', subcommands: [], synopsis: 'restore REPO:TAG', summary: ['bring back a tag deleted within the restore window'], usage: RESTORE_USAGE, run: runRestore },
  { name: 'migrate', subcommands: [], synopsis: 'migrate --to CONFIG [--online]', summary: ['copy this registry into another (SQLite + files', 'to PostgreSQL + S3), resumable'], usage: MIGRATE_USAGE, run: runMigrate },
  { name: 'import', subcommands: ['registry2', 'oci'], synopsis: 'import registry2 DIR | oci DIR|TAR --to REPO', summary: ['import a registry:2 storage root (resumable)', 'or an OCI image layout'], usage: IMPORT_USAGE, run: runImport },
  { name: 'export', subcommands: [], synopsis: 'export REPO[:TAG]... --to DIR|TAR', summary: ['write tags as an OCI image layout'], usage: EXPORT_USAGE, run: runExport },
  manage('webhook', ['add', 'list', 'rm', 'deliveries'], 'webhook add|list|rm|deliveries', ["a project's webhooks (Harbor's events, signed)"]),
  { name: 'notifications', subcommands: [], synopsis: 'notifications [--limit N]', summary: ['notification endpoints: events waiting, delivery log'], usage: NOTIFICATIONS_USAGE, run: runNotifications },
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
