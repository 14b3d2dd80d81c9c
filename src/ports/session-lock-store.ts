/**
 * Upload session locks shared by the instances behind a load balancer: the PATCHes of one
 * upload may reach different instances, so "one writer at a time" (core/registry/
 * session-locks.ts) must hold across them. Locks are leases the holder renews while its
 * request runs; a killed holder's lock expires.
 */
export interface SessionLockStore {
  /** Takes the lock; undefined when taken, else the mode of whoever holds it. */
  acquire(id: string, mode: 'write' | 'remove', holder: string, now: number, ttlMs: number): Promise<'write' | 'remove' | undefined>;
  /** Extends a lock this holder still has. */
  renew(id: string, holder: string, until: number): Promise<void>;
  release(id: string, holder: string): Promise<void>;
}
