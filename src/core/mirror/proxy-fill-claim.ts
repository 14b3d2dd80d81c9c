/**
 * One upstream fetch per uncached blob across processes. SingleFlight joins the requests of one
 * process; when several serve the same data (`berth serve --workers`, instances on one
 * database) the first to claim a shared lease fills the cache and the others wait until the
 * blob is linked, then serve it from the store, as a joiner in the same process does.
 *
 * The lease is renewed while the fill runs, so a long transfer keeps it, and a killed filler
 * loses it within FILL_LEASE_MS: a waiter then claims it and fetches again. A fill that fails
 * releases the lease without linking; the next waiter to claim it tries the upstream itself
 * (and reports its own failure), so no waiter hangs on a failure it cannot see.
 */
import { randomBytes } from 'node:crypto';
import type { SessionLockStore } from '../../ports/session-lock-store.js';

export const FILL_LEASE_MS = 30_000;
const RENEW_MS = 10_000;
const POLL_MS = 100;

export type ClaimOutcome = 'filled' | 'filled-elsewhere';

/**
 * Runs `fill` holding the lease for `key`, or waits for another process's fill to link the blob
 * (`linked` says when). `fill` runs at most once.
 */
export async function fillOnceAcrossProcesses(
  locks: SessionLockStore,
  key: string,
  linked: () => Promise<boolean>,
  fill: () => Promise<void>,
  now: () => number = () => Date.now(),
): Promise<ClaimOutcome> {
  const id = `proxy-fill:${key}`;
  const holder = randomBytes(9).toString('base64url');
  for (;;) {
    if ((await locks.acquire(id, 'write', holder, now(), FILL_LEASE_MS)) === undefined) {
      const renew = setInterval(() => void locks.renew(id, holder, now() + FILL_LEASE_MS).catch(() => undefined), RENEW_MS);
      try {
        // Another process may have filled and released between our link check and the claim.
        if (await linked()) return 'filled-elsewhere';
        await fill();
        return 'filled';
      } finally {
        clearInterval(renew);
        await locks.release(id, holder).catch(() => undefined);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (await linked()) return 'filled-elsewhere';
  }
}
