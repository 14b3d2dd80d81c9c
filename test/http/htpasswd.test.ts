// registry:2's htpasswd mode: Basic challenges, bcrypt entries, file reloads without a restart.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { requestFrom } from './support/auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('auth.htpasswd', () => {
  let server: TestServer;
  let dir: string;
  let file: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-htpasswd-'));
    file = join(dir, 'htpasswd');
    await writeFile(file, `# users\nalice:${bcrypt.hashSync('wonderland', 5)}\nold:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n`);
    server = await startTestServer({ auth: { mode: 'htpasswd', realm: 'Test Realm', path: file } });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('without credentials /v2/ is a 401 with a Basic challenge and the OCI envelope', async () => {
    const res = await fetch(`${server.url}/v2/`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Test Realm"');
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]?.code, 'UNAUTHORIZED');
    // curl users read only the body: it must say what to do.
    assert.equal(body.errors[0]?.message, `authentication required: access control is on; log in with \`docker login ${new URL(server.url).host}\``);
  });

  test('a listed user may push and pull; a wrong password or a non-bcrypt entry may not', async () => {
    const ok = await fetch(`${server.url}/v2/_catalog`, { headers: { authorization: basic('alice', 'wonderland') } });
    assert.equal(ok.status, 200);
    const push = await fetch(`${server.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: { authorization: basic('alice', 'wonderland') } });
    assert.equal(push.status, 202);
    for (const [user, password] of [['alice', 'wrong'], ['old', 'password'], ['nobody', 'wonderland']] as const) {
      const res = await fetch(`${server.url}/v2/team/app/tags/list`, { headers: { authorization: basic(user, password) } });
      assert.equal(res.status, 401, `${user}/${password}`);
    }
  });

  test('guessing is throttled per name and address: the guesser waits, the owner elsewhere does not', async () => {
    const from = (address: string, password: string, user = 'alice') =>
      requestFrom(address, `${server.url}/v2/`, { headers: { authorization: basic(user, password) } });
    let failures = 0;
    for (;;) {
      const res = await from('127.0.0.3', `guess-${failures}`);
      if (res.status === 429) break;
      assert.equal(res.status, 401);
      assert.ok(++failures <= 30, 'no throttling after 30 wrong passwords');
    }
    assert.ok(failures >= 5, `throttled after only ${failures} failures`);
    assert.equal((await from('127.0.0.3', 'guess-again')).status, 429, 'the guesser waits');
    assert.equal((await from('127.0.0.4', 'wonderland')).status, 200, 'alice from another address');
    const huge = await from('127.0.0.5', 'x'.repeat(9000));
    assert.equal(huge.status, 401, 'absurd credentials are refused without a bcrypt check');
  });

  test('a user added to the file can sign in without a restart', async () => {
    const before = await fetch(`${server.url}/v2/`, { headers: { authorization: basic('bob', 'builder1') } });
    assert.equal(before.status, 401);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, `alice:${bcrypt.hashSync('wonderland', 5)}\nbob:${bcrypt.hashSync('builder1', 5)}\n`);
    const afterAdd = await fetch(`${server.url}/v2/`, { headers: { authorization: basic('bob', 'builder1') } });
    assert.equal(afterAdd.status, 200);
  });
});

// Issue 10, item 4: a file that stops being readable while the server runs was a 500 for every
// login. It fails closed with 503 UNAVAILABLE saying what to do, and recovers without a restart.
test('an htpasswd file removed or replaced by a directory while running: 503 with a message, never 500; back when restored', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-htpasswd-gone-'));
  const file = join(dir, 'htpasswd');
  await writeFile(file, `carol:${bcrypt.hashSync('carols-password', 5)}\n`);
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const server = await startTestServer({ auth: { mode: 'htpasswd', realm: 'r', path: file }, logger });
  try {
    const as = (password: string) => fetch(`${server.url}/v2/`, { headers: { authorization: basic('carol', password) } });
    await rename(file, `${file}.moved`);
    for (const password of ['carols-password', 'a wrong one']) {
      const res = await as(password);
      assert.equal(res.status, 503, password);
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      assert.equal(body.errors[0]?.code, 'UNAVAILABLE');
      assert.equal(body.errors[0]?.message, "the registry cannot check passwords: its htpasswd file cannot be read; ask the registry's operator to fix it (the server log names the file)");
    }
    await mkdir(file);
    assert.equal((await as('carols-password')).status, 503, 'a directory in its place');
    // Once per outage in each process that met it: one server logs it once, each instance behind nginx at most once.
    const logged = warnings.filter((w) => w.includes(`htpasswd file ${file} cannot be read`)).length;
    assert.ok(logged >= 1 && logged <= server.instanceUrls.length, `logged once per outage, with the path (${logged} times)`);
    await rm(file, { recursive: true });
    await rename(`${file}.moved`, file);
    assert.equal((await as('carols-password')).status, 200, 'works again without a restart');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
