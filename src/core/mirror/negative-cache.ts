/**
 * Remembers for a short while that the upstream answered 404, so a client retrying a missing
 * tag (or a typo in a CI loop) does not cost the upstream a request each time. Bounded: when
 * full, the oldest entries go first (a Map iterates in insertion order).
 */
export class NegativeCache {
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly capacity = 10_000,
  ) {}

  has(key: string): boolean {
    const until = this.misses.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.misses.delete(key);
    return false;
  }

  add(key: string): void {
    if (this.ttlMs <= 0) return;
    this.misses.delete(key);
    if (this.misses.size >= this.capacity) {
      const oldest = this.misses.keys().next().value;
      if (oldest !== undefined) this.misses.delete(oldest);
    }
    this.misses.set(key, this.now() + this.ttlMs);
  }

  /** Forgets every miss under a prefix (a project whose upstream settings changed). */
  clear(prefix: string): void {
    for (const key of this.misses.keys()) if (key.startsWith(prefix)) this.misses.delete(key);
  }
}
