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

describe('filesystem store: write-back starts when an append ends', () => {
  const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

  test('each append starts its own flush of the staged file; the commit waits for the last and adds none', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
    const probe = await open(join(root, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = prototype.sync;
    const synced: string[] = [];
    prototype.sync = function (this: { fd: number }) {
      synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
      return sync.call(this);
    };
    try {
      const store = new FilesystemBlobStore({ root });
      const parts = [randomBytes(300_000), randomBytes(200_000)];
      const whole = Buffer.concat(parts);
      await store.createUpload('chunked');
      await store.appendUpload('chunked', 0, Readable.from([parts[0]!]));
      await store.appendUpload('chunked', parts[0]!.length, Readable.from([parts[1]!]));
      assert.deepEqual(await store.commitUpload('chunked', digestOf(whole)), { digest: digestOf(whole), size: whole.length });
      const staged = synced.filter((path) => path.startsWith(`${join(root, 'uploads')}/`));
      assert.equal(staged.length, 2, `one flush per append, none more at the commit: ${JSON.stringify(synced)}`);
      assert.ok((await readFile(join(root, 'blobs', 'sha256', digestOf(whole).slice(7, 9), digestOf(whole).slice(7)))).equals(whole));
      await store.close();
    } finally {
      prototype.sync = sync;
      await rm(root, { recursive: true, force: true });
    }
  });
});
