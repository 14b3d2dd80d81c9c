/**
 * Issue 10, items 1 and 2: the first start of `berth serve` as a newcomer sees it. With the
 * built-in access control the generated admin password is in `<root>/admin.password` (0600),
 * not on the terminal; the banner says access control is on, how to log in, where the password
 * is and how to run open; the file survives a start that fails after the admin was created and
 * is removed when the password is changed (API or CLI). `auth: none` and htpasswd create and
 * announce no admin.
 */
import { strict as assert } from 'node:assert';
import { existsSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { startBerth } from '../support/registry-process.js';
import { berth, tempRoot } from './cli-support.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('first start with built-in auth: admin.password (0600) holds a working password, the banner names it, and changing the password via the API removes it', async () => {
  const server = await startBerth({ auth: 'builtin' });
  try {
    const file = join(server.root, 'admin.password');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const password = (await readFile(file, 'utf8')).trim();
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    const output = server.output();
    assert.doesNotMatch(output, new RegExp(password), 'the password itself is never printed');
    assert.match(output, /Access control is on: pushing, and pulling from private projects, need a login\./);
    assert.ok(output.includes(`  docker login ${server.host} -u admin    password in ${file} (deleted when you change it: berth user passwd admin)`), output);
    assert.ok(output.includes(`  web UI: http://${server.host}/    (sign in with the same user and password)`), output);
    assert.ok(output.includes('To run open like registry:2 (no logins; anyone may push and delete), set `auth: none` in the config or REGISTRY_AUTH=none.'), output);

    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: basic('admin', password) } });
    assert.equal(me.status, 200, 'the password in the file signs the admin in');
    const changed = await fetch(`${server.url}/api/v1/users/admin`, {
      method: 'PATCH',
      headers: { authorization: basic('admin', password), 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a brand new admin password', currentPassword: password }),
    });
    assert.equal(changed.status, 200, await changed.text());
    assert.equal(existsSync(file), false, 'the file is gone once the password is changed');
  } finally {
    await server.stop();
  }
});

test('berth user passwd admin removes the file too, and a later start no longer announces it', async () => {
  const data = await tempRoot();
  try {
    const first = await startBerth({ auth: 'builtin', root: data.root });
    await first.stop({ keepData: true });
    const file = join(data.root, 'admin.password');
    assert.ok(existsSync(file));
    const second = await startBerth({ auth: 'builtin', root: data.root });
    await second.stop({ keepData: true });
    assert.ok(second.output().includes(`password in ${file}`), 'announced again while unchanged');
    const passwd = await berth(data.root, ['user', 'passwd', 'admin', '--password-stdin'], 'changed at the command line\n');
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.equal(existsSync(file), false);
    const third = await startBerth({ auth: 'builtin', root: data.root });
    await third.stop({ keepData: true });
    assert.doesNotMatch(third.output(), /admin\.password/);
    assert.match(third.output(), /docker login \S+ -u USER/);
  } finally {
    await data.remove();
  }
});

test('a first start that fails after creating the admin (port in use) leaves the password file', async () => {
  const data = await tempRoot();
  const blocker = net.createServer();
  await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const served = await berth(data.root, ['serve'], undefined, { env: { REGISTRY_HTTP_ADDR: `127.0.0.1:${port}` }, timeoutMs: 30_000 });
    assert.equal(served.code, 1, served.stderr);
    const file = join(data.root, 'admin.password');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const password = (await readFile(file, 'utf8')).trim();
    assert.doesNotMatch(served.stderr, new RegExp(password));
    // The next start, on a free port, announces the same file, and its password works.
    const server = await startBerth({ auth: 'builtin', root: data.root });
    try {
      assert.ok(server.output().includes(`password in ${file}`));
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: basic('admin', password) } });
      assert.equal(me.status, 200);
    } finally {
      await server.stop({ keepData: true });
    }
  } finally {
    blocker.close();
    await data.remove();
  }
});

test('BERTH_ADMIN_PASSWORD: no file, and the banner says which password to use', async () => {
  const server = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: 'given by the operator' } });
  try {
    assert.equal(existsSync(join(server.root, 'admin.password')), false);
    assert.ok(server.output().includes(`  docker login ${server.host} -u admin    password: the BERTH_ADMIN_PASSWORD it was created with`), server.output());
  } finally {
    await server.stop();
  }
});

test('auth: none creates no admin and no file, and the banner says access control is off', async () => {
  const server = await startBerth({ auth: 'none' });
  try {
    assert.equal(existsSync(join(server.root, 'admin.password')), false);
    assert.match(server.output(), /Access control is off \(auth: none\): anyone who can reach this address may push, pull and delete\./);
    assert.doesNotMatch(server.output(), /docker login|admin/);
  } finally {
    await server.stop({ keepData: true });
  }
  const listed = await berth(server.root, ['user', 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /admin/, 'no account was created');
  await rm(server.root, { recursive: true, force: true });
});

test('htpasswd mode creates no admin and no file, and the banner says where logins are checked', async () => {
  const data = await tempRoot();
  const htpasswd = join(data.root, '..', `htpasswd-${process.pid}`);
  await writeFile(htpasswd, `alice:${bcrypt.hashSync('wonderland12', 5)}\n`);
  try {
    // 'builtin' only keeps the helper from setting REGISTRY_AUTH=none; the htpasswd section wins.
    const server = await startBerth({ auth: 'builtin', root: data.root, env: { REGISTRY_AUTH_HTPASSWD_PATH: htpasswd } });
    await server.stop({ keepData: true });
    assert.equal(existsSync(join(data.root, 'admin.password')), false);
    assert.ok(server.output().includes(`Access control is on: logins are checked against the htpasswd file ${htpasswd}.`), server.output());
    assert.doesNotMatch(server.output(), /-u admin/);
    const listed = await berth(data.root, ['user', 'list']);
    assert.doesNotMatch(listed.stdout, /admin/, 'no account was created');
  } finally {
    await rm(htpasswd, { force: true });
    await data.remove();
  }
});
