import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BlobStoreNotFoundError } from '../../ports/blob-store.js';
import { blobStoreConformance } from '../../ports/testing/blob-store-suite.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';

blobStoreConformance('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
  const store = new FilesystemBlobStore({ root });
  return {
    store,
    // Every file anywhere under the root: staging, stray temporaries and committed blobs.
    // Empty shard directories are expected to stay and are not counted.
    leftovers: async () => {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.filter((entry) => !entry.isDirectory()).map((entry) => relative(root, join(entry.path, entry.name)));
    },
    teardown: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('filesystem store: directories it remembers', () => {
  const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const commit = async (store: FilesystemBlobStore, id: string, bytes: Buffer) => {
    await store.createUpload(id);
    await store.appendUpload(id, 0, Readable.from([bytes]));
    return store.commitUpload(id, digestOf(bytes));
  };

  test('a shard or uploads directory removed behind its back is made again, not a lost upload', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
    try {
      const store = new FilesystemBlobStore({ root });
      // Two blobs in one shard: the first commit makes (and remembers) it.
      const first = Buffer.from('shard-0');
      let second: Buffer | undefined;
      for (let i = 1; second === undefined; i++) {
        const candidate = Buffer.from(`shard-${i}`);
        if (digestOf(candidate).slice(7, 9) === digestOf(first).slice(7, 9)) second = candidate;
      }
      await commit(store, 'upload-a', first);
      await rm(join(root, 'blobs'), { recursive: true });
      await rm(join(root, 'uploads'), { recursive: true });
      assert.deepEqual(await commit(store, 'upload-b', second), { digest: digestOf(second), size: second.length });
      assert.equal((await store.stat(digestOf(second)))?.size, second.length);
      // A staged file that is really gone is still reported as such, not retried forever.
      await store.createUpload('upload-c');
      await rm(join(root, 'uploads', 'upload-c'));
      await assert.rejects(store.commitUpload('upload-c', digestOf(first)), BlobStoreNotFoundError);
      await store.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('filesystem store: appends in batches', () => {
  /** A body of `chunks` random 64 KiB chunks, each handed over a tick apart, then `end` (an error or the end). */
  function body(chunks: Buffer[], end?: Error): Readable {
    return Readable.from(
      (async function* () {
        for (const chunk of chunks) {
          await new Promise((resolve) => setImmediate(resolve));
          yield chunk;
        }
        if (end) throw end;
      })(),
    );
  }
  const chunks = (count: number) => Array.from({ length: count }, () => randomBytes(64 * 1024));

  test('several MiB in socket-sized chunks land in order, across batches written while the next gathers', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
    try {
      const store = new FilesystemBlobStore({ root });
      await store.createUpload('batches');
      const first = chunks(37);
      const second = chunks(70);
      assert.equal(await store.appendUpload('batches', 0, body(first)), 37 * 64 * 1024);
      assert.equal(await store.appendUpload('batches', 37 * 64 * 1024, body(second)), 107 * 64 * 1024);
      const staged: Buffer[] = [];
      for await (const part of await store.readUpload('batches')) staged.push(part as Buffer);
      assert.ok(Buffer.concat(staged).equals(Buffer.concat([...first, ...second])));
      await store.abortUpload('batches');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a body failing after three full batches is rolled back to its offset', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
    try {
      const store = new FilesystemBlobStore({ root });
      await store.createUpload('fails');
      await store.appendUpload('fails', 0, body(chunks(3)));
      const boom = new Error('client went away');
      await assert.rejects(store.appendUpload('fails', 3 * 64 * 1024, body(chunks(3 * 16), boom)), (error: unknown) => error === boom);
      assert.equal(await store.uploadSize('fails'), 3 * 64 * 1024);
      // The failure comes right after a full batch was handed to a write; nothing of it may land
      // after the rollback. (Whether that write would beat the truncate is up to the thread pool,
      // so this catches a lost rollback, not every ordering.)
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(await store.uploadSize('fails'), 3 * 64 * 1024);
      await store.abortUpload('fails');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/**
 * Runs `work` on a store over a fresh root while FileHandle#`method` is `replace(original)`;
 * restores the method and removes the root after. Returns the root's (removed) path.
 */
async function withHandleMethod(
  method: 'sync' | 'datasync',
  replace: (original: () => Promise<void>) => (this: { fd: number }) => Promise<void>,
  work: (store: FilesystemBlobStore, root: string) => Promise<void>,
  backgroundSyncs: boolean,
  directWrites = true,
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
  const probe = await open(join(root, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as Record<typeof method, () => Promise<void>>;
  await probe.close();
  const original = prototype[method];
  prototype[method] = replace(original);
  try {
    const store = new FilesystemBlobStore({ root, backgroundSyncs, directWrites });
    await work(store, root);
    await store.close();
    return root;
  } finally {
    prototype[method] = original;
    await rm(root, { recursive: true, force: true });
  }
}

/** What a failing disk makes fsync or datasync reject with. */
function ioError(call: string): Error {
  return Object.assign(new Error(`EIO: i/o error, ${call}`), { code: 'EIO' });
}

describe('filesystem store: write-back starts when a first append ends', () => {
  const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

  /** Every FileHandle#sync while stagedSyncs runs, whatever the file. */
  let syncCount = 0;

  /** Runs `work` on a fresh store; returns the staged-file fsyncs it made, by path. */
  async function stagedSyncs(work: (store: FilesystemBlobStore, root: string) => Promise<void>, backgroundSyncs = true): Promise<string[]> {
    const synced: string[] = [];
    const root = await withHandleMethod(
      'sync',
      (sync) =>
        function () {
          syncCount++;
          synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
          return sync.call(this);
        },
      work,
      backgroundSyncs,
    );
    return synced.filter((path) => path.startsWith(`${join(root, 'uploads')}/`));
  }

  const committed = async (store: FilesystemBlobStore, root: string, id: string, whole: Buffer) => {
    assert.deepEqual(await store.commitUpload(id, digestOf(whole)), { digest: digestOf(whole), size: whole.length });
    const hex = digestOf(whole).slice(7);
    assert.ok((await readFile(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex))).equals(whole), 'the committed bytes');
  };

  test('one append, then the commit: the staged file is synced once, by the flush the append started', async () => {
    const whole = randomBytes(500_000);
    const synced = await stagedSyncs(async (store, root) => {
      await store.createUpload('single');
      await store.appendUpload('single', 0, Readable.from([whole]));
      await committed(store, root, 'single', whole);
    });
    assert.equal(synced.length, 1, `the commit adds no fsync of its own: ${JSON.stringify(synced)}`);
  });

  test('more appends after the first: the first one\'s flush does not cover them, the commit syncs itself', async () => {
    const parts = [randomBytes(300_000), randomBytes(200_000), randomBytes(100_000)];
    const whole = Buffer.concat(parts);
    const synced = await stagedSyncs(async (store, root) => {
      await store.createUpload('chunked');
      let offset = 0;
      for (const part of parts) offset = await store.appendUpload('chunked', offset, Readable.from([part]));
      await committed(store, root, 'chunked', whole);
    });
    assert.equal(synced.length, 2, `the first append's flush and the commit's, none per later chunk: ${JSON.stringify(synced)}`);
  });

  test('with other processes committing (workers), an append starts no flush: the commit syncs itself', async () => {
    const whole = randomBytes(500_000);
    for (const backgroundSyncs of [true, false]) {
      let duringAppend = 0;
      const synced = await stagedSyncs(async (store, root) => {
        await store.createUpload('one');
        const before = syncCount;
        await store.appendUpload('one', 0, Readable.from([whole]));
        duringAppend = syncCount - before;
        await committed(store, root, 'one', whole);
      }, backgroundSyncs);
      assert.equal(synced.length, 1, `one fsync of the staged file either way: ${JSON.stringify(synced)}`);
      assert.equal(duringAppend, backgroundSyncs ? 1 : 0, backgroundSyncs ? 'alone, the append starts it' : 'shared, the commit does it');
    }
  });
});

// Through the page cache (directWrites: false, or a filesystem refusing O_DIRECT); a direct append has nothing to write back.
describe('filesystem store: write-back while a big append is still arriving', () => {
  const MiB = 1024 * 1024;
  /** Body bytes handed to the store so far, by the body below. */
  let handedOver = 0;

  /** `total` bytes in 1 MiB chunks, a tick apart, counted in handedOver. */
  function body(total: number): Readable {
    return Readable.from(
      (async function* () {
        for (let sent = 0; sent < total; sent += MiB) {
          await new Promise((resolve) => setImmediate(resolve));
          handedOver = sent + MiB;
          yield Buffer.alloc(MiB, sent / MiB);
        }
      })(),
    );
  }

  /**
   * Runs `work` on a fresh store with FileHandle#datasync wrapped (`instead` replaces it);
   * returns, per datasync, how many body bytes had been handed over when it started.
   */
  async function datasyncs(
    work: (store: FilesystemBlobStore, root: string) => Promise<void>,
    instead?: () => Promise<void>,
    backgroundSyncs = true,
    directWrites = false,
  ): Promise<number[]> {
    const started: number[] = [];
    await withHandleMethod(
      'datasync',
      (datasync) =>
        function () {
          started.push(handedOver);
          return instead ? instead() : datasync.call(this);
        },
      work,
      backgroundSyncs,
      directWrites,
    );
    return started;
  }

  test('written with O_DIRECT, a 48 MiB append needs no datasync while it arrives', async () => {
    const direct = await datasyncs(
      async (store) => {
        await store.createUpload('direct');
        assert.equal(await store.appendUpload('direct', 0, body(48 * MiB)), 48 * MiB);
      },
      undefined,
      true,
      true,
    );
    assert.deepEqual(direct, []);
  });

  test('a 48 MiB append has a datasync under way before its body ends, at most one per 16 MiB; a 1 MiB one has none', async () => {
    const big = await datasyncs(async (store) => {
      await store.createUpload('big');
      assert.equal(await store.appendUpload('big', 0, body(48 * MiB)), 48 * MiB);
    });
    assert.ok(big.length >= 1 && big.length <= 3, `datasyncs: ${JSON.stringify(big)}`);
    assert.ok(big[0]! < 48 * MiB, `the first starts while the body is still arriving (at ${big[0]} bytes)`);
    const small = await datasyncs(async (store) => {
      await store.createUpload('small');
      await store.appendUpload('small', 0, body(MiB));
    });
    assert.deepEqual(small, [], 'a small push pays no write-back of its own');
  });

  test('a failed write-back fails the append with its error, and the upload is rolled back to its offset', async () => {
    const eio = ioError('datasync');
    const started = await datasyncs(async (store) => {
      await store.createUpload('eio');
      await store.appendUpload('eio', 0, body(MiB));
      await assert.rejects(store.appendUpload('eio', MiB, body(40 * MiB)), { code: 'EIO' });
      assert.equal(await store.uploadSize('eio'), MiB, 'nothing of the failed append is kept');
      await store.abortUpload('eio');
    }, () => Promise.reject(eio));
    assert.equal(started.length, 1, 'the append stops at the first failed datasync');
  });

  test('a datasync the last write started is not waited for by the append, and its failure fails the commit', async () => {
    const eio = ioError('datasync');
    let failAt = 0;
    await datasyncs(
      async (store, root) => {
        await store.createUpload('late');
        await store.appendUpload('late', 0, body(MiB));
        // 15 MiB more: the file passes 16 MiB with the append's very last write. Kept open
        // after its end, as a keep-alive request's socket is.
        const source = new Readable({ autoDestroy: false, read() {} });
        for (let i = 0; i < 15; i++) source.push(Buffer.alloc(MiB, i));
        source.push(null);
        assert.equal(await store.appendUpload('late', MiB, source), 16 * MiB);
        assert.ok(Date.now() < failAt, 'the append answered before its datasync settled');
        await assert.rejects(store.commitUpload('late', `sha256:${'0'.repeat(64)}`), { code: 'EIO' });
        assert.equal(source.destroyed, false, 'a failure after the hand-off leaves the request alone');
        assert.deepEqual(await readdir(join(root, 'blobs')).catch(() => []), [], 'nothing was committed');
        await store.abortUpload('late');
      },
      () => {
        failAt = Date.now() + 400;
        return new Promise((_, reject) => setTimeout(() => reject(eio), 400));
      },
    );
  });

  test('with other processes committing (workers), the append waits for that datasync and fails with it, rolled back', async () => {
    const eio = ioError('datasync');
    await datasyncs(
      async (store) => {
        await store.createUpload('shared');
        await store.appendUpload('shared', 0, body(MiB));
        await assert.rejects(store.appendUpload('shared', MiB, body(15 * MiB)), { code: 'EIO' });
        assert.equal(await store.uploadSize('shared'), MiB, 'the failed append is rolled back');
        await store.abortUpload('shared');
      },
      () => new Promise((_, reject) => setTimeout(() => reject(eio), 100)),
      false,
    );
  });
});
