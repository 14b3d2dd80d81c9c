/**
 * The optional sendfile addon (native/sendfile, built at install by scripts/build-native.mjs).
 * Absent when it could not be built (no compiler, not Linux), when the build on disk is of
 * another interface (left from an older checkout), or when BERTH_SENDFILE=off; blob GETs then
 * take the JS path, which is complete on its own. The variable is read on every call, not once,
 * so a test can turn the addon off for one server of its process.
 */
import { createRequire } from 'node:module';

/** How a native send ended: all bytes sent, or why not. */
export type SendOutcome = 'done' | 'idle' | 'cancelled' | 'short' | 'error';

export interface NativeSendfile {
  /**
   * Starts a thread that sends [offset, offset + length) of `fileFd` to `socketFd` (both
   * dup()ed before this returns), giving up when no byte moves for `idleMs` (0: never), with
   * sendfile(2) or, when `copy`, by reading into a buffer and writing that (the addon's source
   * says when each is cheaper). Calls back exactly once on the JS thread. Throws when the
   * thread cannot start.
   */
  send(
    fileFd: number,
    socketFd: number,
    offset: number,
    length: number,
    idleMs: number,
    copy: boolean,
    done: (outcome: SendOutcome, sent: number, error: string | null) => void,
  ): object;
  /** Makes the send's thread stop within 100 ms; it still calls back ('cancelled'). */
  cancel(handle: object): void;
  /** Sends whose thread has not finished. */
  active(): number;
  /** Which `send` the build has; this file is written for INTERFACE_VERSION. */
  interfaceVersion?: number;
}

const INTERFACE_VERSION = 2;

let loaded: NativeSendfile | null | undefined;

// dist/src/http/oci/ → the package root.
const BUILT = new URL('../../../../native/sendfile/build/Release/berth_sendfile.node', import.meta.url).pathname;

/** The addon at `path` if it loads and has this file's interface, else null. */
export function loadNativeSendfile(path: string): NativeSendfile | null {
  try {
    const addon = createRequire(import.meta.url)(path) as NativeSendfile;
    return addon.interfaceVersion === INTERFACE_VERSION ? addon : null;
  } catch {
    return null;
  }
}

export function nativeSendfile(): NativeSendfile | undefined {
  if (process.env.BERTH_SENDFILE === 'off') return undefined;
  if (loaded === undefined) loaded = loadNativeSendfile(BUILT);
  return loaded ?? undefined;
}
