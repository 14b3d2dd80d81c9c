import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BlobStoreFullError, type BlobStore } from '../../ports/blob-store.js';
import { blobStoreConformance } from '../../ports/testing/blob-store-suite.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';
import { loadDirectWriter, nativeDirectWriter, type DirectWriter } from './native-direct-write.js';

/** Every append declares a short body, so the whole suite runs on the direct-write path. */
function declaringShortBodies(store: FilesystemBlobStore): BlobStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'appendUpload') {
        return (id: string, offset: number, body: Readable, options: object = {}) => target.appendUpload(id, offset, body, { ...options, expectedBytes: 1 });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

blobStoreConformance('filesystem, appends written with O_DIRECT', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-direct-'));
  const store = new FilesystemBlobStore({ root });
  return {
    store: declaringShortBodies(store),
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
      const handle = await open(path, 'r+');
      try {
        // /tmp here is ext4: all but a batch's unaligned tail goes direct, and a batch starting
        // inside a block rewrites that block whole, so its first bytes go direct too.
        const wholeBlocks = (bytes: number) => bytes - (bytes % 4096);
        let before = direct.directBytes();
        assert.equal(await direct.writeChunks(handle.fd, socketChunks(first), 0), first.length);
        assert.equal(direct.directBytes() - before, wholeBlocks(first.length));
        before = direct.directBytes();
        assert.equal(await direct.writeChunks(handle.fd, socketChunks(second), first.length), first.length + second.length);
        const lead = first.length % 4096;
        assert.equal(direct.directBytes() - before, wholeBlocks(lead + second.length) - lead);
      } finally {
        await handle.close();
      }
      assert.ok((await readFile(path)).equals(Buffer.concat([first, second])), 'the file holds other bytes than were written');
    }));

  test('a filesystem that refuses O_DIRECT gets the same bytes through the page cache', async (t) => {
    // tmpfs refuses the flag before Linux 6.6; on a newer kernel this still checks the bytes.
    if ((await readFile('/proc/mounts', 'utf8')).split('\n').every((line) => !/^\S+ \/dev\/shm tmpfs /.test(line))) {
      t.skip('no tmpfs at /dev/shm');
      return;
    }
    await withDir(async (dir) => {
      const path = join(dir, 'staged');
      await writeFile(path, '');
      const bytes = randomBytes(2 * 1024 * 1024 + 5);
      const handle = await open(path, 'r+');
      try {
        assert.equal(await writer().writeChunks(handle.fd, socketChunks(bytes), 0), bytes.length);
      } finally {
        await handle.close();
      }
      assert.ok((await readFile(path)).equals(bytes));
    }, '/dev/shm');
  });

  test('a refused write rejects with the errno as Node names it', () =>
    withDir(async (dir) => {
      const path = join(dir, 'read-only');
      await writeFile(path, '');
      const handle = await open(path, 'r');
      try {
        await assert.rejects(writer().writeChunks(handle.fd, [randomBytes(256 * 1024)], 0), (error: NodeJS.ErrnoException) => {
          assert.equal(error.code, 'EBADF');
          assert.equal(error.syscall, 'write');
          return true;
        });
      } finally {
        await handle.close();
      }
    }));

  test('arguments it cannot use reject with a TypeError, not a crash', async () => {
    const addon = writer();
    await assert.rejects(addon.writeChunks(-1, [], 0), TypeError);
    await assert.rejects(addon.writeChunks(0, ['text' as unknown as Uint8Array], 0), TypeError);
  });

  test('only a build with this interface loads', () =>
    withDir(async (dir) => {
      const stand = async (name: string, version: number | undefined): Promise<string> => {
        const path = join(dir, `${name}.cjs`);
        const field = version === undefined ? '' : `, interfaceVersion: ${version}`;
        await writeFile(path, `module.exports = { write() {}, directBytes() { return 0; }${field} };\n`);
        return path;
      };
      assert.notEqual(loadDirectWriter(await stand('current', 1)), null);
      assert.equal(loadDirectWriter(await stand('unversioned', undefined)), null);
      assert.equal(loadDirectWriter(await stand('other', 2)), null);
      assert.equal(loadDirectWriter(join(dir, 'missing.node')), null);
    }));
});

describe('filesystem store: which appends go direct', { skip: process.platform !== 'linux' && 'the addon is Linux-only' }, () => {
  const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

  test('a body declared up to 4 MiB goes direct, a longer or undeclared one through the page cache, and both commit whole', () =>
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
      assert.equal(await push('long', randomBytes(5 * 1024 * 1024), 5 * 1024 * 1024), 0);
      assert.equal(await push('undeclared', randomBytes(1024 * 1024), undefined), 0);
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
