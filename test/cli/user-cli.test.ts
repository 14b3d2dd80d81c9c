import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { berth, secretLine, tempRoot } from './cli-support.js';

let data: { root: string; remove(): Promise<void> };
before(async () => {
  data = await tempRoot();
});
after(() => data.remove());

const run = (args: string[], input?: string) => berth(data.root, args, input);

test('user add generates a password, prints it once, and warns that it will not be shown again', async () => {
  const added = await run(['user', 'add', 'alice', '--admin']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^created user alice \(system admin\)\n/);
  assert.match(secretLine(added.stdout, 'password'), /^[A-Za-z0-9_-]{24}$/);
  assert.match(added.stderr, /shown only now/);
  const listed = await run(['user', 'list']);
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /^NAME +SYSTEM ADMIN +STATUS +CREATED\nalice +yes +active +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\n$/);
  assert.doesNotMatch(listed.stdout, /\$2[aby]\$/, 'no hash is printed');
});

test('--password-stdin takes the password from stdin and prints none', async () => {
  const added = await run(['user', 'add', 'bob', '--password-stdin'], 'bobs password\n');
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, 'created user bob\n');
  const short = await run(['user', 'add', 'bobby', '--password-stdin'], 'short\n');
  assert.equal(short.code, 1);
  assert.match(short.stderr, /at least 12 characters/);
});

test('passwd sets a given or generated password', async () => {
  const given = await run(['user', 'passwd', 'bob', '--password-stdin'], 'another password\n');
  assert.equal(given.code, 0, given.stderr);
  assert.equal(given.stdout, 'changed the password of bob\n');
  const generated = await run(['user', 'passwd', 'bob']);
  assert.equal(generated.code, 0);
  assert.ok(secretLine(generated.stdout, 'password').length >= 20);
  const missing = await run(['user', 'passwd', 'nobody', '--password-stdin'], 'whatever123');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /user nobody does not exist/);
});

test('disable, enable and rm report what they did; the last admin is protected', async () => {
  const disabled = await run(['user', 'disable', 'bob']);
  assert.equal(disabled.stdout, 'disabled user bob\n', disabled.stderr);
  assert.match((await run(['user', 'list'])).stdout, /\nbob +no +disabled /);
  assert.equal((await run(['user', 'enable', 'bob'])).stdout, 'enabled user bob\n');
  const lastAdmin = await run(['user', 'disable', 'alice']);
  assert.equal(lastAdmin.code, 1);
  assert.match(lastAdmin.stderr, /alice is the only enabled system admin/);
  assert.equal((await run(['user', 'rm', 'bob'])).stdout, 'deleted user bob\n');
  const again = await run(['user', 'rm', 'bob']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /does not exist/);
});

test('invalid names and duplicates exit 1 with the reason', async () => {
  const invalid = await run(['user', 'add', 'Not Valid']);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^berth user: invalid user name "Not Valid"\n$/);
  const duplicate = await run(['user', 'add', 'alice']);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /user alice already exists/);
});

test('command-line mistakes exit 2 with the usage; --help exits 0', async () => {
  for (const args of [['user'], ['user', 'add'], ['user', 'add', 'a', 'b'], ['user', 'add', 'carol', '--bogus'], ['user', 'frobnicate']]) {
    const result = await run(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, /Usage:\n {2}berth user add NAME/);
  }
  const help = await run(['user', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /berth user passwd NAME/);
  const top = await berth(undefined, ['--help']);
  assert.match(top.stdout, /berth user add\|passwd\|rm\|list\|disable\|enable/, top.stderr);
});

test('--config FILE names the data like berth serve', async () => {
  const other = await tempRoot();
  try {
    const config = join(other.root, 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(other.root, 'data')}\n`);
    const added = await berth(undefined, ['user', 'add', 'dora', '--admin', '--config', config]);
    assert.equal(added.code, 0, added.stderr);
    assert.match((await berth(undefined, ['user', 'list', '--config', config])).stdout, /\ndora /);
    assert.doesNotMatch((await run(['user', 'list'])).stdout, /dora/, 'a different data directory');
  } finally {
    await other.remove();
  }
});
