/**
 * FilesystemBlobStore: the embedded default BlobStore, one directory tree on a local disk.
 *
 * Layout under `root`:
 *
 *   blobs/<algorithm>/<first two hex chars>/<hex>   committed blobs, immutable once there
 *   uploads/<id>                                    staging files, one per upload
 *
 * Both trees live under one root so they share a filesystem and rename(2) between them is
 * atomic. The staging file is itself the temporary file of a commit: commit fsyncs it, renames
 * it into its shard directory and fsyncs that directory (and any directory it had to create).
 * Killed at any instant, the store therefore holds either the staging file (the commit can be
 * retried) or the complete, durable blob — never a partial blob and never both halves lost.
 * No other temporary files exist; sweepStaging clears anything old under uploads/, which
 * includes whatever a future or crashed writer might leave there.
 *
 * Appends are not fsync'd before they return (that would cost a sync per chunk); commit is
 * the durability point. A first append starts its file's write-back as it ends, and a commit
 * that follows it waits for that instead of syncing again (filesystem-flush-ahead.ts).
 * After a crash mid-append the staging file may hold more bytes than the caller recorded:
 * they are still a prefix of what the client sent, and uploadSize reports the truth. (Appends
 * written with O_DIRECT keep two writes in flight, and a crash can land the later one only; the
 * earlier one's blocks are then a hole, and an append that finds one drops every byte past
 * what its caller recorded instead of reporting them.)
 *
 * Blob bytes are private to the registry: directories are created 0700 and staging files
 * (which become the blobs) 0600 whatever the umask, as the signing key is.
 *
 * Concurrent appends or an append racing a commit on the same id are the caller's to prevent
 * (core serialises per upload); the offset check catches retries, not simultaneous writers.
 */
import { closeSync, fstatSync, openSync, renameSync } from 'node:fs';
import { access, chmod, constants, link, mkdir, readdir, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import {
  BlobStoreNotFoundError,
  BlobStoreOffsetError,
  type BlobReader,
  type BlobStat,
  type BlobStore,
  type AppendOptions,
  type IoOptions,
  type ReadRange,
} from '../../ports/blob-store.js';
import { appendBody, type Appended, type AppendSizes } from './filesystem-append.js';
import { FlushAhead } from './filesystem-flush-ahead.js';
import {
  FilesystemLayout,
  STORE_NAME,
  hasErrorCode,
  lstatIfPresent,
  openOrNotFound,
  statIfPresent,
  syncDirectories,
  unlinkIfPresent,
  whenFull,
} from './filesystem-paths.js';
import { nativeDirectWriter, type DirectWriter } from './native-direct-write.js';

const PRIVATE_DIRECTORY = { recursive: true, mode: 0o700 } as const;

export interface FilesystemBlobStoreOptions {
  root: string;
  /**
   * False when other processes may commit uploads this one appends to (`berth serve
   * --workers`): a sync left running after an append answers reports its failure only to this
   * process, and the kernel reports a write-back error once, so the committing process's own
   * fsync could succeed over lost bytes. Appends then wait for their write-back, and no
   * flush-ahead starts. Default true.
   */
  backgroundSyncs?: boolean;
  /**
   * Writes appends with the direct-write addon, O_DIRECT in whole blocks, when it is built and
   * not turned off (BERTH_DIRECT_WRITES=off) and the filesystem takes the flag. Default true;
   * false writes every append through the page cache.
   */
  directWrites?: boolean;
}

/** Upload bytes gathered per write syscall (1 MiB: half the pwritev calls of 512 KiB, see bench/README.md). */
const WRITE_BATCH_BYTES = 1024 * 1024;
/**
 * Write-back started during an append every this many bytes (filesystem-append.ts). On the
 * bench's floor server a durable 1 GiB push went from 493–546 to 620–721 MiB/s with 16 MiB,
 * 620–690 with 64 MiB; Berth's row 2 from 523–692 to 801–805 (bench/README.md).
 */
const WRITE_BACK_BYTES = 16 * 1024 * 1024;
/**
 * Bodies declared shorter than this are written through the page cache even with the
 * direct-write addon: the addon writes fewer whole blocks buffered anyway, and the second
 * descriptor would cost an open and a close for nothing.
 */
const DIRECT_MIN_BYTES = 64 * 1024;
/**
 * Direct writes of one upload in flight at once. With one, the socket waited on the disk at
 * every batch and long bodies were slower than through the page cache (rows 2 and 3 took 10–30 %
 * longer); with two, a 1 GiB body went from 301–473 to 626–766 MiB/s on the bench's machine, and
 * four were no better (bench/README.md).
 */
const DIRECT_DEPTH = 2;
/** O_DIRECT alignment: 4 KiB covers 512-byte and 4 KiB devices (the addon's kAlign). */
const DIRECT_ALIGN = 4096;
/**
 * Read size for blob downloads. 1 MiB rather than 256 KiB: a quarter of the read(2) calls,
 * socket writes and stream callbacks per GiB (measured in bench/README.md); one such buffer
 * per stream in flight is the price.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

export class FilesystemBlobStore implements BlobStore {
  private readonly layout: FilesystemLayout;
  /**
   * Directories this store has made or found, so a push does not pay a mkdir (and its stat)
   * per upload and per commit. Nothing here removes them; if something outside does, the
   * ENOENT that follows makes the store forget and create them again.
   */
  private uploadsDirReady = false;
  private readonly knownShards = new Set<string>();
  private readonly flushAhead = new FlushAhead();
  private readonly backgroundSyncs: boolean;
  private readonly appendSizes: AppendSizes;
  /** Undefined without the addon, or once the filesystem refused O_DIRECT. */
  private direct: DirectWriter | undefined;
  /** Frees written chunks of a body its caller gave up (`releaseChunks`); undefined without the addon. */
  private readonly release: ((chunks: Uint8Array[]) => void) | undefined;

  constructor(options: FilesystemBlobStoreOptions) {
    this.layout = new FilesystemLayout(options.root);
    this.backgroundSyncs = options.backgroundSyncs ?? true;
    this.appendSizes = { batchBytes: WRITE_BATCH_BYTES, writeBackBytes: WRITE_BACK_BYTES };
    const addon = nativeDirectWriter();
    this.direct = options.directWrites === false ? undefined : addon;
    this.release = addon?.release;
  }

  async stat(digest: string, options: IoOptions = {}): Promise<BlobStat | undefined> {
    const path = this.layout.blobPath(digest);
    options.signal?.throwIfAborted();
    const found = await statIfPresent(path);
    return found === undefined ? undefined : { digest, size: found.size };
  }

  async read(digest: string, options: IoOptions & { range?: ReadRange } = {}): Promise<Readable> {
    const path = this.layout.blobPath(digest);
    const { range, signal } = options;
    if (range !== undefined) assertRange(range);
    signal?.throwIfAborted();
    // Open first, then stream from the handle: a delete between a stat and an open cannot
    // turn into a stream that errors later instead of a clean not-found now.
    const handle = await openOrNotFound(path, 'r', digest);
    const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, ...(range ?? {}) });
    return signal === undefined ? stream : addAbortSignal(signal, stream);
  }

  async openReader(digest: string, options: IoOptions = {}): Promise<BlobReader> {
    const path = this.layout.blobPath(digest);
    options.signal?.throwIfAborted();
    const handle = await openOrNotFound(path, 'r', digest);
    return {
      read: async (buffer, length, position) => (await handle.read(buffer, 0, length, position)).bytesRead,
      fd: handle.fd,
      close: () => handle.close(),
    };
  }

  async delete(digest: string, options: IoOptions = {}): Promise<boolean> {
    const path = this.layout.blobPath(digest);
    options.signal?.throwIfAborted();
    return unlinkIfPresent(path);
  }

  async createUpload(id: string, options: IoOptions = {}): Promise<void> {
    const path = this.layout.uploadPath(id);
    options.signal?.throwIfAborted();
    try {
      if (!this.uploadsDirReady) await mkdir(this.layout.uploadsDir, PRIVATE_DIRECTORY);
      this.uploadsDirReady = true;
      try {
        createEmpty(path);
      } catch (error) {
        if (!hasErrorCode(error, 'ENOENT')) throw error;
        this.uploadsDirReady = false;
        await mkdir(this.layout.uploadsDir, PRIVATE_DIRECTORY);
        createEmpty(path);
      }
    } catch (error) {
      if (hasErrorCode(error, 'EEXIST')) {
        throw new Error(`${STORE_NAME}: upload ${id} already exists`, { cause: error });
      }
      throw whenFull(error);
    }
  }

  async stageFromFile(id: string, path: string, options: IoOptions = {}): Promise<number | undefined> {
    const staged = this.layout.uploadPath(id);
    options.signal?.throwIfAborted();
    // Another file takes the staging name: a flush of the old one says nothing about it.
    this.flushAhead.drop(id);
    const current = await statIfPresent(staged);
    if (current === undefined) throw new BlobStoreNotFoundError(STORE_NAME, uploadKey(id));
    const { size } = current;
    if (size !== 0) throw new BlobStoreOffsetError(STORE_NAME, 0, size);
    const source = await lstatIfPresent(path);
    if (source === undefined || !source.isFile()) return undefined;
    // A temporary name beside the staging file, then rename over it: the staging file is never
    // missing. The name is a valid upload id, so a crash's leftover is orphan staging, which
    // the start-up sweep removes like any other.
    const temporary = this.layout.uploadPath(`${id.slice(0, 100)}-link`);
    try {
      await link(path, temporary);
    } catch (error) {
      // EXDEV: another filesystem; EPERM: protected_hardlinks and a file owned by someone else.
      if (hasErrorCode(error, 'EXDEV', 'EPERM', 'EACCES')) return undefined;
      throw whenFull(error);
    }
    try {
      await chmod(temporary, source.mode & 0o7555);
      await rename(temporary, staged);
    } catch (error) {
      await unlinkIfPresent(temporary);
      if (hasErrorCode(error, 'EPERM')) return undefined;
      throw error;
    }
    return source.size;
  }

  async appendUpload(id: string, offset: number, body: Readable, options: AppendOptions = {}): Promise<number> {
    this.layout.uploadPath(id);
    options.signal?.throwIfAborted();
    const handle = await this.openUpload(id, 'r+');
    this.flushAhead.forget(id);
    let flushing = false;
    let directFd: number | undefined;
    try {
      const { size } = fstatSync(handle.fd);
      if (size !== offset && !(size > offset && (await this.droppedPastHole(handle, offset, size)))) {
        throw new BlobStoreOffsetError(STORE_NAME, offset, size);
      }
      let appended: Appended;
      try {
        const expected = options.expectedBytes;
        directFd = expected === undefined || expected >= DIRECT_MIN_BYTES ? this.openDirect(id) : undefined;
        const sizes = directFd === undefined ? this.appendSizes : this.directSizes(directFd);
        const free = options.releaseChunks === true ? this.release : undefined;
        const { written } = options;
        const release =
          free === undefined || written === undefined
            ? (free ?? written)
            : (chunks: Uint8Array[]): void => {
                written(chunks);
                free(chunks);
              };
        appended = await appendBody(body, handle, offset, release === undefined ? sizes : { ...sizes, release }, options.signal);
        if (!this.backgroundSyncs && appended.writingBack !== undefined) {
          const failed = await appended.writingBack;
          if (failed !== undefined) throw failed;
          appended = { position: appended.position };
        }
      } catch (error) {
        // A failed append settles only once its last write and datasync have landed, so the truncate cannot race them.
        try {
          await handle.truncate(offset);
        } catch (truncateError) {
          throw new AggregateError([error, truncateError], `${STORE_NAME}: upload ${id} could not be rolled back to ${offset}`);
        }
        throw whenFull(error);
      }
      const { position, writingBack } = appended;
      // Every write has landed: a flush started now covers the whole file. Only after a first
      // append: a client that sends its body in one PATCH (the Docker engine, containerd)
      // commits next, while one that sends many chunks would pay a sync (and a journal
      // commit) per chunk, which cost the chunked push row a fifth of its rate. A later
      // append's write-back still under way is handed over too, so its error reaches the
      // commit and its handle stays open until it is done.
      if (this.backgroundSyncs && (offset === 0 || writingBack !== undefined)) {
        this.flushAhead.start(id, handle, { sync: offset === 0, writingBack });
        flushing = true;
      }
      return position;
    } finally {
      if (directFd !== undefined) closeSync(directFd);
      if (!flushing) await handle.close();
    }
  }

  /** Sizes for an append whose whole blocks go through `directFd`: no write-back needed. */
  private directSizes(directFd: number): AppendSizes {
    const direct = this.direct!;
    return {
      batchBytes: WRITE_BATCH_BYTES,
      writeBackBytes: Infinity,
      depth: DIRECT_DEPTH,
      align: DIRECT_ALIGN,
      write: (handle, chunks, position) => direct.writeChunks(handle.fd, directFd, chunks, position),
    };
  }

  /** A second descriptor of the staging file with O_DIRECT, or undefined where that is refused. */
  private openDirect(id: string): number | undefined {
    if (this.direct === undefined) return undefined;
    try {
      return openSync(this.layout.uploadPath(id), constants.O_WRONLY | constants.O_DIRECT);
    } catch (error) {
      // tmpfs before Linux 6.6 and some FUSE and network filesystems: the page cache, from now on.
      if (hasErrorCode(error, 'EINVAL')) this.direct = undefined;
      else throw error;
      return undefined;
    }
  }

  /**
   * True when the staging file holds a hole past `offset`, the size its caller recorded, after
   * cutting it back to `offset`. Such bytes are not a prefix of the client's (a crash landed a
   * later direct write without an earlier one), and the block they share with the recorded
   * bytes may hold zeros no hole shows, so all of them go. Without the addon there is no way
   * to ask, and no direct write could have made one.
   */
  private async droppedPastHole(handle: FileHandle, offset: number, size: number): Promise<boolean> {
    const probe = this.direct ?? nativeDirectWriter();
    if (probe === undefined || probe.firstHole(handle.fd, offset) >= size) return false;
    await handle.truncate(offset);
    return true;
  }

  async uploadSize(id: string, options: IoOptions = {}): Promise<number> {
    const path = this.layout.uploadPath(id);
    options.signal?.throwIfAborted();
    const found = await statIfPresent(path);
    if (found === undefined) throw new BlobStoreNotFoundError(STORE_NAME, uploadKey(id));
    return found.size;
  }

  async readUpload(id: string, options: IoOptions = {}): Promise<Readable> {
    this.layout.uploadPath(id);
    options.signal?.throwIfAborted();
    const stream = (await this.openUpload(id, 'r')).createReadStream();
    return options.signal === undefined ? stream : addAbortSignal(options.signal, stream);
  }

  async commitUpload(id: string, digest: string, options: IoOptions = {}): Promise<BlobStat> {
    try {
      return await this.publish(id, digest, options);
    } catch (error) {
      throw whenFull(error);
    }
  }

  /** commitUpload without the translation of "no room" (fsync and mkdir can hit it too). */
  private async publish(id: string, digest: string, options: IoOptions): Promise<BlobStat> {
    const staged = this.layout.uploadPath(id);
    const target = this.layout.blobPath(digest);
    options.signal?.throwIfAborted();
    // Read-only is enough for fsync, and a linked staging file (stageFromFile) has no write bit.
    let size: number;
    if (await this.flushAhead.settled(id)) {
      // Already synced: only its size is wanted, which needs no descriptor.
      const found = await statIfPresent(staged);
      if (found === undefined) throw new BlobStoreNotFoundError(STORE_NAME, uploadKey(id));
      size = found.size;
    } else {
      const handle = await this.openUpload(id, 'r');
      try {
        await handle.sync();
        size = fstatSync(handle.fd).size;
      } finally {
        await handle.close();
      }
    }
    // Past this point the commit runs to the end: stopping halfway would gain nothing.
    options.signal?.throwIfAborted();

    const existing = await statIfPresent(target);
    if (existing !== undefined) {
      // Same digest, same bytes: keep the copy readers may already be streaming.
      await unlinkIfPresent(staged);
      return { digest, size: existing.size };
    }
    const shard = dirname(target);
    let created = this.knownShards.has(shard) ? undefined : await mkdir(shard, PRIVATE_DIRECTORY);
    try {
      renameSync(staged, target);
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
      // A shard known from before may have been removed behind the store's back: make it
      // again, once. A second ENOENT means the staged file is gone.
      if (!this.knownShards.delete(shard)) throw new BlobStoreNotFoundError(STORE_NAME, uploadKey(id), { cause: error });
      created = await mkdir(shard, PRIVATE_DIRECTORY);
      try {
        renameSync(staged, target);
      } catch (retryError) {
        if (hasErrorCode(retryError, 'ENOENT')) throw new BlobStoreNotFoundError(STORE_NAME, uploadKey(id), { cause: retryError });
        throw retryError;
      }
    }
    await syncDirectories(shard, created);
    this.knownShards.add(shard);
    return { digest, size };
  }

  async abortUpload(id: string, options: IoOptions = {}): Promise<boolean> {
    const path = this.layout.uploadPath(id);
    options.signal?.throwIfAborted();
    this.flushAhead.drop(id);
    return unlinkIfPresent(path);
  }

  async listStaging(options: IoOptions = {}): Promise<string[]> {
    options.signal?.throwIfAborted();
    try {
      const entries = await readdir(this.layout.uploadsDir, { withFileTypes: true });
      return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return [];
      throw error;
    }
  }

  async sweepStaging(olderThan: Date, options: IoOptions = {}): Promise<number> {
    const cutoff = olderThan.getTime();
    if (Number.isNaN(cutoff)) throw new RangeError(`${STORE_NAME}: sweepStaging needs a valid date`);
    options.signal?.throwIfAborted();
    let names: string[];
    try {
      names = await readdir(this.layout.uploadsDir);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      options.signal?.throwIfAborted();
      const path = join(this.layout.uploadsDir, name);
      const found = await lstatIfPresent(path);
      if (found === undefined || !found.isFile() || found.mtimeMs >= cutoff) continue;
      if (await unlinkIfPresent(path)) removed += 1;
    }
    return removed;
  }

  async ping(options: IoOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await mkdir(this.layout.blobsDir, PRIVATE_DIRECTORY);
    await mkdir(this.layout.uploadsDir, PRIVATE_DIRECTORY);
    await access(this.layout.root, constants.R_OK | constants.W_OK);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls; streams handed out close their own handles.
  }

  private async openUpload(id: string, flags: 'r' | 'r+'): Promise<FileHandle> {
    return openOrNotFound(this.layout.uploadPath(id), flags, uploadKey(id));
  }
}

/** An empty staging file, private to the registry; fails with EEXIST if the name is taken. */
function createEmpty(path: string): void {
  closeSync(openSync(path, 'wx', 0o600));
}

function uploadKey(id: string): string {
  return `upload ${id}`;
}

function assertRange(range: ReadRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`${STORE_NAME}: invalid range ${start}-${end}`);
  }
}
