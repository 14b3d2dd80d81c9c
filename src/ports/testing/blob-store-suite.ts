/**
 * The BlobStore contract as a test suite. Every adapter's test file calls
 * `blobStoreConformance` with a way to build and tear down a fresh store; nothing here knows
 * which adapter it is testing.
 *
 * Hygiene is part of the contract: after every passing test, each upload id and digest the
 * test touched must be gone, and `leftovers()` (when the adapter supplies it) must list
 * nothing. Tests therefore clean up through the store itself, which also exercises delete and
 * abort. Whatever a failing test leaves is removed afterwards so one failure does not cascade.
 *
 * Content is random per test, so digests are unique even when several runs share a backend.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { BlobStoreNotFoundError, BlobStoreOffsetError, type BlobStore } from '../blob-store.js';

export interface BlobStoreHarness {
  store: BlobStore;
  teardown: () => Promise<void>;
  /** Names of every object the backend still holds (staged, temporary or committed). */
  leftovers?: () => Promise<string[]>;
}

type Algorithm = 'sha256' | 'sha512';

const CHUNK = 64 * 1024;
const LARGE = 8 * 1024 * 1024;
// Object stores record last-modified in whole seconds; sleeping past one keeps the sweep
// test honest on them without assuming sub-second timestamps anywhere.
const TIMESTAMP_GAP_MS = 1100;

let sequence = 0;

/** Tracks what one test touched, to prove it is gone afterwards. */
class Scope {
  private readonly ids = new Set<string>();
  private readonly digests = new Set<string>();

  constructor(readonly store: BlobStore) {}

  id(): string {
    sequence += 1;
    const id = `conf-${sequence}-${randomBytes(6).toString('hex')}`;
    this.ids.add(id);
    return id;
  }

  digest(bytes: Uint8Array, algorithm: Algorithm = 'sha256'): string {
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    this.digests.add(digest);
    return digest;
  }

  /** A new upload holding `bytes`, appended in one call. */
  async stage(bytes: Uint8Array): Promise<string> {
    const id = this.id();
    await this.store.createUpload(id);
    if (bytes.length > 0) assert.equal(await this.store.appendUpload(id, 0, body(bytes)), bytes.length);
    return id;
  }

  async commit(bytes: Uint8Array, algorithm: Algorithm = 'sha256'): Promise<string> {
    const digest = this.digest(bytes, algorithm);
    const id = await this.stage(bytes);
    assert.deepEqual(await this.store.commitUpload(id, digest), { digest, size: bytes.length });
    return digest;
  }

  async remaining(): Promise<string[]> {
    const left: string[] = [];
    for (const id of this.ids) {
      try {
        await this.store.uploadSize(id);
        left.push(`upload ${id}`);
      } catch (error) {
        if (!(error instanceof BlobStoreNotFoundError)) left.push(`upload ${id} (${String(error)})`);
      }
    }
    for (const digest of this.digests) {
      if ((await this.store.stat(digest)) !== undefined) left.push(`blob ${digest}`);
    }
    return left;
  }

  async cleanup(): Promise<void> {
    for (const id of this.ids) await this.store.abortUpload(id).catch(() => false);
    for (const digest of this.digests) await this.store.delete(digest).catch(() => false);
  }
}

function body(bytes: Uint8Array, chunkSize = CHUNK): Readable {
  return Readable.from(chunks(bytes, chunkSize));
}

function* chunks(bytes: Uint8Array, chunkSize: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += chunkSize) {
    yield Buffer.from(bytes.subarray(at, Math.min(at + chunkSize, bytes.length)));
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

async function hashOf(stream: Readable, algorithm: Algorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const part of stream) hash.update(part as Uint8Array);
  return `${algorithm}:${hash.digest('hex')}`;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function abortedSignal(): AbortSignal {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
}

/** Rejected for bad input: an error, but not one that claims the thing merely does not exist. */
function isInputError(error: unknown): boolean {
  return error instanceof Error && !(error instanceof BlobStoreNotFoundError) && !(error instanceof BlobStoreOffsetError);
}

export function blobStoreConformance(name: string, build: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let harness: BlobStoreHarness | undefined;

    before(async () => {
      harness = await build();
      assert.deepEqual(await harness.leftovers?.(), harness.leftovers ? [] : undefined, 'a fresh store must be empty');
    });

    after(async () => {
      await harness?.teardown();
    });

    function check(title: string, test: (scope: Scope, store: BlobStore) => Promise<void>): void {
      it(title, async () => {
        assert.ok(harness, 'the store was not built');
        const scope = new Scope(harness.store);
        try {
          await test(scope, harness.store);
          assert.deepEqual(await scope.remaining(), [], 'the test left uploads or blobs behind');
          assert.deepEqual((await harness.leftovers?.()) ?? [], [], 'the backend still holds objects');
        } finally {
          await scope.cleanup();
        }
      });
    }

    check('ping resolves on a usable store', async (_scope, store) => {
      await store.ping();
    });

    check('stat, read and delete of an absent blob', async (scope, store) => {
      const sha256 = scope.digest(randomBytes(32));
      const sha512 = scope.digest(randomBytes(32), 'sha512');
      for (const digest of [sha256, sha512]) {
        assert.equal(await store.stat(digest), undefined);
        await assert.rejects(store.read(digest), BlobStoreNotFoundError);
        await assert.rejects(store.read(digest, { range: { start: 0, end: 0 } }), BlobStoreNotFoundError);
        assert.equal(await store.delete(digest), false);
      }
    });

    check('operations on an absent upload', async (scope, store) => {
      const id = scope.id();
      const digest = scope.digest(randomBytes(16));
      await assert.rejects(store.uploadSize(id), BlobStoreNotFoundError);
      await assert.rejects(store.readUpload(id), BlobStoreNotFoundError);
      await assert.rejects(store.appendUpload(id, 0, body(randomBytes(10))), BlobStoreNotFoundError);
      await assert.rejects(store.commitUpload(id, digest), BlobStoreNotFoundError);
      assert.equal(await store.abortUpload(id), false);
      assert.equal(await store.stat(digest), undefined);
    });

    check('createUpload makes an empty upload and refuses an existing id', async (scope, store) => {
      const id = scope.id();
      await store.createUpload(id);
      assert.equal(await store.uploadSize(id), 0);
      assert.equal((await collect(await store.readUpload(id))).length, 0);
      const bytes = randomBytes(100);
      assert.equal(await store.appendUpload(id, 0, body(bytes)), 100);
      await assert.rejects(store.createUpload(id), (error: unknown) => isInputError(error));
      assert.equal(await store.uploadSize(id), 100, 'a refused create must not reset the upload');
      assert.deepEqual(await collect(await store.readUpload(id)), bytes);
      assert.equal(await store.abortUpload(id), true);
      assert.equal(await store.abortUpload(id), false);
      await assert.rejects(store.uploadSize(id), BlobStoreNotFoundError);
    });

    check('appendUpload at the staged size returns the new size', async (scope, store) => {
      const id = scope.id();
      await store.createUpload(id);
      const bytes = randomBytes(3000);
      assert.equal(await store.appendUpload(id, 0, body(bytes, 1000)), 3000);
      assert.equal(await store.uploadSize(id), 3000);
      assert.deepEqual(await collect(await store.readUpload(id)), bytes);
      assert.equal(await store.abortUpload(id), true);
    });

    check('appendUpload at a wrong offset writes nothing', async (scope, store) => {
      const bytes = randomBytes(500);
      const id = await scope.stage(bytes);
      for (const offset of [0, 499, 501, 10_000]) {
        await assert.rejects(store.appendUpload(id, offset, body(randomBytes(64))), (error: unknown) => {
          assert.ok(error instanceof BlobStoreOffsetError, `offset ${offset}: ${String(error)}`);
          assert.equal(error.expected, offset);
          assert.equal(error.actual, 500);
          return true;
        });
        assert.equal(await store.uploadSize(id), 500);
      }
      assert.deepEqual(await collect(await store.readUpload(id)), bytes);
      assert.equal(await store.abortUpload(id), true);
    });

    check('a body that fails midway rolls the upload back to its offset', async (scope, store) => {
      const first = randomBytes(1000);
      const id = await scope.stage(first);
      const boom = new Error('client went away');
      const failing = Readable.from(
        (async function* () {
          for (let i = 0; i < 4; i += 1) yield randomBytes(CHUNK);
          // Let the adapter write what it already has, so there is something to roll back.
          await delay(30);
          throw boom;
        })(),
      );
      await assert.rejects(store.appendUpload(id, 1000, failing), (error: unknown) => error === boom);
      assert.equal(await store.uploadSize(id), 1000);
      assert.deepEqual(await collect(await store.readUpload(id)), first);

      const second = randomBytes(2000);
      assert.equal(await store.appendUpload(id, 1000, body(second)), 3000);
      const whole = Buffer.concat([first, second]);
      const digest = scope.digest(whole);
      assert.deepEqual(await store.commitUpload(id, digest), { digest, size: 3000 });
      assert.deepEqual(await collect(await store.read(digest)), whole);
      assert.equal(await store.delete(digest), true);
    });

    check('an append aborted midway rolls the upload back to its offset', async (scope, store) => {
      const first = randomBytes(700);
      const id = await scope.stage(first);
      const controller = new AbortController();
      const slow = Readable.from(
        (async function* () {
          yield randomBytes(CHUNK);
          await delay(30);
          controller.abort();
          // A store that ignores the signal would accept all of this and resolve.
          for (let i = 0; i < 4; i += 1) yield randomBytes(CHUNK);
        })(),
      );
      await assert.rejects(store.appendUpload(id, 700, slow, { signal: controller.signal }), isAbort);
      assert.equal(await store.uploadSize(id), 700);
      assert.deepEqual(await collect(await store.readUpload(id)), first);
      assert.equal(await store.abortUpload(id), true);
    });

    check('an already-aborted signal changes nothing', async (scope, store) => {
      const signal = abortedSignal();
      const fresh = scope.id();
      await assert.rejects(store.createUpload(fresh, { signal }), isAbort);
      await assert.rejects(store.uploadSize(fresh), BlobStoreNotFoundError);

      const bytes = randomBytes(256);
      const id = await scope.stage(bytes);
      const digest = scope.digest(bytes);
      await assert.rejects(store.appendUpload(id, 256, body(randomBytes(64)), { signal }), isAbort);
      assert.equal(await store.uploadSize(id), 256);
      await assert.rejects(store.commitUpload(id, digest, { signal }), isAbort);
      assert.equal(await store.stat(digest), undefined);
      assert.equal(await store.uploadSize(id), 256);
      assert.equal(await store.abortUpload(id), true);
    });

    check('several appends, including an empty one, concatenate in order', async (scope, store) => {
      const id = scope.id();
      await store.createUpload(id);
      const parts = [randomBytes(1), randomBytes(0), randomBytes(CHUNK + 3), randomBytes(999)];
      let size = 0;
      for (const part of parts) {
        size = await store.appendUpload(id, size, body(part, 4096));
        assert.equal(await store.uploadSize(id), size);
      }
      const whole = Buffer.concat(parts);
      assert.equal(size, whole.length);
      assert.deepEqual(await collect(await store.readUpload(id)), whole);
      const digest = scope.digest(whole);
      assert.deepEqual(await store.commitUpload(id, digest), { digest, size: whole.length });
      assert.deepEqual(await collect(await store.read(digest)), whole);
      assert.equal(await store.delete(digest), true);
    });

    check('commitUpload publishes the staged bytes and removes the upload', async (scope, store) => {
      const bytes = randomBytes(4321);
      const id = await scope.stage(bytes);
      const digest = scope.digest(bytes);
      assert.equal(await store.stat(digest), undefined, 'staged bytes must not be visible as a blob');
      assert.deepEqual(await store.commitUpload(id, digest), { digest, size: 4321 });
      await assert.rejects(store.uploadSize(id), BlobStoreNotFoundError);
      assert.equal(await store.abortUpload(id), false);
      await assert.rejects(store.commitUpload(id, digest), BlobStoreNotFoundError);
      assert.deepEqual(await store.stat(digest), { digest, size: 4321 });
      assert.deepEqual(await collect(await store.read(digest)), bytes);
      assert.equal(await store.delete(digest), true);
      assert.equal(await store.delete(digest), false);
      assert.equal(await store.stat(digest), undefined);
      await assert.rejects(store.read(digest), BlobStoreNotFoundError);
    });

    check('an empty upload commits as an empty blob', async (scope, store) => {
      const empty = new Uint8Array(0);
      const digest = await scope.commit(empty);
      assert.deepEqual(await store.stat(digest), { digest, size: 0 });
      assert.equal((await collect(await store.read(digest))).length, 0);
      assert.equal(await store.delete(digest), true);
    });

    check('read returns byte ranges, both ends inclusive', async (scope, store) => {
      const bytes = randomBytes(1000);
      const digest = await scope.commit(bytes);
      const ranges = [
        { start: 0, end: 0 },
        { start: 999, end: 999 },
        { start: 100, end: 499 },
        { start: 1, end: 998 },
        { start: 0, end: 999 },
      ];
      for (const range of ranges) {
        const got = await collect(await store.read(digest, { range }));
        assert.deepEqual(got, bytes.subarray(range.start, range.end + 1), `range ${range.start}-${range.end}`);
      }
      assert.equal(await store.delete(digest), true);
    });

    check('openReader (when offered) reads at any position into the caller\'s buffer', async (scope, store) => {
      if (store.openReader === undefined) return;
      const bytes = randomBytes(3 * CHUNK + 5);
      const digest = await scope.commit(bytes);
      await assert.rejects(store.openReader(scope.digest(randomBytes(8))), BlobStoreNotFoundError);
      await assert.rejects(store.openReader('sha256:../x'), isInputError);
      const reader = await store.openReader(digest);
      // Deleted after opening: the reader still sees the whole blob (what a GET in flight needs).
      assert.equal(await store.delete(digest), true);
      try {
        const buffer = Buffer.alloc(CHUNK + 10, 0xee);
        assert.equal(await reader.read(buffer, CHUNK, CHUNK - 3), CHUNK);
        assert.deepEqual(buffer.subarray(0, CHUNK), bytes.subarray(CHUNK - 3, 2 * CHUNK - 3));
        assert.equal(buffer[CHUNK], 0xee, 'wrote past length');
        assert.equal(await reader.read(buffer, CHUNK, bytes.length - 2), 2);
        assert.deepEqual(buffer.subarray(0, 2), bytes.subarray(bytes.length - 2));
        assert.equal(await reader.read(buffer, CHUNK, bytes.length), 0);
      } finally {
        await reader.close();
      }
    });

    check('8 MiB in one append survives commit and read intact', async (scope, store) => {
      const bytes = randomBytes(LARGE);
      const digest = scope.digest(bytes);
      const id = scope.id();
      await store.createUpload(id);
      assert.equal(await store.appendUpload(id, 0, body(bytes)), LARGE);
      assert.equal(await store.uploadSize(id), LARGE);
      assert.equal(await hashOf(await store.readUpload(id), 'sha256'), digest);
      assert.deepEqual(await store.commitUpload(id, digest), { digest, size: LARGE });
      assert.deepEqual(await store.stat(digest), { digest, size: LARGE });
      assert.equal(await hashOf(await store.read(digest), 'sha256'), digest);
      const tail = { start: LARGE - 10, end: LARGE - 1 };
      assert.deepEqual(await collect(await store.read(digest, { range: tail })), bytes.subarray(LARGE - 10));
      assert.equal(await store.delete(digest), true);
    });

    check('sha512 digests work like sha256 ones', async (scope, store) => {
      const bytes = randomBytes(2048);
      const digest = await scope.commit(bytes, 'sha512');
      assert.match(digest, /^sha512:[0-9a-f]{128}$/);
      assert.deepEqual(await store.stat(digest), { digest, size: 2048 });
      assert.equal(await hashOf(await store.read(digest), 'sha512'), digest);
      assert.deepEqual(await collect(await store.read(digest, { range: { start: 2047, end: 2047 } })), bytes.subarray(2047));
      // Same bytes under the other algorithm are a different, still absent, blob.
      assert.equal(await store.stat(scope.digest(bytes, 'sha256')), undefined);
      assert.equal(await store.delete(digest), true);
    });

    check('committing an existing digest keeps the stored data and drops the staged copy', async (scope, store) => {
      const bytes = randomBytes(1500);
      const digest = await scope.commit(bytes);

      const again = await scope.stage(bytes);
      assert.deepEqual(await store.commitUpload(again, digest), { digest, size: 1500 });
      await assert.rejects(store.uploadSize(again), BlobStoreNotFoundError);

      // Digests are never verified here, so a store that overwrote would now serve these bytes.
      const other = await scope.stage(randomBytes(10));
      assert.deepEqual(await store.commitUpload(other, digest), { digest, size: 1500 });
      await assert.rejects(store.uploadSize(other), BlobStoreNotFoundError);
      assert.deepEqual(await collect(await store.read(digest)), bytes);
      assert.equal(await store.delete(digest), true);
    });

    check('abortUpload removes a staged upload without publishing it', async (scope, store) => {
      const bytes = randomBytes(300);
      const id = await scope.stage(bytes);
      const digest = scope.digest(bytes);
      assert.equal(await store.abortUpload(id), true);
      await assert.rejects(store.uploadSize(id), BlobStoreNotFoundError);
      await assert.rejects(store.readUpload(id), BlobStoreNotFoundError);
      await assert.rejects(store.commitUpload(id, digest), BlobStoreNotFoundError);
      assert.equal(await store.stat(digest), undefined);
      assert.equal(await store.abortUpload(id), false);
    });

    check('listStaging lists staged uploads until they are committed or aborted', async (scope, store) => {
      const kept = await scope.stage(randomBytes(10));
      const committedBytes = randomBytes(20);
      const committed = await scope.stage(committedBytes);
      const aborted = await scope.stage(randomBytes(30));
      const listed = await store.listStaging();
      for (const id of [kept, committed, aborted]) assert.ok(listed.includes(id), `listStaging should include ${id}`);
      const digest = scope.digest(committedBytes);
      await store.commitUpload(committed, digest);
      await store.abortUpload(aborted);
      const after = await store.listStaging();
      assert.ok(after.includes(kept));
      assert.ok(!after.includes(committed), 'a committed upload is no longer staged');
      assert.ok(!after.includes(aborted), 'an aborted upload is no longer staged');
      assert.equal(await store.abortUpload(kept), true);
      assert.equal(await store.delete(digest), true);
    });

    check('sweepStaging removes old uploads and keeps fresh ones', async (scope, store) => {
      const oldBytes = randomBytes(50);
      const freshBytes = randomBytes(60);
      const old = await scope.stage(oldBytes);
      await delay(TIMESTAMP_GAP_MS);
      const cutoff = new Date();
      await delay(TIMESTAMP_GAP_MS);
      const fresh = await scope.stage(freshBytes);

      assert.equal(await store.sweepStaging(new Date(Date.now() - 3_600_000)), 0);
      assert.equal(await store.uploadSize(old), 50);

      assert.equal(await store.sweepStaging(cutoff), 1);
      await assert.rejects(store.uploadSize(old), BlobStoreNotFoundError);
      assert.equal(await store.uploadSize(fresh), 60);
      assert.deepEqual(await collect(await store.readUpload(fresh)), freshBytes);
      assert.equal(await store.abortUpload(fresh), true);
      assert.equal(await store.sweepStaging(new Date(Date.now() + 3_600_000)), 0);
    });

    // Optional: only stores that can hard-link local files (the filesystem store) have it. The
    // harness's store and os.tmpdir() share a filesystem in the adapters' tests.
    check('stageFromFile links a local file, made read-only; a commit publishes it; deleting either name keeps the other', async (scope, store) => {
      if (store.stageFromFile === undefined) return;
      const dir = await mkdtemp(join(tmpdir(), 'conf-source-'));
      try {
        const bytes = randomBytes(3000);
        const source = join(dir, 'data');
        await writeFile(source, bytes, { mode: 0o640 });
        const id = scope.id();
        await store.createUpload(id);
        assert.equal(await store.stageFromFile(id, source), bytes.length);
        assert.equal(await store.uploadSize(id), bytes.length);
        assert.equal((await stat(source)).mode & 0o777, 0o440, 'write bits removed, read bits kept');
        const digest = scope.digest(bytes);
        assert.deepEqual(await store.commitUpload(id, digest), { digest, size: bytes.length });
        assert.deepEqual(await collect(await store.read(digest)), bytes);
        assert.equal(await store.delete(digest), true);
        assert.deepEqual(await readFile(source), bytes, 'the source keeps its bytes');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    check('stageFromFile: a missing source is undefined, a staging object with bytes is refused', async (scope, store) => {
      if (store.stageFromFile === undefined) return;
      const dir = await mkdtemp(join(tmpdir(), 'conf-source-'));
      try {
        const empty = scope.id();
        await store.createUpload(empty);
        assert.equal(await store.stageFromFile(empty, join(dir, 'absent')), undefined);
        assert.equal(await store.uploadSize(empty), 0);
        const source = join(dir, 'data');
        await writeFile(source, randomBytes(10));
        const full = await scope.stage(randomBytes(5));
        await assert.rejects(store.stageFromFile(full, source), BlobStoreOffsetError);
        assert.equal(await store.uploadSize(full), 5);
        await assert.rejects(store.stageFromFile(scope.id(), source), BlobStoreNotFoundError);
        assert.equal(await store.abortUpload(empty), true);
        assert.equal(await store.abortUpload(full), true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    check('sweepStaging leaves committed blobs alone', async (scope, store) => {
      const bytes = randomBytes(80);
      const digest = await scope.commit(bytes);
      assert.equal(await store.sweepStaging(new Date(Date.now() + 3_600_000)), 0);
      assert.deepEqual(await collect(await store.read(digest)), bytes);
      assert.equal(await store.delete(digest), true);
    });

    check('malformed upload ids are rejected before anything is touched', async (scope, store) => {
      const bad = ['', '.', '..', '../escape', 'a/b', 'a\\b', 'a.b', 'a b', 'é', 'x'.repeat(129), '/abs'];
      const digest = scope.digest(randomBytes(8));
      for (const id of bad) {
        const label = JSON.stringify(id);
        await assert.rejects(store.createUpload(id), isInputError, `createUpload ${label}`);
        await assert.rejects(store.uploadSize(id), isInputError, `uploadSize ${label}`);
        await assert.rejects(store.readUpload(id), isInputError, `readUpload ${label}`);
        await assert.rejects(store.appendUpload(id, 0, body(randomBytes(4))), isInputError, `appendUpload ${label}`);
        await assert.rejects(store.commitUpload(id, digest), isInputError, `commitUpload ${label}`);
        await assert.rejects(store.abortUpload(id), isInputError, `abortUpload ${label}`);
      }
      // The grammar's whole alphabet, at its longest, must still be accepted.
      const longest = `${scope.id()}-_AZaz09`.padEnd(128, 'z');
      await store.createUpload(longest);
      assert.equal(await store.abortUpload(longest), true);
    });

    check('malformed digests are rejected before anything is touched', async (scope, store) => {
      const hex64 = 'a'.repeat(64);
      const bad = [
        '',
        'sha256',
        hex64,
        `sha256:${'A'.repeat(64)}`,
        `sha256:${'a'.repeat(63)}`,
        `sha256:${'a'.repeat(65)}`,
        `sha512:${hex64}`,
        `md5:${'a'.repeat(32)}`,
        `SHA256:${hex64}`,
        `sha256:../../${'a'.repeat(58)}`,
        `sha256:${'g'.repeat(64)}`,
        `sha256:${hex64}/x`,
      ];
      const staged = randomBytes(20);
      const id = await scope.stage(staged);
      for (const digest of bad) {
        const label = JSON.stringify(digest);
        await assert.rejects(store.stat(digest), isInputError, `stat ${label}`);
        await assert.rejects(store.read(digest), isInputError, `read ${label}`);
        await assert.rejects(store.delete(digest), isInputError, `delete ${label}`);
        await assert.rejects(store.commitUpload(id, digest), isInputError, `commitUpload ${label}`);
      }
      assert.deepEqual(await collect(await store.readUpload(id)), staged, 'a refused commit must keep the upload');
      assert.equal(await store.abortUpload(id), true);
    });
  });
}
