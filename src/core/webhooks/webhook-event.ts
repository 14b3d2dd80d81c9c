/**
 * Harbor's webhook payload (its "default" payload format), so receivers written for Harbor parse
 * Berth's unchanged: `type`, `occur_at` (Unix seconds), `operator`, and `event_data` with the
 * artifacts (`resources`) and their repository. Berth's repository `team/app/web` is Harbor's
 * project `team` (`namespace`) and repository `app/web` (`name`).
 */
export const WEBHOOK_EVENT_TYPES = ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * What a new webhook gets without `events`: everything but pulls. A pull event is one queue
 * row per manifest GET per webhook, which on a busy registry is far more write volume than
 * pushes and deletes together; a receiver that wants them asks for them.
 */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = ['PUSH_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED'];

export interface WebhookResource {
  digest?: string;
  tag?: string;
  resource_url: string;
}

export interface WebhookPayload {
  type: WebhookEventType;
  occur_at: number;
  operator: string;
  event_data: {
    resources: WebhookResource[];
    repository: { name: string; namespace: string; repo_full_name: string; repo_type: 'public' | 'private' };
    /** QUOTA_EXCEED only: why the push was refused. */
    custom_attributes?: { details: string };
  };
}

export interface ArtifactEvent {
  type: WebhookEventType;
  /** The full repository name, project first. */
  repository: string;
  digest?: string | undefined;
  tag?: string | undefined;
  /** The registry's host (and port) as clients address it, for `resource_url`. */
  host: string;
  /** The account or robot; undefined for an anonymous caller. */
  operator: string | undefined;
  /** QUOTA_EXCEED: the refusal's message. */
  details?: string;
}

export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}

export function webhookPayload(event: ArtifactEvent, visibility: 'public' | 'private', now: Date): WebhookPayload {
  const namespace = projectOf(event.repository);
  const name = event.repository.length > namespace.length ? event.repository.slice(namespace.length + 1) : event.repository;
  const resource: WebhookResource = { resource_url: resourceUrl(event) };
  if (event.digest !== undefined) resource.digest = event.digest;
  if (event.tag !== undefined) resource.tag = event.tag;
  const payload: WebhookPayload = {
    type: event.type,
    occur_at: Math.floor(now.getTime() / 1000),
    operator: event.operator ?? 'anonymous',
    event_data: {
      resources: [resource],
      repository: { name, namespace, repo_full_name: event.repository, repo_type: visibility },
    },
  };
  if (event.details !== undefined) payload.event_data.custom_attributes = { details: event.details };
  return payload;
}

/** Harbor's form: `host/project/repo:tag`, or `@digest` without a tag; no scheme. */
function resourceUrl(event: ArtifactEvent): string {
  const base = `${event.host}/${event.repository}`;
  if (event.tag !== undefined) return `${base}:${event.tag}`;
  return event.digest === undefined ? base : `${base}@${event.digest}`;
}
