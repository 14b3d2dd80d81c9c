/**
 * Project webhooks (core/webhooks): the admin use cases' dependencies (for the CLI and the
 * API), and, for `berth serve`, the notifier that queues their events and the loops that send
 * them. Only with the built-in access control: projects and their admins exist only there.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { guardedLookup, resolveAll } from '../adapters/events/guarded-lookup.js';
import { HttpEventTransport } from '../adapters/events/http-event-transport.js';
import type { KyselyEventOutbox } from '../adapters/metadata/kysely-event-outbox.js';
import type { KyselyWebhookStore } from '../adapters/metadata/kysely-webhook-store.js';
import type { BerthConfig } from '../config/config.js';
import type { Notifier } from '../core/events/notifier.js';
import { CombinedNotifier } from '../core/webhooks/combined-notifier.js';
import { isPublicAddress } from '../core/webhooks/target-address.js';
import type { WebhookAdminDeps } from '../core/webhooks/webhook-admin.js';
import { WebhookDelivery } from '../core/webhooks/webhook-delivery.js';
import { WebhookNotifier } from '../core/webhooks/webhook-notifier.js';
import type { AccessStore } from '../ports/access-store.js';
import { secretBox } from './proxy-projects.js';

/** How often the set of webhooks is re-read (changes made by another instance). */
const REFRESH_MS = 5000;
const POLL_MS = 1000;
/** Harbor's receivers answer quickly; a slow one holds back only its own queue. */
const TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 1000;

export function webhookAdminDeps(config: BerthConfig, store: KyselyWebhookStore, outbox: KyselyEventOutbox): WebhookAdminDeps {
  return {
    store,
    secrets: secretBox(config),
    outbox,
    resolve: resolveAll,
    allowPrivateTargets: config.notifications.webhooks.allowPrivateTargets,
    now: () => new Date(),
  };
}

export interface ComposedWebhooks {
  notifier: Notifier;
  start(): Promise<void>;
  delivery: WebhookDelivery;
  close(): Promise<void>;
}

export function composeWebhooks(
  config: BerthConfig,
  deps: { admin: WebhookAdminDeps; access: AccessStore; outbox: KyselyEventOutbox; registry2: Notifier },
  logger: Logger,
  version: string,
  othersShareQueue: boolean,
): ComposedWebhooks {
  const log = logger.child({ component: 'webhooks' });
  const allowPrivate = config.notifications.webhooks.allowPrivateTargets;
  const transport = new HttpEventTransport(allowPrivate ? undefined : guardedLookup(isPublicAddress));
  const delivery = new WebhookDelivery({
    store: deps.admin.store,
    outbox: deps.outbox,
    transport,
    secrets: deps.admin.secrets,
    holder: othersShareQueue ? `${hostname()}:${process.pid}:${randomUUID()}` : 'local',
    allowPrivateTargets: allowPrivate,
    now: () => Date.now(),
    pollMs: POLL_MS,
    timeoutMs: TIMEOUT_MS,
    backoffMs: FIRST_BACKOFF_MS,
    maxEvents: config.notifications.maxEvents,
    logRetentionMs: config.notifications.logRetentionSeconds * 1000,
    userAgent: `berth/${version}`,
    onError: (error, webhook) => log.warn({ err: error, webhook }, 'webhook delivery failed'),
    onDropped: (webhook, count) => log.warn({ webhook, count }, 'webhook queue over its cap; the oldest events were dropped'),
  });
  const webhooks = new WebhookNotifier({
    store: deps.admin.store,
    outbox: deps.outbox,
    visibility: async (project) => ((await deps.access.project(project))?.visibility === 'public' ? 'public' : 'private'),
    now: () => new Date(),
    refreshMs: REFRESH_MS,
    written: () => delivery.wake(),
    onError: (error) => log.error({ err: error }, 'could not queue a webhook event'),
  });
  // This process's own changes apply at once; other instances' within REFRESH_MS.
  deps.admin.changed = () => {
    void webhooks.refresh();
    void delivery.sync();
  };
  let started = false;
  return {
    notifier: new CombinedNotifier(deps.registry2, webhooks),
    delivery,
    async start() {
      started = true;
      await webhooks.start();
      delivery.start();
    },
    async close() {
      await webhooks.close();
      if (started) await delivery.stop();
      transport.close();
    },
  };
}
