/**
 * One request at a time per upload session, in this process.
 *
 * Two writers (PATCH, PUT) on one session are a client bug, and serialising them would append
 * chunks in whichever order they happened to arrive, so the second is refused at once. A
 * cancel (DELETE) or a purge is different: it is not racing for the bytes, it wants the session
 * gone, so it waits for the writer and then finds the session finished or still there; a
 * writer arriving during a cancel waits too and then finds the session gone. Either way the
 * loser sees a clean "no such upload", never a half-removed one.
 */
import { BlobUploadInvalidError } from '../errors.js';

export type LockMode = 'write' | 'remove';

interface Holder {
  mode: LockMode;
  released: Promise<void>;
}

export class SessionLocks {
  readonly #held = new Map<string, Holder>();

  isHeld(id: string): boolean {
    return this.#held.has(id);
  }

  /** Runs `work` holding the session's lock; see the file comment for who waits and who is refused. */
  async run<T>(id: string, mode: LockMode, work: () => Promise<T>): Promise<T> {
    for (let holder = this.#held.get(id); holder !== undefined; holder = this.#held.get(id)) {
      if (mode === 'write' && holder.mode === 'write') {
        throw new BlobUploadInvalidError('another request is writing this upload; send chunks one at a time');
      }
      await holder.released;
    }
    let release!: () => void;
    this.#held.set(id, { mode, released: new Promise<void>((resolve) => (release = resolve)) });
    try {
      return await work();
    } finally {
      this.#held.delete(id);
      release();
    }
  }

  /**
   * Runs `work` only if nobody holds the session (a purge must not pull bytes from under a
   * request); false when it did not run.
   */
  async runIfFree(id: string, work: () => Promise<void>): Promise<boolean> {
    if (this.#held.has(id)) return false;
    await this.run(id, 'remove', work);
    return true;
  }
}
