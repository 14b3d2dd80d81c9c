/**
 * Delivers the durable queue: one loop per endpoint takes the endpoint's oldest events (up to
 * `maxBatch`, in one registry:2 envelope: a live registry sends one or two at a time, a backlog
 * goes out a hundred per request instead of one), POSTs them, and only then moves on, so a
 * listener receives events in order, and one that is down holds back only its own queue. A failure is logged and retried (endpoint-rules.ts says when);
 * an event is never skipped, only dropped by the queue cap when a dead endpoint lets it grow past
 * `maxEvents`. With several instances on one database each loop claims the head with a lease
 * (ports/event-outbox.ts), so one instance sends each event.
 */
import { EVENTS_MEDIA_TYPE } from './registry-event.js';
import { retryDelayMs, type EndpointRules } from './endpoint-rules.js';
import type { EventOutbox } from '../../ports/event-outbox.js';
import type { EventTransport } from '../../ports/event-transport.js';

export interface DeliveryWorkerDeps {
  outbox: EventOutbox;
  transport: EventTransport;
  endpoints: readonly EndpointRules[];
  /** This process, as the holder of leases. */
  holder: string;
  now: () => number;
  /** How often an idle loop looks for events written by other instances or now due again. */
  pollMs: number;
  /** Events sent in one envelope at most. */
  maxBatch: number;
  /** Events an endpoint keeps at most; the oldest past it are deleted. */
  maxEvents: number;
  /** Delivery log entries older than this are deleted. */
  logRetentionMs: number;
  /** The user agent of the requests. */
  userAgent: string;
  onError: (error: unknown, endpoint: string) => void;
  onDropped: (endpoint: string, count: number) => void;
}

/** Queue housekeeping (cap, log retention) runs this often. */
const MAINTENANCE_MS = 60_000;

export class DeliveryWorker {
  private stopped = false;
  private readonly wakers = new Map<string, () => void>();
  private loops: Promise<void>[] = [];
  private maintenance: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  readonly stats = { delivered: 0, failed: 0, dropped: 0 };

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  start(): void {
    const names = this.deps.endpoints.map((e) => e.name);
    this.loops = this.deps.endpoints.map((e) => this.run(e));
    void this.deps.outbox.dropOthers(names).catch((error: unknown) => this.deps.onError(error, '*'));
    this.maintenance = setInterval(() => void this.housekeeping(), MAINTENANCE_MS);
    this.maintenance.unref();
    void this.housekeeping();
  }

  /** New events are in the queue: idle loops look now rather than at their next poll. */
  wake(): void {
    for (const wake of this.wakers.values()) wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.maintenance);
    this.abort.abort();
    this.wake();
    await Promise.all(this.loops);
  }

  async housekeeping(): Promise<void> {
    const { outbox, endpoints, maxEvents, logRetentionMs, now } = this.deps;
    try {
      for (const endpoint of endpoints) {
        const dropped = await outbox.trim(endpoint.name, maxEvents);
        if (dropped > 0) {
          this.stats.dropped += dropped;
          this.deps.onDropped(endpoint.name, dropped);
        }
      }
      await outbox.pruneLog(now() - logRetentionMs);
    } catch (error) {
      this.deps.onError(error, '*');
    }
  }

  private async run(endpoint: EndpointRules): Promise<void> {
    // A lease outlives one attempt with room to spare; a holder that dies is replaced after it.
    const leaseMs = endpoint.timeoutMs + 30_000;
    while (!this.stopped) {
      let waitMs = this.deps.pollMs;
      try {
        const batch = await this.deps.outbox.claimHead(endpoint.name, this.deps.holder, this.deps.now(), leaseMs, this.deps.maxBatch);
        if (batch !== undefined) {
          const ok = await this.deliver(endpoint, batch.ids, batch.bodies, batch.attempts);
          waitMs = ok ? 0 : Math.min(retryDelayMs(endpoint, batch.attempts + 1), this.deps.pollMs);
        }
      } catch (error) {
        this.deps.onError(error, endpoint.name);
      }
      if (waitMs > 0 && !this.stopped) await this.sleep(endpoint.name, waitMs);
    }
  }

  private async deliver(endpoint: EndpointRules, ids: number[], bodies: string[], attempts: number): Promise<boolean> {
    const { outbox, transport, holder, now } = this.deps;
    const result = await transport.post(
      {
        url: endpoint.url,
        headers: { ...endpoint.headers, 'content-type': EVENTS_MEDIA_TYPE, 'user-agent': this.deps.userAgent },
        // Each row holds one event's JSON, so the envelope is assembled without parsing them.
        body: `{"events":[${bodies.join(',')}]}`,
        timeoutMs: endpoint.timeoutMs,
      },
      { signal: this.abort.signal },
    );
    if (this.stopped && result.status === 0) {
      // Cut off by shutdown, not refused by the endpoint: the next start sends it again.
      await outbox.release(ids, holder);
      return false;
    }
    const ok = result.status >= 200 && result.status < 300;
    const error = ok ? undefined : (result.error ?? `HTTP ${result.status}`);
    await outbox.log({ endpoint: endpoint.name, at: now(), status: result.status, latencyMs: result.latencyMs, attempt: attempts + 1, error });
    if (ok) {
      this.stats.delivered += ids.length;
      await outbox.complete(ids, holder);
    } else {
      this.stats.failed++;
      await outbox.retryAt(ids, holder, now() + retryDelayMs(endpoint, attempts + 1));
    }
    return ok;
  }

  private sleep(endpoint: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.set(endpoint, done);
    });
  }
}
