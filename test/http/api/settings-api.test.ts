/**
 * Runtime settings (issue 10): turning anonymous pull off or on, or letting users create
 * projects, takes effect on a running `berth serve` without a restart — at once through
 * PATCH /api/v1/settings, within seconds when `berth settings set` writes the database from
 * another process — and a stored value wins over the config until it is reset.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { berth } from '../../cli/cli-support.js';
import { ADMIN, basicOf, startGuardedBerth } from '../../adversarial/support.js';
import { startBerth, type RegistryProcess } from '../../support/registry-process.js';
import { rm } from 'node:fs/promises';
import { basic } from '../support/auth.js';
import { client, eventually, expectError, expectStatus, json, type Client } from '../support/http-client.js';

interface SettingJson {
  key: string;
  value: boolean;
  source: 'database' | 'config';
  configValue: boolean;
  updatedBy?: string;
}

const ANONYMOUS_PULL = 'auth.builtin.anonymouspull';
const CREATE_PROJECTS = 'auth.builtin.createprojects';
// The config says "no anonymous pull"; the tests turn it on and off while the server runs.
const CONFIG_ENV = { REGISTRY_AUTH_BUILTIN_ANONYMOUSPULL: 'false' };

let server: RegistryProcess;
/** The first server's root, reused by the restart (and then removed here). */
let keptRoot: string | undefined;
let c: Client;
const admin = { authorization: basicOf(ADMIN) };

async function patchSettings(changes: Record<string, boolean | null>, headers = admin) {
  return c.patch('/api/v1/settings', { headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(changes) });
}

async function settings(): Promise<Map<string, SettingJson>> {
  const reply = await c.get('/api/v1/settings', { headers: admin });
  expectStatus(reply, 200);
  return new Map(json<{ settings: SettingJson[] }>(reply).settings.map((s) => [s.key, s]));
}

/** The actions an anonymous caller's token grants on pub/app (public project `pub`). */
async function anonymousActions(): Promise<string[]> {
  const reply = await c.get('/token?service=berth&scope=repository:pub/app:pull');
  expectStatus(reply, 200);
  const token = json<{ token: string }>(reply).token;
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { access: Array<{ actions: string[] }> };
  return claims.access.flatMap((a) => a.actions);
}

before(async () => {
  server = await startGuardedBerth(CONFIG_ENV);
  c = client(server.url);
  const created = await c.post('/api/v1/projects', {
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'pub', visibility: 'public' }),
  });
  expectStatus(created, 201);
  expectStatus(
    await c.post('/api/v1/users', { headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dev', password: 'dev-password-12' }) }),
    201,
  );
});
after(async () => {
  await server?.stop();
  if (keptRoot !== undefined) await rm(keptRoot, { recursive: true, force: true });
});

test('GET /api/v1/settings names each value and its source; the config applies until a value is stored', async () => {
  const all = await settings();
  assert.deepEqual(
    { ...all.get(ANONYMOUS_PULL), description: undefined },
    { key: ANONYMOUS_PULL, value: false, source: 'config', configValue: false, description: undefined },
  );
  assert.equal(all.get(CREATE_PROJECTS)?.source, 'config');
  assert.deepEqual(await anonymousActions(), [], 'the config turned anonymous pull off');
});

test('PATCH turns anonymous pull on for the running server at once, and null resets it to the config', async () => {
  const on = await patchSettings({ [ANONYMOUS_PULL]: true });
  expectStatus(on, 200);
  const after = new Map(json<{ settings: SettingJson[] }>(on).settings.map((s) => [s.key, s]));
  assert.equal(after.get(ANONYMOUS_PULL)?.value, true);
  assert.equal(after.get(ANONYMOUS_PULL)?.source, 'database');
  assert.equal(after.get(ANONYMOUS_PULL)?.updatedBy, 'admin');
  assert.deepEqual(await anonymousActions(), ['pull'], 'no restart needed');

  expectStatus(await patchSettings({ [ANONYMOUS_PULL]: null }), 200);
  assert.deepEqual(await anonymousActions(), [], 'reset: the config (false) applies again');
  assert.equal((await settings()).get(ANONYMOUS_PULL)?.source, 'config');

  const audit = await c.get('/api/v1/audit?action=settings.set&limit=5', { headers: admin });
  assert.match(audit.text, /"detail":"key=auth\.builtin\.anonymouspull value=true"/);
  assert.match((await c.get('/api/v1/audit?action=settings.reset&limit=5', { headers: admin })).text, /key=auth\.builtin\.anonymouspull value=false/);
});

test('a change the CLI writes to the database reaches the running server within seconds, and survives a restart', async () => {
  const set = await berth(server.root, ['settings', 'set', ANONYMOUS_PULL, 'true'], undefined, { env: CONFIG_ENV });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, `${ANONYMOUS_PULL} is now true (stored; it wins over the config, which says false)\n`);
  // The server re-reads the settings every 2 s; the margin is for a loaded machine.
  await eventually(async () => assert.deepEqual(await anonymousActions(), ['pull']), 20_000);

  const root = server.root;
  await server.stop({ keepData: true });
  server = await startBerth({ auth: 'builtin', root, env: { BERTH_ADMIN_PASSWORD: ADMIN.password, ...CONFIG_ENV } });
  keptRoot = root;
  c = client(server.url);
  assert.deepEqual(await anonymousActions(), ['pull'], 'the stored value wins over the config after a restart');

  const shown = await berth(server.root, ['settings', 'show'], undefined, { env: CONFIG_ENV });
  assert.match(shown.stdout, /^KEY +VALUE +SOURCE +CONFIG\nauth\.builtin\.anonymouspull +true +database \(cli, \d{4}-\d\d-\d\d \S+Z\) +false\nauth\.builtin\.createprojects +false +config +false\n$/);

  const reset = await berth(server.root, ['settings', 'reset', ANONYMOUS_PULL], undefined, { env: CONFIG_ENV });
  assert.equal(reset.code, 0, reset.stderr);
  await eventually(async () => assert.deepEqual(await anonymousActions(), []), 20_000);
});

test('who may create projects changes at once too', async () => {
  const dev = { authorization: basic('dev', 'dev-password-12'), 'content-type': 'application/json' };
  const create = (name: string) => c.post('/api/v1/projects', { headers: dev, body: JSON.stringify({ name }) });
  expectError(await create('devs-a'), 403, 'DENIED');
  expectStatus(await patchSettings({ [CREATE_PROJECTS]: true }), 200);
  expectStatus(await create('devs-b'), 201);
  expectStatus(await patchSettings({ [CREATE_PROJECTS]: null }), 200);
  expectError(await create('devs-c'), 403, 'DENIED');
});

test('only system admins read or change settings; bad keys and values are 400 and change nothing', async () => {
  const dev = { authorization: basic('dev', 'dev-password-12') };
  expectError(await c.get('/api/v1/settings', { headers: dev }), 403, 'DENIED');
  expectError(await patchSettings({ [ANONYMOUS_PULL]: true }, dev), 403, 'DENIED');
  expectError(await c.get('/api/v1/settings'), 401, 'UNAUTHORIZED');

  const unknown = expectError(await patchSettings({ [ANONYMOUS_PULL]: true, 'auth.builtin.bogus': true }), 400, 'BAD_REQUEST');
  assert.match(unknown.message, /unknown field\(s\): auth\.builtin\.bogus; expected auth\.builtin\.anonymouspull, auth\.builtin\.createprojects/);
  const badValue = expectError(
    await c.patch('/api/v1/settings', { headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ [CREATE_PROJECTS]: true, [ANONYMOUS_PULL]: 'maybe' }) }),
    400,
    'BAD_REQUEST',
  );
  assert.match(badValue.message, /auth\.builtin\.anonymouspull takes true or false, not "maybe"/);
  assert.equal((await settings()).get(CREATE_PROJECTS)?.source, 'config', 'all or none: the valid key was not applied');
  expectError(await patchSettings({}), 400, 'BAD_REQUEST');
});
