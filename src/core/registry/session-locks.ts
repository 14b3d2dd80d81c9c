/**
 * One request at a time per upload session, in this process and, given a shared lock store,
 * across every instance on the same database (a client's PATCHes may reach any of them).
 *
 * Two writers (PATCH, PUT) on one session are a client bug, and serialising them would append
 * chunks in whichever order they happened to arrive, so the second is refused at once. A
 * cancel (DELETE) or a purge is different: it is not racing for the bytes, it wants the session
 * gone, so it waits for the writer and then finds the session finished or still there; a
 * writer arriving during a cancel waits too and then finds the session gone. Either way the
 * loser sees a clean "no such upload", never a half-removed one.
 *
 * The shared lock is taken after the process's own (so requests in one process never poll the
 * database for each other) and is a lease renewed while the request runs: an instance killed
 * mid-request frees the session when its lease ends (SHARED_LEASE_MS), not never.
 */
import { randomUUID } from 'node:crypto';
import type { SessionLockStore } from '../../ports/session-lock-store.js';
import { BlobUploadInvalidError } from '../errors.js';

export type LockMode = 'write' | 'remove';

interface Holder {
  mode: LockMode;
  released: Promise<void>;
}

export interface SharedLocks {
  store: SessionLockStore;
  now: () => number;
}

/** How long a shared lock lives without renewal, and how often a holder renews it. */
export const SHARED_LEASE_MS = 30_000;
const RENEW_MS = 10_000;
/** How often a waiting remover asks again. */
const POLL_MS = 100;

function writing(): BlobUploadInvalidError {
  return new BlobUploadInvalidError('another request is writing this upload; send chunks one at a time');
}

export class SessionLocks {
  readonly #held = new Map<string, Holder>();

  constructor(private readonly shared?: SharedLocks) {}

  isHeld(id: string): boolean {
    return this.#held.has(id);
  }

  /** Runs `work` holding the session's lock; see the file comment for who waits and who is refused. */
  async run<T>(id: string, mode: LockMode, work: () => Promise<T>): Promise<T> {
    for (let holder = this.#held.get(id); holder !== undefined; holder = this.#held.get(id)) {
      if (mode === 'write' && holder.mode === 'write') throw writing();
      await holder.released;
    }
    let release!: () => void;
    this.#held.set(id, { mode, released: new Promise<void>((resolve) => (release = resolve)) });
    try {
      if (this.shared === undefined) return await work();
      const owner = await this.acquireShared(this.shared, id, mode, true);
      return await this.holdingShared(this.shared, id, owner!, work);
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
    if (this.shared === undefined) {
      await this.run(id, 'remove', work);
      return true;
    }
    let release!: () => void;
    this.#held.set(id, { mode: 'remove', released: new Promise<void>((resolve) => (release = resolve)) });
    try {
      const owner = await this.acquireShared(this.shared, id, 'remove', false);
      if (owner === undefined) return false;
      await this.holdingShared(this.shared, id, owner, work);
      return true;
    } finally {
      this.#held.delete(id);
      release();
    }
  }

  /** The holder name once taken; undefined when busy and `wait` is false. */
  private async acquireShared(shared: SharedLocks, id: string, mode: LockMode, wait: boolean): Promise<string | undefined> {
    const owner = randomUUID();
    for (;;) {
      const other = await shared.store.acquire(id, mode, owner, shared.now(), SHARED_LEASE_MS);
      if (other === undefined) return owner;
      if (mode === 'write' && other === 'write') throw writing();
      if (!wait) return undefined;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async holdingShared<T>(shared: SharedLocks, id: string, owner: string, work: () => Promise<T>): Promise<T> {
    const renew = setInterval(() => {
      shared.store.renew(id, owner, shared.now() + SHARED_LEASE_MS).catch(() => undefined);
    }, RENEW_MS);
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      // A lock that could not be released expires with its lease.
      await shared.store.release(id, owner).catch(() => undefined);
    }
  }
}
