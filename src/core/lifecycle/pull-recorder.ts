/**
 * Remembers when manifests were pulled, for the "not pulled for D days" retention rule.
 *
 * A pull is the hottest path of a registry, so it must not become a write: pulls are kept in
 * memory (one entry per manifest, the newest time) and written in one transaction every few
 * seconds. Retention works in days, so a stamp lost to a crash (at most one interval) or two
 * instances writing the same manifest (the newer stamp wins in the store) change nothing.
 *
 * Except for the first pull in a while: a tag last pulled months ago and pulled again seconds
 * before retention runs (on this instance's timer, or on another instance, whose memory no
 * flush here can reach) would be judged on the old stamp and deleted just after its pull. So
 * with `writeThroughAfterMs` the first pull of a manifest in that window is written at once
 * (the caller waits for it); later ones in the window are batched. The stored stamp is then
 * never older than the window, far below retention's days, for one write per manifest per
 * window per instance.
 */
import type { MetadataUsage, PullRecord } from '../../ports/metadata-usage.js';

export interface PullLog {
  /** A promise when the stamp is written at once (see above); the pull waits for it. */
  record(repository: string, digest: string): Promise<void> | void;
}

/** Write-through memo entries kept at most; past it the memo restarts (costing a few writes). */
const MAX_REMEMBERED = 100_000;

export class PullRecorder implements PullLog {
  private pending = new Map<string, PullRecord>();
  private flushing: Promise<void> | undefined;
  /** When this process last wrote each manifest's stamp at once. */
  private written = new Map<string, number>();

  constructor(
    private readonly usage: Pick<MetadataUsage, 'recordPulls'>,
    private readonly now: () => Date,
    private readonly options: { writeThroughAfterMs?: number } = {},
  ) {}

  record(repository: string, digest: string): Promise<void> | void {
    const key = `${repository}\u0000${digest}`;
    const record = { repository, digest, at: this.now() };
    const window = this.options.writeThroughAfterMs;
    const last = this.written.get(key);
    if (window === undefined || (last !== undefined && record.at.getTime() - last < window)) {
      this.pending.set(key, record);
      return;
    }
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(key, record.at.getTime());
    // A failed write is batched like any other pull; the pull itself is not failed for it.
    return this.usage.recordPulls([record]).catch(() => {
      this.written.delete(key);
      if (!this.pending.has(key)) this.pending.set(key, record);
    });
  }

  /**
   * Writes what was recorded before the call, one write at a time; resolves once it is
   * written. A failed write puts its records back for the next flush and rejects only the flush
   * that made it: a flush that waited for it goes on to write what is pending.
   */
  async flush(): Promise<void> {
    // A loop, not one wait: several flushes may be waiting for the same write, and the first to
    // wake starts the next; the others must then wait for that one rather than return early.
    while (this.flushing !== undefined) await this.flushing.catch(() => undefined);
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const writing = this.usage.recordPulls([...batch.values()]).catch((error: unknown) => {
      // A record made since is newer than the failed one and stays.
      for (const [key, value] of batch) if (!this.pending.has(key)) this.pending.set(key, value);
      throw error;
    });
    this.flushing = writing;
    try {
      await writing;
    } finally {
      if (this.flushing === writing) this.flushing = undefined;
    }
  }
}
