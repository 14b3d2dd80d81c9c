// Finding 14 (b) of issue 9: berth.db (password hashes, audit log) and blobs were 0644 in 0755
// directories. A real server on a fresh root, under the loosest umask, must leave nothing that
// another account can read; a root an older version left readable is tightened at start.
import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBerth } from '../support/registry-process.js';
import { client, expectStatus } from '../http/support/http-client.js';
import { pushImage, startUpload } from '../http/support/push.js';

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** Every path under `dir` (itself included) with its permission bits. */
async function walk(dir: string, out: Array<[string, number, boolean]> = []): Promise<Array<[string, number, boolean]>> {
  const info = await stat(dir);
  out.push([dir, info.mode & 0o777, info.isDirectory()]);
  if (info.isDirectory()) for (const entry of await readdir(dir)) await walk(join(dir, entry), out);
  return out;
}

async function withLooseUmask<T>(run: () => Promise<T>): Promise<T> {
  const previous = process.umask(0);
  try {
    return await run();
  } finally {
    process.umask(previous);
  }
}

test('a fresh root: the database, its WAL, blobs, staging files and every directory are private', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'berth-modes-'));
  const root = join(parent, 'data');
  const server = await withLooseUmask(() => startBerth({ root }));
  try {
    const c = client(server.url);
    await pushImage(c, 'modes/app', 'v1');
    const location = await startUpload(c, 'modes/app');
    expectStatus(await c.patch(location, { headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(100) }), 202, 'staged bytes');

    const entries = await walk(root);
    const names = entries.map(([path]) => path.slice(root.length));
    for (const expected of ['/berth.db', '/berth.db-wal', '/berth.db-shm', '/blobs', '/uploads']) {
      assert.ok(names.includes(expected), `${expected} exists (have ${names.join(', ')})`);
    }
    assert.ok(entries.some(([path, , dir]) => !dir && path.includes('/uploads/')), 'a staging file exists');
    assert.ok(entries.some(([path, , dir]) => !dir && path.includes('/blobs/')), 'a blob exists');
    for (const [path, mode, dir] of entries) {
      assert.equal(mode & 0o077, 0, `${path} is ${mode.toString(8)}: readable by other accounts`);
      assert.equal(mode, dir ? 0o700 : 0o600, path);
    }
  } finally {
    await server.stop();
    await rm(parent, { recursive: true, force: true });
  }
});

test('a root an older version left readable is made private at start, with a log line', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'berth-modes-'));
  const root = join(parent, 'data');
  try {
    const first = await startBerth({ root });
    await pushImage(client(first.url), 'modes/app', 'v1');
    await first.stop();
    // What 0.x left behind under umask 022.
    for (const path of [root, join(root, 'blobs'), join(root, 'uploads')]) await chmod(path, 0o755);
    await chmod(join(root, 'berth.db'), 0o644);

    const second = await startBerth({ root });
    try {
      assert.equal(await modeOf(root), 0o700);
      assert.equal(await modeOf(join(root, 'blobs')), 0o700);
      assert.equal(await modeOf(join(root, 'uploads')), 0o700);
      assert.equal(await modeOf(join(root, 'berth.db')), 0o600);
      assert.match(second.output(), /made the data root private/);
      expectStatus(await client(second.url).get('/v2/modes/app/tags/list'), 200, 'the data still serves');
    } finally {
      await second.stop();
    }
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
