/**
 * The optional direct-write addon (native/direct-write, built at install by
 * scripts/build-native.mjs): upload batches written with O_DIRECT in whole blocks, so the
 * bytes skip the page cache (the addon's source says why that pays). Absent when
 * it could not be built, when the build on disk has another interface, or when
 * BERTH_DIRECT_WRITES=off; appends then write through the page cache, as they always could.
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';

interface DirectWriteAddon {
  write(fd: number, chunks: Uint8Array[], position: number, done: (errno: number, directBytes: number) => void): void;
  directBytes(): number;
  interfaceVersion?: number;
}

export interface DirectWriter {
  /** Writes every chunk from `position` on; resolves to the position after them. */
  writeChunks(fd: number, chunks: Uint8Array[], position: number): Promise<number>;
  /** Bytes this process has written with O_DIRECT so far (0 where the filesystem refuses it). */
  directBytes(): number;
}

const INTERFACE_VERSION = 1;

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
    writeChunks: (fd, chunks, position) =>
      new Promise((resolve, reject) => {
        const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        addon.write(fd, chunks, position, (errno) => (errno === 0 ? resolve(position + total) : reject(systemError(errno))));
      }),
    directBytes: () => addon.directBytes(),
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
