/**
 * Turns requests into registry:2 events, one row per event and endpoint that wants it, and
 * writes them to the durable queue in batches: every event of a `flushMs` window goes in one INSERT,
 * so a burst of pulls is a handful of statements, not one write per pull. The price: a process
 * killed with SIGKILL loses the events of its last window (at most `flushMs`); a SIGTERM flushes
 * them. If the database is down, the batch is kept (up to `maxBuffered` events) and retried.
 */
import { randomUUID } from 'node:crypto';
import type { EventOutbox, OutboxItem } from '../../ports/event-outbox.js';
import type { EndpointRules } from './endpoint-rules.js';
import { manifestReferences } from './manifest-references.js';
import type { Notifier } from './notifier.js';
import { eventTimestamp, type EventInput, type RegistryEvent } from './registry-event.js';

export interface QueuedNotifierDeps {
  outbox: EventOutbox;
  endpoints: readonly EndpointRules[];
  includeReferences: boolean;
  /** registry:2's `source`: this host and port, and an id for this process. */
  source: { addr: string; instanceID: string };
  now: () => Date;
  flushMs: number;
  /** Events held in memory while the queue cannot be written; beyond it new ones are dropped. */
  maxBuffered: number;
  /** Told after each batch is durable, so deliveries start without waiting for a poll. */
  written: () => void;
  onError: (error: unknown, dropped: number) => void;
}

export class QueuedNotifier implements Notifier {
  readonly enabled = true;
  private buffer: OutboxItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: QueuedNotifierDeps) {}

  publish(input: EventInput): void {
    if (this.closed) return;
    const wanting = this.deps.endpoints.filter((e) => wants(e, input));
    if (wanting.length === 0) return;
    if (this.buffer.length + wanting.length > this.deps.maxBuffered) {
      this.deps.onError(new Error('the notification buffer is full (the queue could not be written)'), wanting.length);
      return;
    }
    const body = JSON.stringify(this.event(input));
    for (const endpoint of wanting) this.buffer.push({ endpoint: endpoint.name, body });
    this.timer ??= setTimeout(() => void this.flush(), this.deps.flushMs);
  }

  /** Writes the buffered events now; resolves when they are durable (or kept for a retry). */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writeBatch(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await this.deps.outbox.enqueue(batch);
      this.deps.written();
    } catch (error) {
      this.buffer = [...batch, ...this.buffer];
      this.deps.onError(error, 0);
      if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), Math.max(this.deps.flushMs, 1000));
    }
  }

  private event(input: EventInput): RegistryEvent {
    const target = { ...input.target };
    if (this.deps.includeReferences && input.manifestBody !== undefined) target.references = manifestReferences(input.manifestBody);
    return {
      id: randomUUID(),
      timestamp: eventTimestamp(this.deps.now()),
      action: input.action,
      target,
      request: input.request,
      actor: input.actor === undefined ? {} : { name: input.actor },
      source: this.deps.source,
    };
  }
}

function wants(endpoint: EndpointRules, input: EventInput): boolean {
  if (endpoint.ignoredActions.has(input.action)) return false;
  const type = input.target.mediaType;
  return type === undefined || !endpoint.ignoredMediaTypes.has(type);
}
