// A `berth gc` killed with SIGKILL in its blob phase, beside a running `berth serve`: the
// tombstones it leaves must not make a re-push wait or fail, its lease must not block the next
// collection, and the status must say what happened. The collector is held at a checkpoint
// (core/checkpoint.ts) by a test entry point that runs the real command, so the kill lands at
// a known step: after a batch was tombstoned (bytes still there) or after its bytes went.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { CheckpointName } from '../../src/core/checkpoint.js';
import type { GcReport } from '../../src/core/lifecycle/gc-report.js';
import { OCI_MANIFEST, sha256, uniqueRepo } from '../http/support/content.js';
import { withHeaders, basic } from '../http/support/auth.js';
import { client, expectStatus, json, type Client } from '../http/support/http-client.js';
import { pushBlob, pushImage, type PushedImage } from '../http/support/push.js';
import { berthCli, berthNodeFlags, startBerth, type RegistryProcess } from '../support/registry-process.js';

const heldChild = fileURLToPath(new URL('./support/gc-held-child.js', import.meta.url));
const ADMIN_PASSWORD = `admin-${randomBytes(6).toString('hex')}`;
/** Far below the 10 s a re-push used to wait before its 429, far above a loaded machine's push. */
const PROMPT_MS = 5_000;

interface GcStatusJson {
  running: unknown;
  elsewhere: unknown;
  interrupted: { pid: number | null; host: string | null; stoppedAt: string | null; cleanedAt: string | null; message: string } | null;
}

function gcEnv(root: string): NodeJS.ProcessEnv {
  return { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, REGISTRY_AUTH: 'none', BERTH_LIFECYCLE_RESTOREWINDOW: '0s' };
}

/** Starts the held collector; resolves once it is stopped at `holdAt`, with how many digests it held. */
async function heldGc(root: string, holdAt: CheckpointName): Promise<{ child: ChildProcess; held: number; output: () => string }> {
  const child = spawn(process.execPath, [...berthNodeFlags, heldChild, '--grace', '0s', '--json'], {
    env: { ...gcEnv(root), BERTH_TEST_HOLD_AT: holdAt },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const held = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /held (\d+) (\d+)/.exec(output);
      if (match) resolve(Number(match[2]));
    });
    child.once('exit', (code) => reject(new Error(`the collector exited (${code}) before reaching ${holdAt}:\n${output}`)));
  });
  return { child, held, output: () => output };
}

function gcOnce(root: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [...berthNodeFlags, berthCli, 'gc', '--grace', '0s', '--json'], { env: gcEnv(root) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
}

function tombstones(root: string): number {
  const db = new Database(join(root, 'berth.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from blobs where deleting_at is not null').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function gcStatus(api: Client): Promise<GcStatusJson> {
  const reply = await api.get('/api/v1/gc');
  expectStatus(reply, 200, 'GET /api/v1/gc');
  return json<GcStatusJson>(reply);
}

/** Pushes a blob again as a client would (POST, PATCH-less monolithic PUT) and times it. */
async function rePush(c: Client, repo: string, bytes: Buffer): Promise<number> {
  const started = Date.now();
  await pushBlob(c, repo, bytes);
  return Date.now() - started;
}

async function killedMidSweep(holdAt: CheckpointName): Promise<void> {
  const server = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LIFECYCLE_RESTOREWINDOW: '0s' } });
  let child: ChildProcess | undefined;
  try {
    const c = withHeaders(client(server.url), { authorization: basic('admin', ADMIN_PASSWORD) });
    const repo = uniqueRepo('killed');
    const images: PushedImage[] = [];
    for (let i = 0; i < 20; i++) images.push(await pushImage(c, repo, `t${i}`));
    for (const image of images) expectStatus(await c.delete(`/v2/${repo}/manifests/${image.digest}`), 202, 'delete by digest');

    const gc = await heldGc(server.root, holdAt);
    child = gc.child;
    assert.ok(gc.held >= 40, `the collector held ${gc.held} blob(s) at ${holdAt}`);
    const pid = child.pid!;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(tombstones(server.root), gc.held, 'the killed run left its batch tombstoned');

    // The status names the dead run (cleaned up already, or about to be).
    const first = await gcStatus(c);
    assert.equal(first.interrupted?.pid, pid, JSON.stringify(first));
    assert.match(first.interrupted!.message, new RegExp(`pid ${pid} .*stopped without finishing at \\S+Z; its unfinished work`));
    assert.equal(first.elsewhere, null, 'a dead collector is not reported as running');

    // A re-push of one of its blobs, then of a whole image that uses it, goes through at once.
    const image = images[3]!;
    const layer = image.layerBytes[0]!;
    const ms = await rePush(c, repo, layer);
    assert.ok(ms < PROMPT_MS, `re-pushing a blob the killed collector tombstoned took ${ms} ms`);
    const again = await pushImage(c, repo, 'again', { layerCount: 0 });
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: again.config, layers: [image.layers[0]] }),
    );
    expectStatus(await c.put(`/v2/${repo}/manifests/back`, { headers: { 'content-type': OCI_MANIFEST }, body: manifest }), 201, 'manifest on the re-pushed layer');
    const pulled = await c.get(`/v2/${repo}/blobs/${sha256(layer)}`);
    expectStatus(pulled, 200, 'pull the re-pushed layer');
    assert.equal(sha256(pulled.body), sha256(layer), 'its bytes are there');

    // The next collection starts at once (the dead run's lease does not block it) and finishes.
    const next = await gcOnce(server.root);
    assert.equal(next.code, 0, `berth gc after the kill: ${next.stderr}`);
    assert.ok(next.ms < 60_000);
    const report = JSON.parse(next.stdout) as GcReport;
    assert.deepEqual(report.failures, []);
    assert.equal(tombstones(server.root), 0, 'nothing is left tombstoned');

    const after = await gcStatus(c);
    assert.equal(after.interrupted?.pid, pid);
    assert.notEqual(after.interrupted?.cleanedAt, null, JSON.stringify(after));
    assert.match(after.interrupted!.message, /its unfinished work was cleaned up at /);
    expectStatus(await c.get(`/v2/${repo}/blobs/${sha256(layer)}`), 200, 'the re-pushed layer survived the collections');
    expectStatus(await c.get(`/v2/${repo}/manifests/back`, { headers: { accept: OCI_MANIFEST } }), 200);
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.stop();
  }
}

test('berth gc killed after tombstoning a batch: re-push at once, next gc at once, status truthful', () => killedMidSweep('gc:tombstoned'));

test('berth gc killed after deleting a batch’s bytes: the re-push writes the blob again', () => killedMidSweep('gc:bytes-deleted'));


/** Pushes images and deletes them by digest with a server that is then stopped; resolves to the root. */
async function garbageWithoutServer(): Promise<{ root: string; layer: Buffer; remove: () => Promise<void> }> {
  const server = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LIFECYCLE_RESTOREWINDOW: '0s' } });
  const c = withHeaders(client(server.url), { authorization: basic('admin', ADMIN_PASSWORD) });
  const repo = uniqueRepo('offline');
  let layer: Buffer | undefined;
  for (let i = 0; i < 20; i++) {
    const image = await pushImage(c, repo, `t${i}`);
    layer ??= image.layerBytes[0];
    expectStatus(await c.delete(`/v2/${repo}/manifests/${image.digest}`), 202);
  }
  await server.stop({ keepData: true });
  return { root: server.root, layer: layer!, remove: () => rm(server.root, { recursive: true, force: true }) };
}

test('a collection killed while no server runs: the next berth gc says so and finishes its work at once', async () => {
  const data = await garbageWithoutServer();
  try {
    const gc = await heldGc(data.root, 'gc:tombstoned');
    const pid = gc.child.pid!;
    const exited = new Promise((resolve) => gc.child.once('exit', resolve));
    gc.child.kill('SIGKILL');
    await exited;
    assert.equal(tombstones(data.root), gc.held);
    const next = await gcOnce(data.root);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`berth: a previous collection by pid ${pid} on \\S+ stopped without finishing at \\S+Z`));
    assert.equal(tombstones(data.root), 0);
  } finally {
    await data.remove();
  }
});

test('a collection killed while no server runs: the server cleans up at start-up, unasked, and reports it', async () => {
  const data = await garbageWithoutServer();
  let server: RegistryProcess | undefined;
  try {
    const gc = await heldGc(data.root, 'gc:bytes-deleted');
    const pid = gc.child.pid!;
    const exited = new Promise((resolve) => gc.child.once('exit', resolve));
    gc.child.kill('SIGKILL');
    await exited;
    assert.equal(tombstones(data.root), gc.held);
    server = await startBerth({ root: data.root, auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LIFECYCLE_RESTOREWINDOW: '0s' } });
    const deadline = Date.now() + 30_000;
    while (tombstones(data.root) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(tombstones(data.root), 0, 'the server settled the tombstones by itself');
    const c = withHeaders(client(server.url), { authorization: basic('admin', ADMIN_PASSWORD) });
    const status = await gcStatus(c);
    assert.equal(status.interrupted?.pid, pid);
    assert.notEqual(status.interrupted?.cleanedAt, null);
    assert.match(server.output(), new RegExp(`a previous collection by pid ${pid} .*stopped without finishing`));
    const ms = await rePush(c, uniqueRepo('offline'), data.layer);
    assert.ok(ms < PROMPT_MS, `re-push took ${ms} ms`);
  } finally {
    await server?.stop();
    await data.remove();
  }
});
