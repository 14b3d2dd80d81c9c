/**
 * registry:2's notifications: with no endpoint configured (or all disabled) the no-op notifier
 * and nothing else, so requests pay nothing; otherwise the queued notifier (writes events to
 * the metadata store's queue) and the delivery worker (sends them), which `berth serve` starts.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { HttpEventTransport } from '../adapters/events/http-event-transport.js';
import type { KyselyEventOutbox } from '../adapters/metadata/kysely-event-outbox.js';
import type { BerthConfig, NotificationEndpointConfig } from '../config/config.js';
import { parseListenAddress } from '../config/listen-address.js';
import { DeliveryWorker } from '../core/events/delivery-worker.js';
import type { EndpointRules } from '../core/events/endpoint-rules.js';
import { noopNotifier, type Notifier } from '../core/events/notifier.js';
import { QueuedNotifier } from '../core/events/queued-notifier.js';

/** Events of this window share one INSERT (see core/events/queued-notifier.ts). */
const FLUSH_MS = 50;
/** Events held in memory while the database cannot take them. */
const MAX_BUFFERED = 10_000;
/** Events per envelope at most when a backlog is sent. */
const MAX_BATCH = 100;
/** An idle endpoint looks for events from other instances, or due again, this often. */
const POLL_MS = 1000;

export interface Notifications {
  notifier: Notifier;
  /** Starts sending (`berth serve` only: one-shot commands queue nothing and send nothing). */
  start(): void;
  /** Per-endpoint counters for /metrics; undefined without endpoints. */
  worker: DeliveryWorker | undefined;
  close(): Promise<void>;
}

export function composeNotifications(
  config: BerthConfig,
  outbox: KyselyEventOutbox,
  logger: Logger,
  version: string,
  othersShareQueue: boolean,
): Notifications {
  const endpoints = config.notifications.endpoints.filter((e) => !e.disabled).map(rulesOf);
  if (endpoints.length === 0) {
    return {
      notifier: noopNotifier,
      // Events of endpoints no longer configured would otherwise wait forever.
      start: () => void outbox.dropOthers([]).catch((error: unknown) => logger.error({ err: error }, 'could not clear the notification queue')),
      worker: undefined,
      close: async () => {},
    };
  }
  const transport = new HttpEventTransport();
  const log = logger.child({ component: 'notifications' });
  const worker = new DeliveryWorker({
    outbox,
    transport,
    endpoints,
    // Alone on SQLite the process is the only holder, so a restart picks up its own leases at
    // once; with a shared database or several workers each process is its own holder.
    holder: othersShareQueue ? `${hostname()}:${process.pid}:${randomUUID()}` : 'local',
    now: () => Date.now(),
    pollMs: POLL_MS,
    maxBatch: MAX_BATCH,
    maxEvents: config.notifications.maxEvents,
    logRetentionMs: config.notifications.logRetentionSeconds * 1000,
    userAgent: `berth/${version}`,
    onError: (error, endpoint) => log.warn({ err: error, endpoint }, 'notification delivery failed'),
    onDropped: (endpoint, count) => log.warn({ endpoint, count }, 'notification queue over its cap; the oldest events were dropped'),
  });
  const notifier = new QueuedNotifier({
    outbox,
    endpoints,
    includeReferences: config.notifications.includeReferences,
    source: { addr: sourceAddr(config), instanceID: randomUUID() },
    now: () => new Date(),
    flushMs: FLUSH_MS,
    maxBuffered: MAX_BUFFERED,
    written: () => worker.wake(),
    onError: (error, dropped) => log.error({ err: error, dropped }, 'could not queue notifications'),
  });
  let started = false;
  return {
    notifier,
    worker,
    start() {
      started = true;
      worker.start();
    },
    async close() {
      await notifier.close();
      if (started) await worker.stop();
      transport.close();
    },
  };
}

function rulesOf(endpoint: NotificationEndpointConfig): EndpointRules {
  return {
    name: endpoint.name,
    url: endpoint.url,
    headers: endpoint.headers,
    timeoutMs: endpoint.timeoutSeconds * 1000,
    threshold: endpoint.threshold,
    backoffMs: endpoint.backoffSeconds * 1000,
    ignoredMediaTypes: new Set(endpoint.ignoredMediaTypes),
    ignoredActions: new Set(endpoint.ignoredActions),
  };
}

/** registry:2's `source.addr`: this host's name and the port it listens on. */
function sourceAddr(config: BerthConfig): string {
  const parsed = parseListenAddress(config.http.addr);
  const port = 'invalid' in parsed ? '' : String(parsed.port);
  return `${hostname()}:${port}`;
}
