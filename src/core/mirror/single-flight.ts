/**
 * One piece of work per key in flight in this process: callers asking for a key already being
 * worked on share the first caller's promise, so twenty clients pulling one uncached layer cost
 * the upstream one request. Per process; blob fills add a lease shared with the other
 * processes (proxy-fill-claim.ts), manifests do not (one small request per process, and content
 * addressing makes a second commit of a digest harmless).
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** Runs `work` unless `key` is in flight; `joined` tells a caller it shares another's result. */
  run(key: string, work: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const running = this.inFlight.get(key);
    if (running !== undefined) return { promise: running, joined: true };
    const promise = work().finally(() => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, promise);
    return { promise, joined: false };
  }

  get size(): number {
    return this.inFlight.size;
  }
}
