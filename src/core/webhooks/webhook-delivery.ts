/**
 * Delivers the project webhooks' queues: one loop per enabled webhook, one event per request
 * (a Harbor receiver expects one event per POST), in queue order; a failure is logged and
 * retried with a doubling backoff, and holds back only that webhook. Each attempt is signed
 * afresh (webhook-signature.ts) with the secret opened from the store, so a changed secret
 * applies to what is still queued. The set of loops follows the webhooks table (`sync`).
 *
 * The transport given here refuses non-public addresses at connection time unless the
 * operator allowed private targets, which is the check at delivery that DNS rebinding cannot
 * slip past (the check at create time only catches mistakes early).
 */
import type { EventOutbox } from '../../ports/event-outbox.js';
import type { EventTransport } from '../../ports/event-transport.js';
import type { SecretBox } from '../../ports/secret-box.js';
import type { WebhookRecord, WebhookStore } from '../../ports/webhook-store.js';
import { isIP } from 'node:net';
import { hostOf, isPublicAddress } from './target-address.js';
import { webhookEndpoint } from './webhook-admin.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

export interface WebhookDeliveryDeps {
  store: WebhookStore;
  outbox: EventOutbox;
  transport: EventTransport;
  secrets: SecretBox;
  holder: string;
  /** Without it an IP-literal URL must be public; names are checked by the transport's lookup. */
  allowPrivateTargets: boolean;
  now: () => number;
  pollMs: number;
  timeoutMs: number;
  /** The first retry's wait; doubled per further failure up to MAX_WEBHOOK_BACKOFF_MS. */
  backoffMs: number;
  maxEvents: number;
  logRetentionMs: number;
  userAgent: string;
  onError: (error: unknown, webhook: number | undefined) => void;
  onDropped: (webhook: number, count: number) => void;
}

export const MAX_WEBHOOK_BACKOFF_MS = 5 * 60_000;
const MAINTENANCE_MS = 60_000;

interface Loop {
  webhook: WebhookRecord;
  stop: boolean;
  done: Promise<void>;
  wake: () => void;
}

export class WebhookDelivery {
  private readonly loops = new Map<number, Loop>();
  private stopped = false;
  private readonly abort = new AbortController();
  private maintenance: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  readonly stats = { delivered: 0, failed: 0, dropped: 0 };

  constructor(private readonly deps: WebhookDeliveryDeps) {}

  start(): void {
    void this.sync();
    this.syncTimer = setInterval(() => void this.sync(), Math.max(this.deps.pollMs * 5, 5000));
    this.syncTimer.unref();
    this.maintenance = setInterval(() => void this.housekeeping(), MAINTENANCE_MS);
    this.maintenance.unref();
  }

  /** Starts loops for new webhooks, stops those of removed or disabled ones, takes changes. */
  async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const current = new Map((await this.deps.store.list()).filter((w) => w.enabled).map((w) => [w.id, w]));
      for (const [id, loop] of this.loops) {
        const now = current.get(id);
        if (now === undefined) {
          loop.stop = true;
          loop.wake();
          this.loops.delete(id);
        } else loop.webhook = now;
      }
      for (const [id, webhook] of current) if (!this.loops.has(id)) this.loops.set(id, this.run(webhook));
    } catch (error) {
      this.deps.onError(error, undefined);
    }
  }

  wake(): void {
    for (const loop of this.loops.values()) loop.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.maintenance);
    clearInterval(this.syncTimer);
    this.abort.abort();
    for (const loop of this.loops.values()) {
      loop.stop = true;
      loop.wake();
    }
    await Promise.all([...this.loops.values()].map((l) => l.done));
  }

  async housekeeping(): Promise<void> {
    try {
      for (const { webhook } of this.loops.values()) {
        const dropped = await this.deps.outbox.trim(webhookEndpoint(webhook.id), this.deps.maxEvents);
        if (dropped > 0) {
          this.stats.dropped += dropped;
          this.deps.onDropped(webhook.id, dropped);
        }
      }
      await this.deps.outbox.pruneLog(this.deps.now() - this.deps.logRetentionMs);
    } catch (error) {
      this.deps.onError(error, undefined);
    }
  }

  private run(webhook: WebhookRecord): Loop {
    const loop: Loop = { webhook, stop: false, done: Promise.resolve(), wake: () => {} };
    loop.done = (async () => {
      const endpoint = webhookEndpoint(webhook.id);
      const leaseMs = this.deps.timeoutMs + 30_000;
      while (!loop.stop && !this.stopped) {
        let waitMs = this.deps.pollMs;
        try {
          const batch = await this.deps.outbox.claimHead(endpoint, this.deps.holder, this.deps.now(), leaseMs, 1);
          if (batch !== undefined) {
            const ok = await this.deliver(loop.webhook, batch.ids, batch.bodies[0]!, batch.attempts);
            waitMs = ok ? 0 : Math.min(this.backoff(batch.attempts + 1), this.deps.pollMs);
          }
        } catch (error) {
          this.deps.onError(error, webhook.id);
        }
        if (waitMs > 0 && !loop.stop && !this.stopped) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, waitMs);
            function done() {
              clearTimeout(timer);
              resolve();
            }
            loop.wake = done;
          });
        }
      }
    })();
    return loop;
  }

  private backoff(failures: number): number {
    return Math.min(this.deps.backoffMs * 2 ** Math.min(failures - 1, 20), MAX_WEBHOOK_BACKOFF_MS);
  }

  private async deliver(webhook: WebhookRecord, ids: number[], body: string, attempts: number): Promise<boolean> {
    const { outbox, transport, holder, now } = this.deps;
    const endpoint = webhookEndpoint(webhook.id);
    const secret = await this.deps.secrets.open(webhook.sealedSecret);
    const type = /^\{"type":"([A-Z_]+)"/.exec(body)?.[1] ?? '';
    const literal = hostOf(new URL(webhook.url));
    // A connection to an IP literal asks no DNS, so the transport's lookup never sees it.
    const refused = !this.deps.allowPrivateTargets && isIP(literal) !== 0 && !isPublicAddress(literal);
    const result = refused
      ? { status: 0, latencyMs: 0, error: `refused: ${literal} is not a public address` }
      : await transport.post(
      {
        url: webhook.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': this.deps.userAgent,
          'x-berth-event': type,
          [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(now() / 1000)),
        },
        body,
        timeoutMs: this.deps.timeoutMs,
      },
      { signal: this.abort.signal },
    );
    if (this.stopped && result.status === 0) {
      await outbox.release(ids, holder);
      return false;
    }
    const ok = result.status >= 200 && result.status < 300;
    const error = ok ? undefined : (result.error ?? `HTTP ${result.status}`);
    await outbox.log({ endpoint, at: now(), status: result.status, latencyMs: result.latencyMs, attempt: attempts + 1, error });
    if (ok) {
      this.stats.delivered += ids.length;
      await outbox.complete(ids, holder);
    } else {
      this.stats.failed++;
      await outbox.retryAt(ids, holder, now() + this.backoff(attempts + 1));
    }
    return ok;
  }
}
