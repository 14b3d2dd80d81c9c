/**
 * Holding the collector's lease while a run lasts: a short expiry renewed by a heartbeat, so a
 * collector that dies (kill -9, a crash, a lost host) is taken for dead within LEASE_MS by any
 * other process, and at once by one on its own host (the store compares pids there). A short
 * lease is only safe if a holder that fails to renew stops deleting: every destructive step
 * first calls `assertHeld`, which renews when the last heartbeat is not recent.
 */
import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { ConflictError } from '../errors.js';

/** How long a lease lasts without a heartbeat: a killed collector on another host is stale after this. */
export const GC_LEASE_MS = 30_000;
/** How often the holder renews it: several heartbeats fit in one lease, so one slow write is harmless. */
export const GC_HEARTBEAT_MS = 5_000;

export class GcLeaseKeeper {
  readonly holder = `gc-${randomUUID()}`;
  private acquired = false;
  private lost = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly now: () => Date,
  ) {}

  /** Takes the lease (a stale one too); false while a live collector holds it. */
  async acquire(): Promise<boolean> {
    if (!(await this.renew())) return false;
    this.timer = setInterval(() => {
      void this.renew().catch(() => undefined);
    }, GC_HEARTBEAT_MS);
    this.timer.unref();
    return true;
  }

  /** Throws if a heartbeat found the lease taken over (no I/O: called between every batch). */
  check(): void {
    if (this.lost) throw new ConflictError('the garbage collection lease was lost to another collector; this run stopped');
  }

  /** Renews the lease; throws if it is no longer this run's. Called before deleting bytes. */
  async assertHeld(): Promise<void> {
    await this.renew();
    this.check();
  }

  async release(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.metadata.releaseGcLease(this.holder).catch(() => undefined);
  }

  private async renew(): Promise<boolean> {
    if (this.lost) return false;
    const held = await this.metadata.acquireGcLease(this.holder, new Date(this.now().getTime() + GC_LEASE_MS), { renewOnly: this.acquired });
    if (held) this.acquired = true;
    else if (this.acquired) this.lost = true;
    return held;
  }
}
