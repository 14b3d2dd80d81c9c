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

  /** Writes what was recorded since the last flush; a failed write puts it back for the next. */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.usage.recordPulls([...batch.values()]).catch((error: unknown) => {
      for (const [key, value] of batch) if (!this.pending.has(key)) this.pending.set(key, value);
      throw error;
    });
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }
}
