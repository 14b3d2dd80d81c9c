/**
 * Issue 10, items 3 and 4: every setting that stops `berth serve` is one line saying what is
 * wrong and how to fix it, exit code 1, no stack trace; `berth config check` finds the same
 * file-level problems without starting. Each case starts a real process on a fresh root.
 */
import { strict as assert } from 'node:assert';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { createTestCa, type TestCa } from '../e2e/support/tls-ca.js';
import { freePort } from '../support/registry-process.js';
import { berth, type CliOptions, type CliResult } from './cli-support.js';

let dir: string;
let ca: TestCa;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-startup-'));
  await chmod(dir, 0o755); // so another account can reach what a case puts here
  ca = await createTestCa(join(dir, 'ca'));
});
after(() => rm(dir, { recursive: true, force: true }));

let cases = 0;
/** `berth serve` on a fresh root inside `dir`; `env` adds the bad setting. */
async function serve(env: Record<string, string>, options: CliOptions = {}): Promise<CliResult> {
  const root = join(dir, `root-${++cases}`);
  const port = await freePort();
  return berth(root, ['serve'], undefined, { ...options, env: { REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`, ...env }, timeoutMs: 30_000 });
}

function assertOneLine(result: CliResult, expected: string): void {
  assert.equal(result.code, 1, `exit code 1, got ${result.code}: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('{')); // JSON log lines (warnings) aside
  assert.deepEqual(lines, [`berth: ${expected}`]);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

test('port in use on [::] is named as [::], with how to choose another address', async (t) => {
  const blocker = net.createServer();
  try {
    await new Promise<void>((ok, fail) => blocker.once('error', fail).listen(0, '::', ok));
  } catch {
    t.skip('no IPv6 on this machine');
    return;
  }
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const result = await serve({ REGISTRY_HTTP_ADDR: `:${port}`, REGISTRY_AUTH: 'none' });
    assertOneLine(
      result,
      `cannot listen on [::]:${port}: another program is already listening there (a second registry?); stop it, or choose another with http.addr in the config or REGISTRY_HTTP_ADDR (e.g. REGISTRY_HTTP_ADDR=:5001)`,
    );
  } finally {
    blocker.close();
  }
});

test('port in use on a given IPv4 address names that address', async () => {
  const blocker = net.createServer();
  await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    assertOneLine(
      await serve({ REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`, REGISTRY_AUTH: 'none' }),
      `cannot listen on 127.0.0.1:${port}: another program is already listening there (a second registry?); stop it, or choose another with http.addr in the config or REGISTRY_HTTP_ADDR (e.g. REGISTRY_HTTP_ADDR=:5001)`,
    );
  } finally {
    blocker.close();
  }
});

test('a data directory the account cannot write names the path and the user', async () => {
  const root = join(dir, 'read-only-root');
  await mkdir(root);
  await chmod(root, 0o555);
  // Root writes anywhere; run as nobody to meet the permission check a normal account meets.
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? { uid: 65534, gid: 65534 } : undefined;
  const name = asRoot ? 'nobody' : (await import('node:os')).userInfo().username;
  const uid = asRoot ? 65534 : process.getuid?.();
  const result = await berth(root, ['serve'], undefined, { env: { REGISTRY_HTTP_ADDR: `127.0.0.1:${await freePort()}`, REGISTRY_AUTH: 'none' }, timeoutMs: 30_000, user });
  assertOneLine(
    result,
    `storage.filesystem.rootdirectory "${root}" is not writable by user "${name}" (uid ${uid}); make it theirs (chown -R ${name} ${root}) or choose another directory with storage.filesystem.rootdirectory (REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY)`,
  );
});

test('a missing certificate or key names the config key and the path', async () => {
  const missing = join(dir, 'no-such.crt');
  assertOneLine(
    await serve({ REGISTRY_HTTP_TLS_CERTIFICATE: missing, REGISTRY_HTTP_TLS_KEY: ca.serverKey }),
    `http.tls.certificate "${missing}" does not exist; fix the path (REGISTRY_HTTP_TLS_CERTIFICATE) or put the file there`,
  );
  const missingKey = join(dir, 'no-such.key');
  assertOneLine(
    await serve({ REGISTRY_HTTP_TLS_CERTIFICATE: ca.serverCert, REGISTRY_HTTP_TLS_KEY: missingKey }),
    `http.tls.key "${missingKey}" does not exist; fix the path (REGISTRY_HTTP_TLS_KEY) or put the file there`,
  );
});

test('certificate and key swapped, not PEM, or not a pair: one line each', async () => {
  assertOneLine(
    await serve({ REGISTRY_HTTP_TLS_CERTIFICATE: ca.serverKey, REGISTRY_HTTP_TLS_KEY: ca.serverCert }),
    `http.tls.certificate "${ca.serverKey}" holds a private key and http.tls.key "${ca.serverCert}" a certificate: the two are swapped; exchange them`,
  );
  const garbage = join(dir, 'garbage.crt');
  await writeFile(garbage, 'this is not a certificate\n');
  assertOneLine(
    await serve({ REGISTRY_HTTP_TLS_CERTIFICATE: garbage, REGISTRY_HTTP_TLS_KEY: ca.serverKey }),
    `http.tls.certificate "${garbage}" is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line); convert it (openssl x509 -in FILE -out cert.pem) or point http.tls.certificate at the PEM file`,
  );
  const otherKey = join(dir, 'ca', 'ca.key');
  assertOneLine(
    await serve({ REGISTRY_HTTP_TLS_CERTIFICATE: ca.serverCert, REGISTRY_HTTP_TLS_KEY: otherKey }),
    `http.tls.key "${otherKey}" is not the private key of the certificate in http.tls.certificate "${ca.serverCert}"; give the key the certificate was issued for`,
  );
});

test('an htpasswd path that is missing or a directory is refused at start, with how to create one', async () => {
  const missing = join(dir, 'no-htpasswd');
  assertOneLine(
    await serve({ REGISTRY_AUTH_HTPASSWD_PATH: missing }),
    `auth.htpasswd.path "${missing}" does not exist; create it with \`htpasswd -Bc ${missing} USER\` (bcrypt entries only), or fix the path (REGISTRY_AUTH_HTPASSWD_PATH)`,
  );
  assertOneLine(
    await serve({ REGISTRY_AUTH_HTPASSWD_PATH: dir }),
    `auth.htpasswd.path "${dir}" is a directory, not a file; point it at the htpasswd file, or create it with \`htpasswd -Bc ${dir} USER\` (bcrypt entries only)`,
  );
});

test('a missing key file of the external token server is named at start', async () => {
  const jwks = join(dir, 'no-such.jwks');
  assertOneLine(
    await serve({
      REGISTRY_AUTH_TOKEN_REALM: 'https://auth.example/token',
      REGISTRY_AUTH_TOKEN_SERVICE: 'registry',
      REGISTRY_AUTH_TOKEN_ISSUER: 'issuer',
      REGISTRY_AUTH_TOKEN_JWKS: jwks,
    }),
    `auth.token.jwks "${jwks}" does not exist; fix the path (REGISTRY_AUTH_TOKEN_JWKS) or put the file there`,
  );
});

test('berth config check finds the same file-level problems, all of them, without starting', async () => {
  const garbageKey = join(dir, 'garbage.key');
  await writeFile(garbageKey, 'not a key either\n');
  const htpasswd = join(dir, 'good-htpasswd');
  await writeFile(htpasswd, `alice:${bcrypt.hashSync('wonderland12', 5)}\n`);
  const fileRoot = join(dir, 'root-is-a-file');
  await writeFile(fileRoot, '');
  const config = join(dir, 'bad-files.yml');
  await writeFile(
    config,
    `http:\n  tls:\n    certificate: ${ca.serverCert}\n    key: ${garbageKey}\nauth:\n  htpasswd:\n    realm: r\n    path: ${dir}\nstorage:\n  filesystem:\n    rootdirectory: ${fileRoot}\n`,
  );
  const result = await berth(undefined, ['config', 'check', config]);
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, result.stderr);
  assert.match(lines[0]!, new RegExp(`^error: http\\.tls\\.key "${garbageKey}" is not a PEM private key \\(.+\\); point http\\.tls\\.key at the certificate's private key$`));
  assert.equal(lines[1], `error: auth.htpasswd.path "${dir}" is a directory, not a file; point it at the htpasswd file, or create it with \`htpasswd -Bc ${dir} USER\` (bcrypt entries only)`);
  assert.equal(lines[2], `error: storage.filesystem.rootdirectory "${fileRoot}" is a file, not a directory; remove it or choose another directory with storage.filesystem.rootdirectory (REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY)`);

  const good = join(dir, 'good-files.yml');
  await writeFile(good, `http:\n  tls:\n    certificate: ${ca.serverCert}\n    key: ${ca.serverKey}\nauth:\n  htpasswd:\n    realm: r\n    path: ${htpasswd}\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'fresh', 'data')}\n`);
  const ok = await berth(undefined, ['config', 'check', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), `${good}: ok`);
});
