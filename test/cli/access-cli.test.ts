import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { startBerth } from '../support/registry-process.js';
import { berth, secretLine, tempRoot } from './cli-support.js';

let data: { root: string; remove(): Promise<void> };
before(async () => {
  data = await tempRoot();
  const setup = await berth(data.root, ['user', 'add', 'erin', '--password-stdin'], 'erin password');
  assert.equal(setup.code, 0, setup.stderr);
});
after(() => data.remove());

const run = (args: string[], input?: string) => berth(data.root, args, input);

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

test('projects and members', async () => {
  assert.equal((await run(['project', 'add', 'team'])).stdout, 'created private project team\n');
  assert.equal((await run(['project', 'add', 'site', '--public'])).stdout, 'created public project site\n');
  assert.match((await run(['project', 'list'])).stdout, /^NAME +VISIBILITY +KIND +CREATED\nsite +public +hosted +\S+ \S+\nteam +private +hosted +/);
  assert.equal((await run(['project', 'member', 'add', 'team', 'erin', 'developer'])).stdout, 'erin is now developer of project team\n');
  assert.equal((await run(['project', 'member', 'list', 'team'])).stdout, 'USER  ROLE\nerin  developer\n');
  const badRole = await run(['project', 'member', 'add', 'team', 'erin', 'boss']);
  assert.equal(badRole.code, 1);
  assert.match(badRole.stderr, /invalid role "boss"; use one of admin, maintainer, developer, guest/);
  const nested = await run(['project', 'add', 'a/b']);
  assert.equal(nested.code, 1);
  assert.match(nested.stderr, /one name component/);
  assert.equal((await run(['project', 'visibility', 'site', 'private'])).stdout, 'project site is now private\n');
  assert.equal((await run(['project', 'member', 'add', 'team'])).code, 2);
});

test('robots: the secret is printed once; list and rm by full name', async () => {
  const added = await run(['robot', 'add', 'team', 'ci', '--actions', 'pull,push', '--expires', '30d']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^created robot\$team\+ci \(pull,push on project team; expires \d{4}-\d\d-\d\d \S+Z\)\nsecret: [A-Za-z0-9_-]{32}\n$/);
  const listed = await run(['robot', 'list', 'team']);
  assert.match(listed.stdout, /^NAME +PROJECT +ACTIONS +EXPIRES +CREATED\nrobot\$team\+ci +team +pull,push +\d{4}/);
  assert.equal((await run(['robot', 'add', 'team', 'x'])).code, 2, '--actions is required');
  const bad = await run(['robot', 'add', 'team', 'x', '--actions', 'pull,own']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown robot action\(s\): own/);
  const badExpiry = await run(['robot', 'add', 'team', 'x', '--actions', 'pull', '--expires', 'tomorrow']);
  assert.equal(badExpiry.code, 1);
  assert.match(badExpiry.stderr, /invalid duration "tomorrow"/);
  assert.equal((await run(['robot', 'add', 'team', 'tmp', '--actions', 'pull'])).code, 0);
  assert.equal((await run(['robot', 'rm', 'robot$team+tmp'])).stdout, 'deleted robot$team+tmp\n');
  assert.doesNotMatch((await run(['robot', 'list'])).stdout, /tmp/);
});

test('tokens: printed once as bpat_…, listed by id, revoked', async () => {
  const added = await run(['token', 'add', 'erin', 'laptop', '--expires', '90d']);
  assert.equal(added.code, 0, added.stderr);
  const token = secretLine(added.stdout, 'token');
  const id = /^bpat_([0-9a-f]{16})_/.exec(token)?.[1];
  assert.ok(id, token);
  assert.match((await run(['token', 'list', 'erin'])).stdout, new RegExp(`\\n${id} +laptop +\\S+ \\S+ +\\S+ \\S+ +never\\n$`));
  assert.equal((await run(['token', 'rm', id])).stdout, `revoked token ${id}\n`);
  assert.equal((await run(['token', 'list', 'erin'])).stdout, '(none)\n');
  const missing = await run(['token', 'rm', id]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /does not exist/);
});

test('audit shows what the commands did, as a table or JSON lines', async () => {
  const table = await run(['audit', '--limit', '3']);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^TIME +ACTOR +ACTION +RESULT +REPOSITORY +CLIENT +DETAIL$/);
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, / cli +token\.revoke +success /);
  const json = await run(['audit', '--json', '--action', 'member.set']);
  const events = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    events.map((e) => [e.actor, e.action, e.repository, e.detail]),
    [['cli', 'member.set', 'team', 'user=erin role=developer']],
  );
  const all = (await run(['audit', '--json'])).stdout.trimEnd().split('\n');
  assert.ok(all.length >= 10, 'without --limit, --json exports everything');
  for (const args of [['audit', '--since', 'last week'], ['audit', '--limit', 'ten'], ['audit', 'prune', '--older-than']]) {
    assert.equal((await run(args)).code, 2, args.join(' '));
  }
  assert.equal((await run(['audit', 'prune', '--older-than', '1d'])).stdout, 'removed 0 audit events\n');
});

test('what the CLI creates signs in to a running server, and changes apply while it runs', async () => {
  const robot = await run(['robot', 'add', 'team', 'deploy', '--actions', 'pull']);
  const secret = secretLine(robot.stdout, 'secret');
  const token = secretLine((await run(['token', 'add', 'erin', 'ci'])).stdout, 'token');
  const server = await startBerth({ root: data.root, auth: 'builtin' });
  try {
    const login = (authorization: string) => fetch(`${server.url}/token?service=berth&scope=repository:team/app:pull`, { headers: { authorization } });
    assert.equal((await login(basic('erin', 'erin password'))).status, 200, 'password from --password-stdin');
    assert.equal((await login(basic('erin', token))).status, 200, 'personal access token');
    assert.equal((await login(basic('robot$team+deploy', secret))).status, 200, 'robot secret');
    const disabled = await run(['user', 'disable', 'erin']);
    assert.equal(disabled.code, 0, `the CLI works beside a running server: ${disabled.stderr}`);
    assert.equal((await login(basic('erin', 'erin password'))).status, 401);
  } finally {
    await server.stop({ keepData: true });
  }
});
