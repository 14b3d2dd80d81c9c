/**
 * Where the filesystem blob store keeps things, the validation that guarantees no caller input
 * can name a path outside the root, and the few fs primitives the store builds on (absence as
 * a value rather than an exception, durable directory entries). Every path the store touches
 * comes from here. The layout itself is described at the top of filesystem-blob-store.ts.
 *
 * Lookups and other calls that touch only metadata (stat, open, close, rename) run
 * synchronously: through the thread pool each cost ~50 µs of CPU on the bench's virtual
 * machine, most of it waking a pool thread and then the event loop, against ~4 µs done in
 * place (docs/architecture-decisions.md, "Blob store metadata calls run in place"). Calls that
 * wait on the disk (fsync, writes, reads, unlinking a big file) stay on the pool.
 */
import { closeSync, fsync, lstatSync, openSync, statSync, type Stats } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { BlobStoreFullError, BlobStoreNotFoundError } from '../../ports/blob-store.js';

export const STORE_NAME = 'filesystem';

// Ids become file names, so the alphabet excludes separators and dots outright (no `..`),
// and the length stays far below every filesystem's name limit.
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
const DIGEST = /^([a-z0-9]+):([0-9a-f]+)$/;

export interface ParsedDigest {
  algorithm: string;
  hex: string;
}

export function parseDigest(digest: string): ParsedDigest {
  const match = typeof digest === 'string' ? DIGEST.exec(digest) : null;
  const algorithm = match?.[1];
  const hex = match?.[2];
  if (algorithm === undefined || hex === undefined || HEX_LENGTH[algorithm] !== hex.length) {
    throw new Error(`${STORE_NAME}: invalid digest ${JSON.stringify(digest)}`);
  }
  return { algorithm, hex };
}

export function assertUploadId(id: string): void {
  if (typeof id !== 'string' || !UPLOAD_ID.test(id)) {
    throw new Error(`${STORE_NAME}: invalid upload id ${JSON.stringify(id)}`);
  }
}

export class FilesystemLayout {
  readonly root: string;
  readonly blobsDir: string;
  readonly uploadsDir: string;

  constructor(root: string) {
    if (typeof root !== 'string' || root === '') {
      throw new Error(`${STORE_NAME}: root must be a non-empty path`);
    }
    // Absolute and normalised, so the paths mkdir reports compare equal to the ones built here.
    this.root = resolve(root);
    this.blobsDir = join(this.root, 'blobs');
    this.uploadsDir = join(this.root, 'uploads');
  }

  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    // Two hex characters of fan-out keep any one directory to a few thousand entries.
    return join(this.blobsDir, algorithm, hex.slice(0, 2), hex);
  }

  uploadPath(id: string): string {
    assertUploadId(id);
    return join(this.uploadsDir, id);
  }
}

export function hasErrorCode(error: unknown, ...codes: string[]): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    codes.includes(error.code)
  );
}

/**
 * A rename or a new directory entry is only durable once the directory holding it is synced.
 * `firstCreated` is what `mkdir({ recursive: true })` returned: every directory from it down
 * to `dir` is new, so each of their parents gained an entry that must be synced too.
 */
/** ENOSPC (disk full) and EDQUOT (a user or project quota) both mean "no room": the same error. */
export function whenFull(error: unknown): unknown {
  return hasErrorCode(error, 'ENOSPC', 'EDQUOT') ? new BlobStoreFullError(STORE_NAME, { cause: error }) : error;
}

export async function syncDirectories(dir: string, firstCreated: string | undefined): Promise<void> {
  await syncDirectory(dir);
  if (firstCreated === undefined) return;
  const top = dirname(firstCreated);
  let current = dir;
  while (current !== top) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
    await syncDirectory(current);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

const fsyncFd = promisify(fsync);

export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
  return position + done;
}

/**
 * Writes several chunks with one writev: a socket delivers uploads in chunks of a few KiB to
 * 64 KiB, and a syscall per chunk dominates the cost of a push (more so under a sandboxing
 * kernel such as gVisor).
 */
export async function writeChunks(handle: FileHandle, chunks: Uint8Array[], position: number): Promise<number> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const { bytesWritten } = await handle.writev(chunks, position);
  if (bytesWritten === total) return position + total;
  return writeFully(handle, Buffer.concat(chunks).subarray(bytesWritten), position + bytesWritten);
}

export async function openOrNotFound(path: string, flags: string, key: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) throw new BlobStoreNotFoundError(STORE_NAME, key, { cause: error });
    throw error;
  }
}

export async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return statSync(path);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

export async function lstatIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return lstatSync(path);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}
