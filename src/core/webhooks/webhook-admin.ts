/**
 * Managing a project's webhooks, for the CLI and /api/v1 alike: system admins and the
 * project's admins only (as its members and robots), refused before anything about the project
 * is looked up, so an outsider learns nothing of whether it exists. The secret is sealed before
 * it is stored and never returned, except once when Berth generated it. The URL is checked
 * here and again at every delivery (DNS can change in between; see target-address.ts).
 */
import type { EventOutbox, DeliveryRecord } from '../../ports/event-outbox.js';
import { WEBHOOK_ENDPOINT_PREFIX } from '../../ports/event-outbox.js';
import type { SecretBox } from '../../ports/secret-box.js';
import type { WebhookRecord, WebhookStore } from '../../ports/webhook-store.js';
import type { AdminContext, Actor } from '../access/admin-context.js';
import { newSecret } from '../access/admin-context.js';
import { unknownProject } from '../access/project-admin.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { hostOf, isPublicAddress } from './target-address.js';
import { DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-event.js';

/** Webhooks one project may have: each is a delivery loop and a queue of its own. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;
/** Delivery log entries returned at most. */
export const MAX_DELIVERIES_SHOWN = 100;
const MAX_URL_LENGTH = 2048;
const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 512;

export interface WebhookAdminDeps {
  store: WebhookStore;
  secrets: SecretBox;
  outbox: Pick<EventOutbox, 'deliveries' | 'pending' | 'dropEndpoint'>;
  /** Every address the host name resolves to; throws when it does not resolve. */
  resolve: (host: string) => Promise<string[]>;
  allowPrivateTargets: boolean;
  now: () => Date;
  /** Told after a change, so delivery picks up new, changed and removed webhooks at once. */
  changed?: () => void;
}

export interface WebhookView {
  id: number;
  project: string;
  url: string;
  events: readonly string[];
  enabled: boolean;
  createdAt: string;
}

export interface WebhookInput {
  url: string;
  events?: readonly string[] | undefined;
  /** Undefined: Berth generates one and returns it once. */
  secret?: string | undefined;
  enabled?: boolean | undefined;
}

export interface WebhookDeliveries {
  pending: number;
  deliveries: DeliveryRecord[];
}

export function webhookEndpoint(id: number): string {
  return `${WEBHOOK_ENDPOINT_PREFIX}${id}`;
}

export class WebhookAdmin {
  constructor(
    private readonly ctx: AdminContext,
    private readonly deps: WebhookAdminDeps,
  ) {}

  async list(actor: Actor, project: string): Promise<WebhookView[]> {
    await this.allowed(actor, project, 'webhook.list');
    return (await this.deps.store.list(project)).map(webhookView);
  }

  async get(actor: Actor, project: string, id: number): Promise<WebhookView> {
    await this.allowed(actor, project, 'webhook.list');
    return webhookView(await this.existing(project, id));
  }

  async create(actor: Actor, project: string, input: WebhookInput): Promise<{ webhook: WebhookView; secret?: string }> {
    await this.allowed(actor, project, 'webhook.create');
    const url = await this.checkedUrl(input.url);
    const events = checkedEvents(input.events) ?? DEFAULT_WEBHOOK_EVENTS;
    if ((await this.deps.store.list(project)).length >= MAX_WEBHOOKS_PER_PROJECT) {
      throw new ConflictError(`project ${project} has ${MAX_WEBHOOKS_PER_PROJECT} webhooks, the most it may have`, { project, max: MAX_WEBHOOKS_PER_PROJECT });
    }
    const generated = input.secret === undefined ? newSecret() : undefined;
    const secret = generated ?? checkedSecret(input.secret!);
    const record = await this.deps.store.create({
      project,
      url,
      events,
      sealedSecret: await this.deps.secrets.seal(secret),
      enabled: input.enabled ?? true,
      createdAt: this.deps.now().getTime(),
    });
    await this.ctx.record(actor, 'webhook.create', { repository: project, detail: `id=${record.id} events=${events.join(',')}` });
    this.deps.changed?.();
    return { webhook: webhookView(record), ...(generated === undefined ? {} : { secret: generated }) };
  }

  async update(actor: Actor, project: string, id: number, input: Partial<WebhookInput>): Promise<WebhookView> {
    await this.allowed(actor, project, 'webhook.update');
    await this.existing(project, id);
    const events = checkedEvents(input.events);
    const change = {
      ...(input.url === undefined ? {} : { url: await this.checkedUrl(input.url) }),
      ...(events === undefined ? {} : { events }),
      ...(input.secret === undefined ? {} : { sealedSecret: await this.deps.secrets.seal(checkedSecret(input.secret)) }),
      ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
    };
    if (!(await this.deps.store.update(project, id, change))) throw unknownWebhook(project, id);
    const changed = Object.keys(change).map((k) => (k === 'sealedSecret' ? 'secret' : k));
    await this.ctx.record(actor, 'webhook.update', { repository: project, detail: `id=${id} changed=${changed.join(',')}` });
    this.deps.changed?.();
    return webhookView(await this.existing(project, id));
  }

  async remove(actor: Actor, project: string, id: number): Promise<void> {
    await this.allowed(actor, project, 'webhook.delete');
    if (!(await this.deps.store.remove(project, id))) throw unknownWebhook(project, id);
    // Its queue would otherwise wait forever for a loop that no longer runs.
    await this.deps.outbox.dropEndpoint(webhookEndpoint(id));
    await this.ctx.record(actor, 'webhook.delete', { repository: project, detail: `id=${id}` });
    this.deps.changed?.();
  }

  async deliveries(actor: Actor, project: string, id: number, limit = 50): Promise<WebhookDeliveries> {
    await this.allowed(actor, project, 'webhook.list');
    await this.existing(project, id);
    const endpoint = webhookEndpoint(id);
    const shown = Math.max(1, Math.min(Math.trunc(limit) || 50, MAX_DELIVERIES_SHOWN));
    return { pending: await this.deps.outbox.pending(endpoint), deliveries: await this.deps.outbox.deliveries(endpoint, shown) };
  }

  /** Permission first, then existence: see the file comment. */
  private async allowed(actor: Actor, project: string, action: string): Promise<void> {
    await this.ctx.requireProjectManager(actor, project, action);
    if (!(await this.ctx.store.project(project))) throw unknownProject(project);
  }

  private async existing(project: string, id: number): Promise<WebhookRecord> {
    const record = Number.isSafeInteger(id) && id > 0 ? await this.deps.store.get(project, id) : undefined;
    if (record === undefined) throw unknownWebhook(project, id);
    return record;
  }

  private async checkedUrl(text: string): Promise<string> {
    if (text.length > MAX_URL_LENGTH) throw new InvalidInputError(`a webhook URL has at most ${MAX_URL_LENGTH} characters`, { max: MAX_URL_LENGTH });
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InvalidInputError(`${JSON.stringify(text)} is not a URL`, { url: text });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError('a webhook URL is http:// or https://', { url: text });
    if (url.username !== '' || url.password !== '') {
      throw new InvalidInputError('a webhook URL may not carry a user name or password; receivers check the signature instead', { url: url.origin });
    }
    if (!this.deps.allowPrivateTargets) await this.requirePublic(url);
    return url.href;
  }

  private async requirePublic(url: URL): Promise<void> {
    const host = hostOf(url);
    let addresses: string[];
    try {
      addresses = await this.deps.resolve(host);
    } catch {
      throw new InvalidInputError(`the webhook host ${host} does not resolve`, { host });
    }
    const refused = addresses.find((a) => !isPublicAddress(a));
    if (addresses.length === 0 || refused !== undefined) {
      throw new InvalidInputError(
        `the webhook host ${host} resolves to ${refused ?? 'nothing'}, a loopback, private, link-local, multicast or unspecified address; an operator can allow such targets with notifications.webhooks.allowprivatetargets`,
        { host, address: refused ?? null },
      );
    }
  }
}

function checkedEvents(events: readonly string[] | undefined): WebhookEventType[] | undefined {
  if (events === undefined) return undefined;
  if (events.length === 0) throw new InvalidInputError('a webhook needs at least one event type', { allowed: [...WEBHOOK_EVENT_TYPES] });
  const unknown = events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length > 0) throw new InvalidInputError(`unknown event type ${unknown.join(', ')}`, { allowed: [...WEBHOOK_EVENT_TYPES] });
  return [...new Set(events)] as WebhookEventType[];
}

function checkedSecret(secret: string): string {
  if (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
    throw new InvalidInputError(`a webhook secret has ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters`, { min: MIN_SECRET_LENGTH, max: MAX_SECRET_LENGTH });
  }
  return secret;
}

function unknownWebhook(project: string, id: number): NotFoundError {
  return new NotFoundError(`project ${project} has no webhook ${id}`, { project, id });
}

function webhookView(record: WebhookRecord): WebhookView {
  return {
    id: record.id,
    project: record.project,
    url: record.url,
    events: record.events,
    enabled: record.enabled,
    createdAt: new Date(record.createdAt).toISOString(),
  };
}
