import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, mkdtemp, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BlobStoreFullError, BlobStoreOffsetError } from '../../ports/blob-store.js';
import { blobStoreConformance } from '../../ports/testing/blob-store-suite.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';
import { loadDirectWriter, nativeDirectWriter, type DirectWriter } from './native-direct-write.js';

// The default store (filesystem-blob-store.test.ts) writes appends direct; this runs the same
// suite through the page cache, which a filesystem refusing O_DIRECT gets.
blobStoreConformance('filesystem, appends through the page cache', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-buffered-'));
  const store = new FilesystemBlobStore({ root, directWrites: false });
  return {
    store,
    teardown: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

function writer(): DirectWriter {
  const found = nativeDirectWriter();
  assert.ok(found !== undefined, 'native/direct-write/build/Release/berth_direct_write.node did not load: run `npm run build:native`');
  return found;
}

/** Splits `bytes` into chunks of the sizes a socket delivers (a few bytes to 64 KiB), unaligned. */
function socketChunks(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = [65536, 1, 4095, 30000, 8192, 777][i % 6]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** `work` with the file at `path` opened twice: as usual, and with O_DIRECT (-1 where refused). */
async function withDescriptors<T>(path: string, work: (fd: number, directFd: number) => Promise<T>, flags = 'r+'): Promise<T> {
  const handle = await open(path, flags);
  let direct: FileHandle | undefined;
  try {
    direct = await open(path, constants.O_WRONLY | constants.O_DIRECT).catch(() => undefined);
    return await work(handle.fd, direct?.fd ?? -1);
  } finally {
    await direct?.close();
    await handle.close();
  }
}

async function withDir<T>(work: (dir: string) => Promise<T>, parent = tmpdir()): Promise<T> {
  const dir = await mkdtemp(join(parent, 'berth-direct-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('direct-write addon', { skip: process.platform !== 'linux' && 'the addon is Linux-only' }, () => {
  test('every byte lands where it belongs, from aligned and unaligned offsets, and all but the unaligned tail skips the page cache', () =>
    withDir(async (dir) => {
      const direct = writer();
      const path = join(dir, 'staged');
      await writeFile(path, '');
      const first = randomBytes(1024 * 1024 + 1000);
      const second = randomBytes(3 * 1024 * 1024 + 12345);
      await withDescriptors(path, async (fd, directFd) => {
        assert.notEqual(directFd, -1, 'this filesystem refused O_DIRECT');
        // /tmp here is ext4: all but a batch's unaligned tail goes direct, and a batch starting
        // inside a block rewrites that block whole, so its first bytes go direct too.
        const wholeBlocks = (bytes: number) => bytes - (bytes % 4096);
        let before = direct.directBytes();
        assert.equal(await direct.writeChunks(fd, directFd, socketChunks(first), 0), first.length);
        assert.equal(direct.directBytes() - before, wholeBlocks(first.length));
        before = direct.directBytes();
        assert.equal(await direct.writeChunks(fd, directFd, socketChunks(second), first.length), first.length + second.length);
        const lead = first.length % 4096;
        assert.equal(direct.directBytes() - before, wholeBlocks(lead + second.length) - lead);
      });
      assert.ok((await readFile(path)).equals(Buffer.concat([first, second])), 'the file holds other bytes than were written');
    }));

  test('without a direct descriptor every byte goes through the page cache', () =>
    withDir(async (dir) => {
      const path = join(dir, 'staged');
      await writeFile(path, '');
      const bytes = randomBytes(2 * 1024 * 1024 + 5);
      const before = writer().directBytes();
      await withDescriptors(path, async (fd) => assert.equal(await writer().writeChunks(fd, -1, socketChunks(bytes), 0), bytes.length));
      assert.equal(writer().directBytes(), before);
      assert.ok((await readFile(path)).equals(bytes));
    }));

  test('a refused write rejects with the errno as Node names it', () =>
    withDir(async (dir) => {
      const path = join(dir, 'read-only');
      await writeFile(path, '');
      const handle = await open(path, 'r');
      try {
        // 1 KiB: no whole block, so the refusal comes from the ordinary descriptor's write.
        await assert.rejects(writer().writeChunks(handle.fd, -1, [randomBytes(1024)], 0), (error: NodeJS.ErrnoException) => {
          assert.equal(error.code, 'EBADF');
          assert.equal(error.syscall, 'write');
          return true;
        });
      } finally {
        await handle.close();
      }
      assert.throws(() => writer().firstHole(2 ** 30, 0), (error: NodeJS.ErrnoException) => error.code === 'EBADF');
    }));

  test('arguments it cannot use reject with a TypeError, not a crash', async () => {
    const addon = writer();
    await assert.rejects(addon.writeChunks(-1, -1, [], 0), TypeError);
    await assert.rejects(addon.writeChunks(0, -2, [], 0), TypeError);
    await assert.rejects(addon.writeChunks(0, 1.5, [], 0), TypeError);
    await assert.rejects(addon.writeChunks(0, -1, ['text' as unknown as Uint8Array], 0), TypeError);
    assert.throws(() => addon.firstHole(-1, 0), TypeError);
  });

  test('release frees buffers a chunk spans whole and leaves views of part of one alone', () => {
    const addon = writer();
    const whole = Buffer.alloc(64 * 1024, 1);
    const slab = Buffer.alloc(8192, 2);
    const head = slab.subarray(0, 4096);
    const tail = slab.subarray(4096);
    const pooled = Buffer.from('a pooled small buffer');
    const empty = new Uint8Array(0);
    assert.equal(addon.release([whole, head, tail, pooled, empty]), 64 * 1024);
    assert.equal(whole.length, 0, 'a chunk spanning its whole buffer reads as empty once released');
    assert.ok(head.length === 4096 && tail.length === 4096 && slab.every((byte) => byte === 2), 'views of part of a buffer were touched');
    assert.equal(pooled.toString(), 'a pooled small buffer');
    // Released twice, or not bytes at all: nothing to free, no throw.
    assert.equal(addon.release([whole, 'text' as unknown as Uint8Array, new Uint16Array(4) as unknown as Uint8Array]), 0);
    assert.throws(() => addon.release('chunks' as unknown as Uint8Array[]), TypeError);
  });

  test('only a build with this interface loads', () =>
    withDir(async (dir) => {
      const stand = async (name: string, version: number | undefined): Promise<string> => {
        const path = join(dir, `${name}.cjs`);
        const field = version === undefined ? '' : `, interfaceVersion: ${version}`;
        await writeFile(path, `module.exports = { write() {}, directBytes() { return 0; }, firstHole() { return 0; }, release() { return 0; }, releasedBytes() { return 0; }${field} };\n`);
        return path;
      };
      assert.notEqual(loadDirectWriter(await stand('current', 3)), null);
      assert.equal(loadDirectWriter(await stand('unversioned', undefined)), null);
      assert.equal(loadDirectWriter(await stand('older', 2)), null);
      assert.equal(loadDirectWriter(join(dir, 'missing.node')), null);
    }));
});

describe('filesystem store: which appends go direct', { skip: process.platform !== 'linux' && 'the addon is Linux-only' }, () => {
  const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

  test('a long or undeclared body goes direct, one declared under 64 KiB through the page cache, and all commit whole', () =>
    withDir(async (root) => {
      const store = new FilesystemBlobStore({ root });
      const direct = writer();
      const push = async (id: string, bytes: Buffer, expectedBytes: number | undefined): Promise<number> => {
        const before = direct.directBytes();
        await store.createUpload(id);
        await store.appendUpload(id, 0, Readable.from(socketChunks(bytes)), expectedBytes === undefined ? {} : { expectedBytes });
        await store.commitUpload(id, digestOf(bytes));
        assert.ok((await readFile(join(root, 'blobs', 'sha256', digestOf(bytes).slice(7, 9), digestOf(bytes).slice(7)))).equals(bytes));
        return direct.directBytes() - before;
      };
      assert.ok((await push('short', randomBytes(1024 * 1024), 1024 * 1024)) > 1000 * 1024);
      assert.equal(await push('long', randomBytes(9 * 1024 * 1024 + 3), 9 * 1024 * 1024 + 3), 9 * 1024 * 1024);
      assert.equal(await push('undeclared', randomBytes(3 * 1024 * 1024), undefined), 3 * 1024 * 1024);
      assert.equal(await push('tiny', randomBytes(60 * 1024), 60 * 1024), 0);
    }));

  test('appends from unaligned offsets, each with batches in flight, stage exactly the bytes sent', () =>
    withDir(async (root) => {
      const store = new FilesystemBlobStore({ root });
      const parts = [randomBytes(1000), randomBytes(5 * 1024 * 1024 + 4097), randomBytes(70 * 1024 + 1), randomBytes(3 * 1024 * 1024)];
      await store.createUpload('u');
      let offset = 0;
      for (const part of parts) offset = await store.appendUpload('u', offset, Readable.from(socketChunks(part)));
      const all = Buffer.concat(parts);
      assert.equal(offset, all.length);
      assert.ok((await readFile(join(root, 'uploads', 'u'))).equals(all), 'the staged bytes differ from those sent');
    }));

  test('staged bytes past a hole are dropped, not adopted; staged bytes with none are reported', () =>
    withDir(async (root) => {
      const store = new FilesystemBlobStore({ root });
      const recorded = randomBytes(5000);
      await store.createUpload('crashed');
      await store.appendUpload('crashed', 0, Readable.from([recorded]));
      // What a crash can leave: a later batch on disk past an earlier one that never landed.
      const path = join(root, 'uploads', 'crashed');
      const stray = await open(path, 'r+');
      await stray.write(randomBytes(1024 * 1024), 0, 1024 * 1024, 4 * 1024 * 1024);
      await stray.close();
      const retry = randomBytes(2 * 1024 * 1024 + 9);
      assert.equal(await store.appendUpload('crashed', recorded.length, Readable.from(socketChunks(retry))), recorded.length + retry.length);
      assert.ok((await readFile(path)).equals(Buffer.concat([recorded, retry])), 'bytes past the hole survived the retry');

      // Contiguous extra bytes are a prefix of the client's: reported, for the caller to adopt.
      await store.createUpload('ahead');
      await store.appendUpload('ahead', 0, Readable.from([recorded]));
      await writeFile(join(root, 'uploads', 'ahead'), randomBytes(3000), { flag: 'a' });
      await assert.rejects(store.appendUpload('ahead', recorded.length, Readable.from([retry])), (error: unknown) => {
        assert.ok(error instanceof BlobStoreOffsetError);
        assert.equal(error.actual, recorded.length + 3000);
        return true;
      });
      assert.equal((await stat(join(root, 'uploads', 'ahead'))).size, recorded.length + 3000);
    }));

  test('releaseChunks frees each written chunk that owns its buffer and stages every byte; without it no chunk is touched', () =>
    withDir(async (root) => {
      for (const directWrites of [true, false]) {
        const store = new FilesystemBlobStore({ root, directWrites });
        const sent = randomBytes(5 * 1024 * 1024 + 4097);
        // As node:http delivers a body: a fresh buffer per socket read (a few small ones pooled).
        const chunks = socketChunks(sent).map((view) => Buffer.from(view));
        const owning = chunks.filter((chunk) => chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength);
        const id = `released-${directWrites}`;
        await store.createUpload(id);
        assert.equal(await store.appendUpload(id, 0, Readable.from(chunks), { releaseChunks: true }), sent.length);
        assert.ok((await readFile(join(root, 'uploads', id))).equals(sent), `directWrites ${directWrites}: the staged bytes differ from those sent`);
        const released = owning.filter((chunk) => chunk.length === 0).length;
        // A batch may end inside a chunk (at a block boundary); that one is left to the collector.
        assert.ok(released >= owning.length - 6, `directWrites ${directWrites}: ${released} of ${owning.length} owning chunks released`);
        for (const chunk of chunks) if (!owning.includes(chunk)) assert.ok(chunk.length > 0, 'a pooled chunk was released');

        const kept = socketChunks(sent).map((view) => Buffer.from(view));
        await store.createUpload(`${id}-kept`);
        await store.appendUpload(`${id}-kept`, 0, Readable.from(kept));
        assert.ok(Buffer.concat(kept).equals(sent), 'an append without releaseChunks changed its chunks');
      }
    }));

  test('directWrites: false keeps every append in the page cache', () =>
    withDir(async (root) => {
      const store = new FilesystemBlobStore({ root, directWrites: false });
      const before = writer().directBytes();
      await store.createUpload('u');
      await store.appendUpload('u', 0, Readable.from([randomBytes(1024 * 1024)]), { expectedBytes: 1024 * 1024 });
      assert.equal(writer().directBytes(), before);
    }));

  test('a full ext4 disk under a direct append is BlobStoreFullError, with the upload rolled back to its offset', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('mounting a filesystem needs root');
      return;
    }
    await withDir(async (dir) => {
      const image = join(dir, 'disk.img');
      const mountPoint = join(dir, 'mnt');
      execFileSync('truncate', ['-s', '8M', image]);
      execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'ignore' });
      execFileSync('mkdir', [mountPoint]);
      try {
        execFileSync('mount', ['-o', 'loop', image, mountPoint], { stdio: 'ignore' });
      } catch {
        t.skip('no loop device to mount an ext4 image on');
        return;
      }
      try {
        const store = new FilesystemBlobStore({ root: mountPoint });
        const before = writer().directBytes();
        let offset = 0;
        await store.createUpload('fill');
        let refusal: unknown;
        // 1 MiB at a time until the disk (about 6 MiB free) refuses one.
        for (let i = 0; i < 16 && refusal === undefined; i++) {
          const chunk = randomBytes(1024 * 1024);
          try {
            offset = await store.appendUpload('fill', offset, Readable.from(socketChunks(chunk)), { expectedBytes: chunk.length });
          } catch (error) {
            refusal = error;
          }
        }
        assert.ok(refusal instanceof BlobStoreFullError, `expected BlobStoreFullError, got ${String(refusal)}`);
        assert.ok(writer().directBytes() > before, 'no append went direct before the disk filled');
        assert.equal(await store.uploadSize('fill'), offset, 'the refused append left bytes behind');
      } finally {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      }
    });
  });
});
