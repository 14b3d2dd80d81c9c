/**
 * `--help` and `-h` on every command and subcommand print that command's usage and do nothing
 * else (issue 10: `berth serve --help` started a server and created an admin). The commands
 * come from the CLI's own table, so a command added there is covered here without a change.
 * Each run gets a fresh, empty data root that must stay empty: no database, no admin password,
 * no signing key, no server.
 */
import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { COMMANDS, commandList } from '../../src/cli/command-table.js';
import { berth, tempRoot, type CliResult } from './cli-support.js';

/** Longer than a server takes to start: a help that starts one is killed and fails (code null). */
const TIMEOUT_MS = 30_000;

async function inEmptyRoot(args: string[]): Promise<CliResult & { left: string[] }> {
  const data = await tempRoot();
  try {
    // Environment a real start would act on: a port, and an admin password to bootstrap with.
    const result = await berth(data.root, args, undefined, {
      timeoutMs: TIMEOUT_MS,
      env: { REGISTRY_HTTP_ADDR: '127.0.0.1:0', BERTH_ADMIN_PASSWORD: 'help-must-not-use-this' },
    });
    return { ...result, left: await readdir(data.root) };
  } finally {
    await data.remove();
  }
}

/** Runs `work` over `items`, a few at a time (each is a node process). */
async function pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all([worker(), worker(), worker()]);
}

const invocations: string[][] = COMMANDS.flatMap((command) =>
  [[], ...command.subcommands.map((sub) => sub.split(' '))].flatMap((words) => [
    [command.name, ...words, '--help'],
    [command.name, ...words, '-h'],
  ]),
);

test('every command and subcommand answers --help and -h with its usage, exit 0, and touches nothing', { timeout: 600_000 }, async () => {
  assert.ok(invocations.length > 40, 'the table lists the commands and their subcommands');
  const failures: string[] = [];
  await pool(invocations, async (args) => {
    const result = await inEmptyRoot(args);
    const command = COMMANDS.find((c) => c.name === args[0])!;
    const problems = [
      result.code !== 0 && `exit ${result.code}`,
      result.stdout !== `${command.usage}\n` && `stdout is not the usage of berth ${command.name}: ${result.stdout.slice(0, 200)}`,
      result.stderr !== '' && `stderr: ${result.stderr.slice(0, 200)}`,
      result.left.length > 0 && `left in the data root: ${result.left.join(', ')}`,
    ].filter(Boolean);
    if (problems.length > 0) failures.push(`berth ${args.join(' ')}: ${problems.join('; ')}`);
  });
  assert.deepEqual(failures, []);
});

test('help wins over everything else on the line: a bad option, a missing argument, a config that does not exist', async () => {
  for (const args of [
    ['serve', '--config', '/nonexistent/config.yml', '--help'],
    ['serve', '--no-such-option', '-h'],
    ['user', 'add', '-h'],
    ['gc', '--grace', 'soon', '--help'],
    ['settings', 'set', '--help'],
  ]) {
    const result = await inEmptyRoot(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, /^Usage:/, args.join(' '));
    assert.deepEqual(result.left, [], args.join(' '));
  }
});

test('berth alone, --help and help list the commands on stdout; an unknown command lists them on stderr, exit 2', async () => {
  for (const args of [[], ['--help'], ['-h'], ['help']]) {
    const result = await inEmptyRoot(args);
    assert.equal(result.code, 0, args.join(' '));
    assert.equal(result.stdout, `${commandList()}\n`);
    assert.deepEqual(result.left, []);
  }
  for (const command of COMMANDS) assert.match(commandList(), new RegExp(`\\n  berth ${command.name}\\b`), `${command.name} is listed`);
  const unknown = await inEmptyRoot(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, '');
  assert.equal(unknown.stderr, `berth: unknown command "frobnicate"\n${commandList()}\n`);
  const helpOf = await inEmptyRoot(['help', 'serve']);
  assert.equal(helpOf.code, 0);
  assert.match(helpOf.stdout, /^Usage: berth serve \[--config FILE \| FILE\] \[--workers N\]\n/);
});

test('serve refuses a --workers that is not a whole number from 0 to 256 (exit 2, usage on stderr)', async () => {
  for (const value of ['many', '-1', '257', '']) {
    const result = await inEmptyRoot(['serve', `--workers=${value}`]);
    assert.equal(result.code, 2, value);
    assert.match(result.stderr, new RegExp(`^berth serve: --workers: expected a whole number from 0 \\(one per core but one\\) to 256, got "${value}"\nUsage: berth serve`), value);
    assert.deepEqual(result.left, []);
  }
});

test('serve refuses an option it does not know instead of starting (exit 2, usage on stderr)', async () => {
  const result = await inEmptyRoot(['serve', '--hlep']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^berth serve: Unknown option '--hlep'.*\nUsage: berth serve/s);
  assert.deepEqual(result.left, []);
});
