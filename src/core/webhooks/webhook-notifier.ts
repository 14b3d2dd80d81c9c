/**
 * Turns the registry's events into Harbor-style webhook events and queues one row per event
 * and webhook that wants it (`webhook:<id>` in the durable queue). Which webhooks exist is
 * kept in memory and re-read every `refreshMs` and after every change made by this process,
 * so a request pays a map lookup, never a query, to learn that its project has no webhooks.
 * Another instance's change is seen within `refreshMs`.
 *
 * Only manifests are artifacts: a manifest push, a manifest GET (a HEAD only checks, as Harbor
 * does not count it either) and a manifest delete. Blob events are registry:2's business.
 * Writes are chained, so events reach the queue in the order they were published.
 */
import type { EventOutbox, OutboxItem } from '../../ports/event-outbox.js';
import type { WebhookRecord, WebhookStore } from '../../ports/webhook-store.js';
import type { EventInput } from '../events/registry-event.js';
import { webhookEndpoint } from './webhook-admin.js';
import { projectOf, webhookPayload, type ArtifactEvent, type WebhookEventType } from './webhook-event.js';

export interface WebhookNotifierDeps {
  store: WebhookStore;
  outbox: Pick<EventOutbox, 'enqueue'>;
  /** The project's visibility, for `repo_type`. */
  visibility: (project: string) => Promise<'public' | 'private'>;
  now: () => Date;
  refreshMs: number;
  /** Told after rows are durable, so delivery starts at once. */
  written: () => void;
  onError: (error: unknown) => void;
}

export class WebhookNotifier {
  private byProject = new Map<string, WebhookRecord[]>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: WebhookNotifierDeps) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.refreshMs);
    this.timer.unref();
  }

  /** Re-reads the webhooks (after a change, or on the timer). */
  async refresh(): Promise<void> {
    try {
      const map = new Map<string, WebhookRecord[]>();
      for (const webhook of await this.deps.store.list()) {
        if (!webhook.enabled) continue;
        map.set(webhook.project, [...(map.get(webhook.project) ?? []), webhook]);
      }
      this.byProject = map;
    } catch (error) {
      this.deps.onError(error);
    }
  }

  /** A registry event (from /v2 or the management API). */
  publish(input: EventInput): void {
    const type = typeOf(input);
    const repository = input.target.repository;
    if (type === undefined || repository === undefined) return;
    this.queue({ type, repository, digest: input.target.digest, tag: input.target.tag, host: input.request.host, operator: input.actor });
  }

  /** A push refused by the project's quota. */
  quotaExceeded(repository: string, operator: string | undefined, host: string, details: string): void {
    this.queue({ type: 'QUOTA_EXCEED', repository, host, operator, details });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.chain;
  }

  private queue(event: ArtifactEvent): void {
    if (this.closed) return;
    const project = projectOf(event.repository);
    const wanting = (this.byProject.get(project) ?? []).filter((w) => w.events.includes(event.type));
    if (wanting.length === 0) return;
    const at = this.deps.now();
    this.chain = this.chain.then(async () => {
      try {
        const body = JSON.stringify(webhookPayload(event, await this.deps.visibility(project), at));
        const items: OutboxItem[] = wanting.map((w) => ({ endpoint: webhookEndpoint(w.id), body }));
        await this.deps.outbox.enqueue(items);
        this.deps.written();
      } catch (error) {
        this.deps.onError(error);
      }
    });
  }
}

function typeOf(input: EventInput): WebhookEventType | undefined {
  if (input.kind !== 'manifest') return undefined;
  if (input.action === 'push') return 'PUSH_ARTIFACT';
  if (input.action === 'delete') return 'DELETE_ARTIFACT';
  if (input.action === 'pull' && input.request.method === 'GET') return 'PULL_ARTIFACT';
  return undefined;
}
