/**
 * The optional direct-write addon (native/direct-write, built at install by
 * scripts/build-native.mjs): upload batches written in whole blocks through a descriptor the
 * caller opened with O_DIRECT, so the bytes skip the page cache (the addon's source says why
 * that pays). Absent when
 * it could not be built, when the build on disk has another interface, or when
 * BERTH_DIRECT_WRITES=off; appends then write through the page cache, as they always could.
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';

interface DirectWriteAddon {
  write(fd: number, directFd: number, chunks: Uint8Array[], position: number, done: (errno: number, directBytes: number) => void): void;
  directBytes(): number;
  firstHole(fd: number, from: number): number;
  release(chunks: Uint8Array[]): number;
  releasedBytes(): number;
  interfaceVersion?: number;
}

export interface DirectWriter {
  /**
   * Writes every chunk from `position` on; resolves to the position after them. Whole blocks go
   * through `directFd` (the same file opened with O_DIRECT; -1 for none), the rest through `fd`.
   */
  writeChunks(fd: number, directFd: number, chunks: Uint8Array[], position: number): Promise<number>;
  /** Bytes this process has written with O_DIRECT so far (0 where the filesystem refuses it). */
  directBytes(): number;
  /** The offset of the file's first hole at or after `from` (its size when none); throws the errno. */
  firstHole(fd: number, from: number): number;
  /**
   * Frees the memory of every chunk that spans its whole ArrayBuffer now, rather than at V8's
   * next collection; the chunk reads as empty afterwards. Views of part of a buffer are left to
   * the collector. Returns the bytes freed. Only for chunks nothing else will read.
   */
  release(chunks: Uint8Array[]): number;
  /** Bytes `release` has freed in this process so far. */
  releasedBytes(): number;
}

const INTERFACE_VERSION = 3;

// dist/src/adapters/blob/ → the package root.
const BUILT = new URL('../../../../native/direct-write/build/Release/berth_direct_write.node', import.meta.url).pathname;

let loaded: DirectWriter | null | undefined;

/** The addon at `path` as a DirectWriter, if it loads and has this file's interface. */
export function loadDirectWriter(path: string): DirectWriter | null {
  let addon: DirectWriteAddon;
  try {
    addon = createRequire(import.meta.url)(path) as DirectWriteAddon;
  } catch {
    return null;
  }
  if (addon.interfaceVersion !== INTERFACE_VERSION) return null;
  return {
    writeChunks: (fd, directFd, chunks, position) =>
      new Promise((resolve, reject) => {
        const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        addon.write(fd, directFd, chunks, position, (errno) => (errno === 0 ? resolve(position + total) : reject(systemError(errno))));
      }),
    directBytes: () => addon.directBytes(),
    release: (chunks) => addon.release(chunks),
    releasedBytes: () => addon.releasedBytes(),
    firstHole: (fd, from) => {
      const hole = addon.firstHole(fd, from);
      if (hole < 0) throw systemError(-hole);
      return hole;
    },
  };
}

/** The built addon, unless BERTH_DIRECT_WRITES=off (read on every call, as tests toggle it). */
export function nativeDirectWriter(): DirectWriter | undefined {
  if (process.env.BERTH_DIRECT_WRITES === 'off') return undefined;
  if (loaded === undefined) loaded = loadDirectWriter(BUILT);
  return loaded ?? undefined;
}

/** An error shaped as Node's fs errors are, so callers' `code` checks (ENOSPC, …) still apply. */
function systemError(errno: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`${code}: write failed`), { errno: -errno, code, syscall: 'write' });
}
