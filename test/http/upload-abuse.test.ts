// Upload sessions under abuse (issue 9): a session that lost its bytes completing to someone
// else's digest, session floods, a cancel racing a completion, and a full disk.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from './support/storage.js';
import { Accounts, basic, builtinAuth, withHeaders } from './support/auth.js';
import { imageManifest, OCI_MANIFEST, randomBlob, sha256, uniqueRepo } from './support/content.js';
import { client, expectError, expectStatus, type Client } from './support/http-client.js';
import { pushBlob, pushImage, startUpload, withDigest } from './support/push.js';
import { startBerth } from '../support/registry-process.js';
import { makeRoot, startServerOnRoot, type ServerOnRoot, type ServerOnRootOptions } from './support/server-on-root.js';

const octets = { 'content-type': 'application/octet-stream' };

/** A server on a fresh root, removed (root included) when `body` is done. */
async function withServer<T>(options: ServerOnRootOptions, body: (server: ServerOnRoot) => Promise<T>): Promise<T> {
  const { root, remove } = await makeRoot();
  const server = await startServerOnRoot(root, options);
  try {
    return await body(server);
  } finally {
    await server.stop();
    await remove();
  }
}

/** Two private projects, each with one developer; resolves to clients signed in as them. */
async function alphaAndBeta(server: ServerOnRoot): Promise<{ alice: Credentials; bob: Credentials }> {
  const accounts = new Accounts(server.composed);
  await accounts.project('alpha', 'private');
  await accounts.project('beta', 'private');
  const alice = await accounts.user('alice', 'alice-password-1');
  const bob = await accounts.user('bob', 'bob-password-1');
  await accounts.member('alpha', 'alice', 'developer');
  await accounts.member('beta', 'bob', 'developer');
  return { alice, bob };
}

interface Credentials {
  username: string;
  password: string;
}

function as(url: string, who: Credentials): Client {
  return withHeaders(client(url), { authorization: basic(who.username, who.password) });
}

function idOf(location: string): string {
  return location.split('/').pop() ?? '';
}

describe('a session completes only to a digest it proved (finding 1)', () => {
  test("a session whose staged bytes a restart swept cannot complete to another project's digest", async () => {
    const { root, remove } = await makeRoot();
    const auth = builtinAuth();
    try {
      let first = await startServerOnRoot(root, { auth });
      const { alice, bob } = await alphaAndBeta(first);
      const secret = randomBlob(5000);
      const digest = await pushBlob(as(first.url, alice), 'alpha/app', secret);

      const bobClient = as(first.url, bob);
      const location = await startUpload(bobClient, 'beta/app');
      expectStatus(await bobClient.patch(location, { headers: octets, body: Buffer.alloc(secret.length) }), 202);
      // The staging file looks as old as an upload idle past the purge age; an empty PATCH then
      // "refreshes" the session without touching the file.
      const old = new Date(Date.now() - 2 * 3600_000);
      await utimes(join(root, 'uploads', idOf(location)), old, old);
      expectStatus(await bobClient.patch(location, { headers: octets, body: Buffer.alloc(0) }), 202);
      await first.stop();

      // The restart's sweep removes the staging file (older than the purge age).
      first = await startServerOnRoot(root, { auth, uploadPurging: { enabled: true, ageSeconds: 3600, intervalSeconds: 3600 } });
      try {
        assert.deepEqual(await readdir(join(root, 'uploads')), [], 'the sweep removed the staging file');
        const bobAgain = as(first.url, bob);
        // The sweep and the sessions agree: the session whose bytes were swept is closed too.
        expectError(await bobAgain.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
        const refused = expectError(await bobAgain.put(withDigest(location, digest)), 404, 'BLOB_UPLOAD_UNKNOWN');
        assert.match(refused.message, /start a new upload/);
        expectError(await bobAgain.get(`/v2/beta/app/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
        expectError(await bobAgain.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
        const own = await as(first.url, alice).get(`/v2/alpha/app/blobs/${digest}`);
        expectStatus(own, 200);
        assert.deepEqual(own.body, secret);
      } finally {
        await first.stop();
      }
    } finally {
      await remove();
    }
  });

  test('the same through a restart of the real `berth serve` process', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-upload-abuse-'));
    try {
      let registry = await startBerth({ root });
      let location: string;
      let digest: string;
      try {
        const c = client(registry.url);
        digest = await pushBlob(c, 'victim/app', randomBlob(6000));
        location = await startUpload(c, 'thief/app');
        expectStatus(await c.patch(location, { headers: octets, body: Buffer.alloc(6000) }), 202);
        const old = new Date(Date.now() - 2 * 3600_000);
        await utimes(join(root, 'uploads', idOf(location)), old, old);
        expectStatus(await c.patch(location, { headers: octets, body: Buffer.alloc(0) }), 202);
      } finally {
        await registry.stop({ keepData: true });
      }
      registry = await startBerth({ root, env: { REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_AGE: '1h' } });
      try {
        const c = client(registry.url);
        expectError(await c.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
        expectError(await c.put(withDigest(location, digest)), 404, 'BLOB_UPLOAD_UNKNOWN');
        expectError(await c.get(`/v2/thief/app/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
        expectStatus(await c.head(`/v2/victim/app/blobs/${digest}`), 200);
      } finally {
        await registry.stop({ keepData: true });
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a session whose bytes vanished without a restart is closed, whatever digest it names', async () => {
    await withServer({}, async (server) => {
      const c = client(server.url);
      const other = randomBlob(3000);
      const digest = await pushBlob(c, uniqueRepo('victim'), other);
      const repo = uniqueRepo('thief');
      const [completing, continuing] = [await startUpload(c, repo), await startUpload(c, repo)];
      for (const location of [completing, continuing]) {
        expectStatus(await c.patch(location, { headers: octets, body: Buffer.alloc(other.length) }), 202);
        await rm(join(server.root, 'uploads', idOf(location)));
      }
      // The hash of what the session received (kept in memory) is not the victim's digest.
      expectError(await c.put(withDigest(completing, digest)), 400, 'DIGEST_INVALID');
      const gone = expectError(await c.patch(continuing, { headers: octets, body: randomBlob(10) }), 404, 'BLOB_UPLOAD_UNKNOWN');
      assert.match(gone.message, /the bytes of this upload are gone .*start the upload again/);
      for (const location of [completing, continuing]) {
        expectError(await c.put(withDigest(location, digest)), 404, 'BLOB_UPLOAD_UNKNOWN');
      }
      expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });
  });

  test('after a restart (no hash in memory), a session whose staging file is gone refuses a digest of the same size', async () => {
    const { root, remove } = await makeRoot();
    try {
      const secret = randomBlob(4096);
      let server = await startServerOnRoot(root);
      const c1 = client(server.url);
      const digest = await pushBlob(c1, uniqueRepo('victim'), secret);
      const repo = uniqueRepo('thief');
      const location = await startUpload(c1, repo);
      expectStatus(await c1.patch(location, { headers: octets, body: Buffer.alloc(secret.length) }), 202);
      await server.stop();
      server = await startServerOnRoot(root);
      try {
        // Lost after the start-up sweep: only the session row is left, with the right size.
        await rm(join(root, 'uploads', idOf(location)));
        const c2 = client(server.url);
        expectError(await c2.put(withDigest(location, digest)), 404, 'BLOB_UPLOAD_UNKNOWN');
        expectError(await c2.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
        expectError(await c2.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
      } finally {
        await server.stop();
      }
    } finally {
      await remove();
    }
  });

  test('a crash between publishing and closing the session still completes to the claimed digest', async () => {
    const { root, remove } = await makeRoot();
    try {
      const bytes = randomBlob(4000);
      const digest = sha256(bytes);
      const repo = uniqueRepo('crash');
      let server = await startServerOnRoot(root);
      const location = await startUpload(client(server.url), repo);
      expectStatus(await client(server.url).patch(location, { headers: octets, body: bytes }), 202);
      // What the completing PUT leaves when killed after the commit's rename: the session claimed
      // the digest (after hashing), the bytes are published, the session row is still open.
      const id = idOf(location);
      assert.equal(await server.registry.deps.metadata.claimUpload(id, digest), true);
      await server.stop();
      const hex = digest.slice('sha256:'.length);
      const shard = join(root, 'blobs', 'sha256', hex.slice(0, 2));
      await mkdir(shard, { recursive: true });
      await rename(join(root, 'uploads', id), join(shard, hex));

      server = await startServerOnRoot(root);
      try {
        const c = client(server.url);
        expectStatus(await c.put(withDigest(location, digest)), 201, 'the retried PUT');
        assert.deepEqual((await c.get(`/v2/${repo}/blobs/${digest}`)).body, bytes);
      } finally {
        await server.stop();
      }
    } finally {
      await remove();
    }
  });

  test('a mount needs pull on its source: a developer of beta cannot mount a blob of alpha', async () => {
    await withServer({ auth: builtinAuth() }, async (server) => {
      const { alice, bob } = await alphaAndBeta(server);
      const digest = await pushBlob(as(server.url, alice), 'alpha/app', randomBlob(700));
      const bobClient = as(server.url, bob);
      const reply = await bobClient.post(`/v2/beta/app/blobs/uploads/?mount=${digest}&from=alpha/app`);
      expectStatus(reply, 202, 'a mount refused falls back to a fresh session');
      expectError(await bobClient.get(`/v2/beta/app/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      // Naming the digest in a monolithic push without its bytes proves nothing either.
      expectError(
        await bobClient.post(`/v2/beta/app/blobs/uploads/?digest=${digest}`, { headers: octets, body: Buffer.alloc(700) }),
        400,
        'DIGEST_INVALID',
      );
      expectError(await bobClient.get(`/v2/beta/app/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });
  });
});

describe('upload sessions are bounded (finding 10)', () => {
  test('an account at its cap is refused with 429 saying how many are open; cancelling one makes room', async () => {
    await withServer({ auth: builtinAuth(), uploads: { maxPerAccount: 5, maxPerProject: 100 } }, async (server) => {
      const { bob } = await alphaAndBeta(server);
      const c = as(server.url, bob);
      const open: string[] = [];
      for (let i = 0; i < 5; i++) open.push(await startUpload(c, 'beta/app'));
      const refused = expectError(await c.post('/v2/beta/app/blobs/uploads/'), 429, 'TOOMANYREQUESTS');
      assert.match(refused.message, /^account bob has 5 unfinished uploads open, the most it may have \(5\): complete or cancel/);
      assert.deepEqual(refused.detail, { account: 'bob', open: 5, limit: 5 });
      // A monolithic push needs a session too.
      const blob = randomBlob(100);
      expectError(await c.post(`/v2/beta/app/blobs/uploads/?digest=${sha256(blob)}`, { headers: octets, body: blob }), 429, 'TOOMANYREQUESTS');
      expectStatus(await c.delete(open.pop()!), 204);
      await pushBlob(c, 'beta/app', blob);
      open.push(await startUpload(c, 'beta/app'));
      expectError(await c.post('/v2/beta/app/blobs/uploads/'), 429, 'TOOMANYREQUESTS');
      assert.equal((await readdir(join(server.root, 'uploads'))).length, 5, 'a refused start leaves no staging file');
    });
  });

  test('a project at its cap is refused whoever asks; idle sessions are reclaimed to make room', async () => {
    const clock = new ManualClock();
    await withServer({ now: clock.now, uploads: { maxPerAccount: 100, maxPerProject: 3, reclaimAfterSeconds: 600 } }, async (server) => {
      const c = client(server.url);
      const repo = `${uniqueRepo('capped')}/app`;
      const first = await startUpload(c, repo);
      expectStatus(await c.patch(first, { headers: octets, body: randomBlob(10) }), 202);
      clock.advance(300_000);
      const second = await startUpload(c, repo);
      const third = await startUpload(c, `${repo.split('/')[0]}/other`);
      const refused = expectError(await c.post(`/v2/${repo}/blobs/uploads/`), 429, 'TOOMANYREQUESTS');
      assert.match(refused.message, /^project \S+ has 3 unfinished uploads open, the most it may have \(3\)/);
      // Another project is not affected.
      await startUpload(c, uniqueRepo('free'));
      // Past the reclaim age the longest-idle session gives way, and only it.
      clock.advance(301_000);
      const fourth = await startUpload(c, repo);
      expectError(await c.get(first), 404, 'BLOB_UPLOAD_UNKNOWN');
      for (const location of [second, third, fourth]) expectStatus(await c.get(location), 204);
      expectError(await c.post(`/v2/${repo}/blobs/uploads/`), 429, 'TOOMANYREQUESTS');
    });
  });

  test('a session holds no hash state until its first byte arrives', async () => {
    await withServer({}, async (server) => {
      const c = client(server.url);
      const repo = uniqueRepo('lazy');
      const sessions: string[] = [];
      for (let i = 0; i < 50; i++) sessions.push(await startUpload(c, repo));
      expectStatus(await c.patch(sessions[0]!, { headers: octets, body: Buffer.alloc(0) }), 202);
      assert.equal(server.registry.uploads.activeSessions, 0, 'no hash for sessions without bytes');
      const bytes = randomBlob(500);
      expectStatus(await c.patch(sessions[1]!, { headers: octets, body: bytes }), 202);
      assert.equal(server.registry.uploads.activeSessions, 1);
      expectStatus(await c.put(withDigest(sessions[1]!, sha256(bytes))), 201);
      assert.equal(server.registry.uploads.activeSessions, 0);
      // An empty session still completes (to the empty blob) with its hash made from the file.
      expectStatus(await c.put(withDigest(sessions[0]!, sha256(Buffer.alloc(0)))), 201);
    });
  });

  test('an empty PATCH does not keep a session alive', async () => {
    const clock = new ManualClock();
    await withServer({ now: clock.now }, async (server) => {
      const c = client(server.url);
      const location = await startUpload(c, uniqueRepo('idle'));
      expectStatus(await c.patch(location, { headers: octets, body: randomBlob(10) }), 202);
      clock.advance(3600_000);
      expectStatus(await c.patch(location, { headers: octets, body: Buffer.alloc(0) }), 202);
      const purged = await server.registry.uploads.purgeStale(new Date(clock.ms - 1000));
      assert.equal(purged, 1, 'the session idle since its last byte is purged');
      expectError(await c.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    });
  });
});

describe('a cancel racing a completion (finding 13)', () => {
  test('200 races of DELETE and PUT on one session: no 5xx, one winner, the blob whole or absent', async () => {
    await withServer({}, async (server) => {
      const c = client(server.url);
      const repo = uniqueRepo('race');
      const tally = { completed: 0, cancelled: 0 };
      for (let round = 0; round < 200; round++) {
        const bytes = randomBlob(2000 + round);
        const digest = sha256(bytes);
        const location = await startUpload(c, repo);
        expectStatus(await c.patch(location, { headers: octets, body: bytes }), 202);
        // The client asserts no 5xx on every answer.
        const [put, del] = await Promise.all([c.put(withDigest(location, digest)), c.delete(location)]);
        if (put.status === 201) {
          expectError(del, 404, 'BLOB_UPLOAD_UNKNOWN');
          tally.completed++;
          assert.deepEqual((await c.get(`/v2/${repo}/blobs/${digest}`)).body, bytes, `round ${round}: the blob is whole`);
        } else {
          expectError(put, 404, 'BLOB_UPLOAD_UNKNOWN');
          expectStatus(del, 204, `round ${round}: the cancel won`);
          tally.cancelled++;
          expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
        }
      }
      assert.equal(tally.completed + tally.cancelled, 200);
      assert.deepEqual(await readdir(join(server.root, 'uploads')), [], 'no staging file left');
      assert.deepEqual(server.errors(), []);
    });
  });
});

describe('a full disk (finding 14)', () => {
  /** A 2 MiB tmpfs (needs root; the test is skipped elsewhere). */
  async function smallDisk(): Promise<{ dir: string; release(): Promise<void> } | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    return {
      dir,
      async release() {
        execFileSync('umount', [dir], { stdio: 'ignore' });
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  test('an upload that fills the disk answers 507 STORAGE_FULL, logs it, rolls back and leaves room for the next', async (t) => {
    const disk = await smallDisk();
    if (disk === undefined) {
      t.skip('mounting a tmpfs needs root');
      return;
    }
    const { root: metadataDir, remove } = await makeRoot();
    try {
      const server = await startServerOnRoot(disk.dir, {
        config: (config) => ({ ...config, metadata: { sqlite: { path: join(metadataDir, 'berth.db') } } }),
      });
      try {
        const repo = uniqueRepo('full');
        const location = await startUpload(client(server.url), repo);
        const big = randomBlob(3 * 1024 * 1024);
        // Plain fetch: this is the one answer where a 5xx is the truth.
        const reply = await fetch(new URL(location, server.url), { method: 'PATCH', headers: octets, body: new Uint8Array(big) });
        const text = await reply.text();
        assert.equal(reply.status, 507, text);
        const error = JSON.parse(text) as { errors: Array<{ code: string; message: string }> };
        assert.equal(error.errors[0]?.code, 'STORAGE_FULL');
        assert.match(error.errors[0]?.message ?? '', /storage is full; free space/);
        assert.ok(
          server.errors().some((record) => /storage is full/.test(String(record.msg))),
          'logged at error level',
        );
        // Rolled back: the session is still there, at 0, and a blob that fits goes through.
        const c = client(server.url);
        const status = await c.get(location);
        expectStatus(status, 204);
        assert.equal(status.headers.get('range'), '0-0');
        const small = randomBlob(100 * 1024);
        expectStatus(await c.put(withDigest(location, sha256(small)), { headers: octets, body: small }), 201);
        // A monolithic push that does not fit is refused the same way.
        const monolithic = await fetch(`${server.url}/v2/${repo}/blobs/uploads/?digest=${sha256(big)}`, {
          method: 'POST',
          headers: octets,
          body: new Uint8Array(big),
        });
        assert.equal(monolithic.status, 507, await monolithic.text());
      } finally {
        await server.stop();
      }
    } finally {
      await disk.release();
      await remove();
    }
  });

  test('a full disk under the database: a manifest put answers 507 STORAGE_FULL, never 500, and works again once space is freed', async (t) => {
    const disk = await smallDisk();
    if (disk === undefined) {
      t.skip('mounting a tmpfs needs root');
      return;
    }
    const { root: blobRoot, remove } = await makeRoot();
    try {
      const server = await startServerOnRoot(blobRoot, {
        config: (config) => ({ ...config, metadata: { sqlite: { path: join(disk.dir, 'berth.db') } } }),
      });
      try {
        const repo = uniqueRepo('fulldb');
        const c = client(server.url);
        const image = await pushImage(c, repo, 'base');
        // Take every byte the database's volume has left. SQLite's WAL reuses frames it already
        // holds, so small writes may still fit: manifests of 512 KiB need new pages at once.
        await writeFile(join(disk.dir, 'filler'), new Uint8Array(0));
        try {
          for (;;) await appendFile(join(disk.dir, 'filler'), new Uint8Array(16 * 1024));
        } catch (error) {
          assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
        }
        const bigManifest = (i: number) =>
          imageManifest({ config: image.config, layers: image.layers, annotations: { padding: randomBlob(384 * 1024).toString('base64').slice(0, 512 * 1024 - 1024), i: String(i) } });
        const statuses: number[] = [];
        let refusal = '';
        for (let i = 0; i < 20 && !statuses.includes(507); i++) {
          const reply = await fetch(`${server.url}/v2/${repo}/manifests/big${i}`, {
            method: 'PUT',
            headers: { 'content-type': OCI_MANIFEST },
            body: new Uint8Array(bigManifest(i)),
          });
          statuses.push(reply.status);
          if (reply.status >= 500) refusal = await reply.text();
          else await reply.arrayBuffer();
        }
        assert.ok(statuses.includes(507), `no 507 among ${statuses.join(', ')} on a full volume: ${refusal} ${JSON.stringify(server.errors().slice(0, 2))}`);
        assert.deepEqual(statuses.filter((s) => s !== 201 && s !== 507), [], `only 201 or 507: ${statuses.join(', ')}`);
        const error = JSON.parse(refusal) as { errors: Array<{ code: string; message: string }> };
        assert.equal(error.errors[0]?.code, 'STORAGE_FULL');
        assert.match(error.errors[0]?.message ?? '', /storage is full; free space/);
        await rm(join(disk.dir, 'filler'));
        const small = imageManifest({ config: image.config, layers: image.layers, annotations: { after: 'freed' } });
        expectStatus(await c.put(`/v2/${repo}/manifests/after`, { headers: { 'content-type': OCI_MANIFEST }, body: small }), 201);
        expectStatus(await c.get(`/v2/${repo}/manifests/base`), 200);
      } finally {
        await server.stop();
      }
    } finally {
      await disk.release();
      await remove();
    }
  });
});
