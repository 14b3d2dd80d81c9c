/**
 * Remembers when manifests were pulled, for the "not pulled for D days" retention rule.
 *
 * A pull is the hottest path of a registry, so it must not become a write: pulls are kept in
 * memory (one entry per manifest, the newest time) and written in one transaction every few
 * seconds. Retention works in days, so a stamp lost to a crash (at most one interval) or two
 * instances writing the same manifest (the newer stamp wins in the store) change nothing.
 */
import type { MetadataUsage, PullRecord } from '../../ports/metadata-usage.js';

export interface PullLog {
  record(repository: string, digest: string): void;
}

export class PullRecorder implements PullLog {
  private pending = new Map<string, PullRecord>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly usage: Pick<MetadataUsage, 'recordPulls'>,
    private readonly now: () => Date,
  ) {}

  record(repository: string, digest: string): void {
    this.pending.set(`${repository}\u0000${digest}`, { repository, digest, at: this.now() });
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
