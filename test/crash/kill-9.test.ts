/**
 * Crash safety of the embedded default (SQLite + filesystem blob tree), against the real
 * `berth serve` process: concurrent pushes, SIGKILL at a random moment, restart on the same
 * root, and then every push the registry acknowledged must pull byte-exact, no file in the
 * published blob tree may be partial, and leftovers of unfinished uploads must either still be
 * usable sessions or be gone. Several rounds, so kills land in different phases of a push.
 *
 * The kill moment is random on purpose (a fixed one would always test the same phase); the
 * planted-state tests below pin down the narrow windows a random kill rarely hits.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { Ledger, pushBlob, pushImage, runPusher, sha256, uploadStyles, type BlobRecord, type OpenUpload } from './support/image-pusher.js';
import { headerValue, octetStream, RegistryClient, uploadedSize, withQuery } from './support/registry-client.js';
import { checkBlobTree, stagingFiles } from './support/store-check.js';
import { checkStaging, resumeOpenUploads, verifyLedger } from './support/verify-after-restart.js';

const ROUNDS = 3;
const PUSHERS = 16;
// Four pushers per repository: concurrent links, tags and manifest writes in one repository.
const repositories = Array.from({ length: PUSHERS / 4 }, (_, i) => `crash/app-${i}`);

/** Lines Berth logged at error level or above (pino: 50 error, 60 fatal). */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(50|60)/.test(line));
}

function tail(output: string): string {
  return output.split('\n').slice(-40).join('\n');
}

/**
 * Clean-up that runs last-registered first, whatever the test's outcome: a registry must be
 * dead before the root it writes to is removed.
 */
const cleanups = new WeakMap<TestContext, (() => Promise<void>)[]>();
function defer(t: TestContext, work: () => Promise<void>): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const created: (() => Promise<void>)[] = [];
    stack = created;
    cleanups.set(t, created);
    t.after(async () => {
      for (const step of created.reverse()) await step();
    });
  }
  stack.push(work);
}

async function tempRoot(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'berth-crash-'));
  defer(t, () => rm(root, { recursive: true, force: true }));
  return root;
}

async function start(t: TestContext, root: string): Promise<RegistryProcess> {
  const registry = await startBerth({ root });
  defer(t, () => registry.stop({ keepData: true, signal: 'SIGKILL' }));
  return registry;
}

/** Everything a restarted registry owes: resumed sessions, pulls, listings, a sound tree. */
async function checkAfterRestart(t: TestContext, registry: RegistryProcess, client: RegistryClient, ledger: Ledger): Promise<void> {
  const resumed = await resumeOpenUploads(client, ledger);
  const problems = [...resumed.problems, ...(await verifyLedger(client, ledger))];
  problems.push(...(await checkStaging(client, await stagingFiles(registry.root), repositories)));
  const tree = await checkBlobTree(registry.root);
  problems.push(...tree.problems);
  for (const blob of ledger.promisedBlobs()) {
    if (!tree.digests.has(blob.digest)) problems.push(`acknowledged blob ${blob.digest} has no intact file under blobs/`);
  }
  problems.push(...errorLines(registry.output()));
  t.diagnostic(
    `after restart: ${ledger.pushes.length} pushes and ${ledger.promisedBlobs().length} blobs verified, ` +
      `${tree.digests.size} blob files (${(tree.bytes / 2 ** 20).toFixed(1)} MiB) intact, ` +
      `${resumed.finished} open sessions finished, ${resumed.completedBeforeKill} had completed at the kill`,
  );
  assert.deepEqual(problems, [], `registry output:\n${tail(registry.output())}`);
}

describe('kill -9 during concurrent pushes', () => {
  it('loses no completed push, exposes no partial blob, keeps or sweeps unfinished uploads', async (t) => {
    const root = await tempRoot(t);
    const ledger = new Ledger();
    let interrupted = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const registry = await start(t, root);
      const client = new RegistryClient(registry.url);
      // Tighter than the pushers' timeout: an idle restarted registry has no excuse to be slow,
      // and a connection left wedged should be reported quickly.
      const checker = new RegistryClient(registry.url, { timeoutMs: 5_000 });
      try {
        if (round > 0) await checkAfterRestart(t, registry, checker, ledger);
        let killed = false;
        const shared = randomBytes(256 * 1024);
        const pushers = Array.from({ length: PUSHERS }, (_, i) =>
          runPusher(client, ledger, {
            repository: repositories[i % repositories.length],
            tagPrefix: `r${round}-p${i}`,
            shared,
            killed: () => killed,
          }),
        );
        // A random moment, but not before some push has completed: a loaded machine must not
        // turn the round into one that proves nothing.
        const before = ledger.pushes.length;
        await delay(1500 + Math.random() * 1500);
        const deadline = Date.now() + 15_000;
        while (ledger.pushes.length === before && ledger.failures.length === 0 && Date.now() < deadline) await delay(20);
        killed = true;
        registry.child.kill('SIGKILL');
        const completed = (await Promise.all(pushers)).reduce((a, b) => a + b, 0);
        await registry.stop({ keepData: true });
        assert.equal(registry.child.signalCode, 'SIGKILL', `the registry died on its own:\n${tail(registry.output())}`);
        assert.deepEqual(ledger.failures, [], `registry output:\n${tail(registry.output())}`);
        // Without completed pushes and open sessions at the kill, the round would prove nothing.
        assert.ok(completed > 0, `round ${round}: no push completed before the kill`);
        interrupted += ledger.open.size;
        t.diagnostic(`round ${round}: ${completed} pushes completed, ${ledger.open.size} sessions open at the kill`);
      } finally {
        client.close();
        checker.close();
      }
    }
    assert.ok(interrupted > 0, 'no kill landed while an upload session was open');

    const registry = await start(t, root);
    const client = new RegistryClient(registry.url, { timeoutMs: 5_000 });
    try {
      await checkAfterRestart(t, registry, client, ledger);
      // The restarted registry takes new work in every upload style.
      const fresh = new Ledger();
      for (const style of uploadStyles) await pushBlob(client, fresh, 'crash/after', randomBytes(300 * 1024 + 7), style);
      await pushImage(client, fresh, { repository: 'crash/after', tag: 'fresh', shared: randomBytes(4096) });
      assert.deepEqual(await verifyLedger(client, fresh), []);
    } finally {
      client.close();
    }
    await registry.stop({ keepData: true });
  });
});

describe('crash states the random kill rarely hits', () => {
  async function openUpload(client: RegistryClient, repository: string, bytes: Buffer): Promise<OpenUpload> {
    const started = await client.expect(202, 'POST', `/v2/${repository}/blobs/uploads/`);
    return { repository, location: headerValue(started, 'location'), bytes, digest: sha256(bytes), acknowledged: 0, inFlight: undefined };
  }

  it('an upload begun before a graceful restart is finished after it', async (t) => {
    const root = await tempRoot(t);
    const bytes = randomBytes(3 * 1024 * 1024 + 11);
    const half = 1024 * 1024 + 5;
    let registry = await start(t, root);
    let client = new RegistryClient(registry.url);
    const upload = await openUpload(client, 'crash/graceful', bytes);
    await client.expect(202, 'PATCH', upload.location, {
      headers: { ...octetStream, 'content-range': `0-${half - 1}` },
      body: bytes.subarray(0, half),
    });
    client.close();
    await registry.stop({ keepData: true, signal: 'SIGTERM' });
    assert.equal(registry.child.exitCode, 0, `graceful stop failed:\n${tail(registry.output())}`);

    registry = await start(t, root);
    client = new RegistryClient(registry.url);
    try {
      const status = await client.expect(204, 'GET', upload.location);
      assert.equal(uploadedSize(status), half, 'the restart lost acknowledged bytes');
      await client.expect(202, 'PATCH', upload.location, {
        headers: { ...octetStream, 'content-range': `${half}-${bytes.length - 1}` },
        body: bytes.subarray(half),
      });
      const put = await client.expect(201, 'PUT', withQuery(upload.location, { digest: upload.digest }));
      assert.equal(headerValue(put, 'docker-content-digest'), upload.digest);
      const ledger = new Ledger();
      ledger.recordBlob({ repository: 'crash/graceful', digest: upload.digest, size: bytes.length });
      assert.deepEqual(await verifyLedger(client, ledger), []);
      assert.deepEqual(await stagingFiles(root), [], 'the finished upload left its staging file');
    } finally {
      client.close();
    }
  });

  it('a staging file without a session (killed between creating the two) is swept at start', async (t) => {
    const root = await tempRoot(t);
    let registry = await start(t, root);
    let client = new RegistryClient(registry.url);
    const live = await openUpload(client, 'crash/sweep', randomBytes(64 * 1024));
    client.close();
    await registry.stop({ keepData: true });
    // The on-disk state of a kill right after the staging file was created, before its
    // session row was written: a file nobody can ever address.
    const orphan = randomUUID();
    await writeFile(join(root, 'uploads', orphan), randomBytes(10_000));

    registry = await start(t, root);
    client = new RegistryClient(registry.url);
    try {
      const left = await stagingFiles(root);
      const liveId = live.location.split('/').pop() ?? '';
      assert.ok(left.includes(liveId), 'the sweep removed the staging file of a live session');
      await client.expect(204, 'GET', live.location);
      assert.deepEqual(
        await checkStaging(client, left, ['crash/sweep']),
        [],
        `uploads/ after restart: ${left.join(' ')}\nregistry output:\n${tail(registry.output())}`,
      );
    } finally {
      client.close();
    }
  });

  it('a session whose blob was committed just before the kill answers its retry without a 500', async (t) => {
    const root = await tempRoot(t);
    const bytes = randomBytes(200 * 1024);
    let registry = await start(t, root);
    let client = new RegistryClient(registry.url);
    const upload = await openUpload(client, 'crash/commit', bytes);
    await client.expect(202, 'PATCH', upload.location, { headers: octetStream, body: bytes });
    client.close();
    await registry.stop({ keepData: true });
    // The on-disk state of a kill between the commit's rename and the metadata transaction
    // that closes the session: the blob is published, the session row still says "open".
    const id = upload.location.split('/').pop() ?? '';
    const hex = upload.digest.slice('sha256:'.length);
    const shard = join(root, 'blobs', 'sha256', hex.slice(0, 2));
    await mkdir(shard, { recursive: true });
    await rename(join(root, 'uploads', id), join(shard, hex));

    registry = await start(t, root);
    client = new RegistryClient(registry.url);
    try {
      const put = await client.request('PUT', withQuery(upload.location, { digest: upload.digest }));
      const body = put.body.toString('utf8');
      assert.ok(
        put.status === 201 || (put.status === 404 && body.includes('BLOB_UPLOAD_UNKNOWN')),
        `retried PUT -> ${put.status} ${body}\nregistry output:\n${tail(registry.output())}`,
      );
      // Whatever the retry said, the client's fallback (a fresh push) must work and serve the bytes.
      const ledger = new Ledger();
      await pushBlob(client, ledger, 'crash/commit', bytes, 'monolithic');
      assert.deepEqual(await verifyLedger(client, ledger), []);
      assert.deepEqual((await checkBlobTree(root)).problems, []);
    } finally {
      client.close();
    }
  });

  // A kill in the middle of a PATCH leaves bytes in the staging file that the session never
  // acknowledged. The client resumes from the acknowledged offset; the registry must adopt the
  // extra bytes (416, then status reports them) and keep the connection usable. A remainder
  // that fits in one socket read and one that does not take different paths through the server.
  for (const [label, remainder] of [
    ['a small', 4 * 1024],
    ['a large', 600 * 1024],
  ] as const) {
    it(`bytes a killed PATCH wrote but never acknowledged are adopted when ${label} chunk resumes`, async (t) => {
      const root = await tempRoot(t);
      const acknowledged = 100 * 1024;
      const landed = 10_000;
      const bytes = randomBytes(acknowledged + landed + remainder);
      let registry = await start(t, root);
      let client = new RegistryClient(registry.url);
      const upload = await openUpload(client, 'crash/adopt', bytes);
      await client.expect(202, 'PATCH', upload.location, {
        headers: { ...octetStream, 'content-range': `0-${acknowledged - 1}` },
        body: bytes.subarray(0, acknowledged),
      });
      client.close();
      await registry.stop({ keepData: true });
      const id = upload.location.split('/').pop() ?? '';
      // Planting into a file the server does not use would make this test pass for nothing.
      assert.ok((await stagingFiles(root)).includes(id), 'staging layout is not uploads/<id>');
      await appendFile(join(root, 'uploads', id), bytes.subarray(acknowledged, acknowledged + landed));
      upload.acknowledged = acknowledged;
      upload.inFlight = 'patch';

      registry = await start(t, root);
      // One connection, as a client resuming an upload uses: a reply that leaves the request
      // body unread would stall the next request behind it.
      client = new RegistryClient(registry.url, { maxSockets: 1, timeoutMs: 5_000 });
      try {
        const ledger = new Ledger();
        ledger.open.add(upload);
        const resumed = await resumeOpenUploads(client, ledger);
        assert.deepEqual(resumed.problems, [], `registry output:\n${tail(registry.output())}`);
        assert.equal(resumed.finished, 1);
        assert.deepEqual(await verifyLedger(client, ledger), []);
      } finally {
        client.close();
      }
    });
  }

  it('the tree check catches a flipped byte, a truncated blob and a stray temporary file', async (t) => {
    const root = await tempRoot(t);
    const registry = await start(t, root);
    const client = new RegistryClient(registry.url);
    const ledger = new Ledger();
    const pushed: BlobRecord[] = [];
    try {
      for (const size of [5000, 70_000, 1_000_000]) pushed.push(await pushBlob(client, ledger, 'crash/check', randomBytes(size), 'monolithic'));
    } finally {
      client.close();
    }
    await registry.stop({ keepData: true });
    const copy = await tempRoot(t);
    await cp(join(root, 'blobs'), join(copy, 'blobs'), { recursive: true });
    const clean = await checkBlobTree(copy);
    assert.deepEqual(clean.problems, []);
    assert.deepEqual([...clean.digests].sort(), pushed.map((b) => b.digest).sort());

    const pathOf = (digest: string) => {
      const hex = digest.slice('sha256:'.length);
      return join(copy, 'blobs', 'sha256', hex.slice(0, 2), hex);
    };
    const flipped = pathOf(pushed[0].digest);
    const bytes = await readFile(flipped);
    bytes[bytes.length >> 1] ^= 0x01;
    await writeFile(flipped, bytes);
    const truncated = pathOf(pushed[2].digest);
    await truncate(truncated, 512 * 1024);
    const stray = join(copy, 'blobs', 'sha256', pushed[1].digest.slice(7, 9), `.tmp-${randomUUID()}`);
    await writeFile(stray, 'half a blob');

    const broken = await checkBlobTree(copy);
    const named = (path: string) => broken.problems.filter((p) => p.startsWith(`${path}:`)).length;
    assert.equal(broken.problems.length, 3, broken.problems.join('\n'));
    assert.equal(named(flipped), 1);
    assert.equal(named(truncated), 1);
    assert.equal(named(stray), 1);
    assert.deepEqual([...broken.digests], [pushed[1].digest]);
  });
});
