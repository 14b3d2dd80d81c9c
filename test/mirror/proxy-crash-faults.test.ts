// kill -9 of a real `berth serve` in the middle of a proxy cache fill: the upstream (scripted,
// so it can be made to stall half-way through a 32 MiB blob) has sent half the bytes and the
// client has received some when Berth dies. After a restart on the same root the blob must be
// absent or complete, on disk and as served: never a torn prefix passed off as the blob. Once
// the upstream answers again, a pull completes byte-identical.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import * as http from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { berthAccounts } from '../e2e/support/berth-accounts.js';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startScriptedServer, type ScriptedServer } from '../upstream/support/scripted-server.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const SIZE = 32 * 1024 * 1024;
const blob = randomBytes(SIZE);
const digest = sha256(blob);
const hex = digest.slice('sha256:'.length);
const blobPath = `/v2/hub/lib/big/blobs/${digest}`;
const ADMIN_PASSWORD = 'crash-admin-password-1';
const authorization = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

let upstream: ScriptedServer;
let berth: RegistryProcess;
let root: string;

/** Every file under the storage root whose name is the blob's hex: the committed blob, if any. */
async function filesNamedAfterBlob(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && (entry.name === hex || join(entry.parentPath, entry.name).includes(`/${hex}/`))) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/** A GET that reports how far it got: status, bytes received, and whether the body ended cleanly. */
function get(url: string, onBytes?: (received: number) => void): Promise<{ status: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const req = http.get(url, { headers: { authorization } }, (res) => {
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        onBytes?.(received);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: false }));
    });
    req.on('error', () => resolve({ status: 0, body: Buffer.concat(chunks), complete: false }));
  });
}

before(async () => {
  upstream = await startScriptedServer();
  berth = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  root = berth.root;
  await berthAccounts(root).cli(['project', 'create', 'hub', '--public', '--proxy', upstream.url, '--no-check']);
});
after(async () => {
  await berth?.stop();
  await upstream?.close();
});

test('kill -9 during a cache fill leaves the blob absent or complete; a pull after restart is byte-identical', async () => {
  let stalled!: () => void;
  const halfSent = new Promise<void>((ok) => (stalled = ok));
  upstream.handle((req, res) => {
    if (req.url === '/v2/' || req.url === '/v2') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (!req.url?.includes(`/blobs/${digest}`)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE });
    // Half the blob, then nothing: the fill is in progress and stays so until Berth dies.
    res.write(blob.subarray(0, SIZE / 2), () => stalled());
  });

  let clientGotBytes!: () => void;
  const clientStarted = new Promise<void>((ok) => (clientGotBytes = ok));
  const first = get(`${berth.url}${blobPath}`, (n) => n >= 4 * 1024 * 1024 && clientGotBytes());
  await Promise.all([halfSent, clientStarted]);
  await berth.stop({ keepData: true, signal: 'SIGKILL' });
  const cut = await first;
  assert.ok(!cut.complete, 'the client saw the transfer fail, not a clean end');
  assert.ok(cut.body.length < SIZE);

  for (const file of await filesNamedAfterBlob(root)) {
    assert.equal(sha256(await readFile(file)), digest, `${file} is the whole blob or does not exist`);
  }

  upstream.handle((_req, res) => void res.writeHead(503, { 'retry-after': '0' }).end());
  berth = await startBerth({ auth: 'builtin', root, port: berth.port, env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  const whileDown = await get(`${berth.url}${blobPath}`);
  if (whileDown.status === 200) {
    assert.ok(whileDown.complete && whileDown.body.equals(blob), 'served only if complete');
  } else {
    assert.ok(whileDown.status >= 500, `nothing cached, upstream failing: ${whileDown.status}`);
  }
  const head = await fetch(`${berth.url}${blobPath}`, { method: 'HEAD', headers: { authorization } });
  assert.ok(head.status !== 200 || head.headers.get('content-length') === String(SIZE), `HEAD ${head.status} ${head.headers.get('content-length')}`);

  upstream.handle((req, res) => {
    if (!req.url?.includes(`/blobs/${digest}`)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE }).end(blob);
  });
  const retry = await get(`${berth.url}${blobPath}`);
  assert.equal(retry.status, 200);
  assert.ok(retry.complete && retry.body.equals(blob), 'byte-identical after restart');
  // The client has every byte before the cache commits (the last chunk goes out before the
  // staging file's fsync), so the committed file may appear a moment after the response.
  let files = await filesNamedAfterBlob(root);
  for (let waited = 0; files.length === 0 && waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    files = await filesNamedAfterBlob(root);
  }
  assert.ok(files.length >= 1, 'the blob is now cached');
  for (const file of files) assert.equal(sha256(await readFile(file)), digest);
  const warm = await get(`${berth.url}${blobPath}`);
  assert.ok(warm.complete && warm.body.equals(blob), 'served from the cache');
  assert.equal(upstream.seen.filter((r) => r.method === 'GET' && r.url.includes('/blobs/')).length, 1, 'the warm pull did not reach the upstream');
});
