/**
 * registry:2's notification event, field for field (distribution's notifications/event.go, as
 * Distribution 2.8 sends it): listeners written for registry:2 parse these bodies unchanged.
 * Optional fields are left out rather than sent empty, as Go's `omitempty` does; `actor` is `{}`
 * for an anonymous caller. Sizes are numbers, timestamps RFC 3339 with nanoseconds (Go's
 * time.Time). An envelope holds one event when the registry is quiet, more when a backlog is sent.
 */
export const EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

export type EventAction = 'push' | 'pull' | 'mount' | 'delete';

export interface EventDescriptor {
  mediaType: string;
  size: number;
  digest: string;
}

export interface EventTarget {
  mediaType?: string | undefined;
  size?: number | undefined;
  digest?: string;
  /** registry:2 repeats size under this older name. */
  length?: number | undefined;
  repository?: string;
  /** A mount's source. */
  fromRepository?: string;
  /** Where the content can be fetched (by digest), absolute when the registry knows its base. */
  url?: string;
  tag?: string;
  /** A manifest's config, layers or child manifests, with `events.includereferences`. */
  references?: EventDescriptor[];
}

export interface EventRequest {
  id: string;
  /** The client's address and port. */
  addr: string;
  host: string;
  method: string;
  useragent: string;
}

export interface RegistryEvent {
  id: string;
  timestamp: string;
  action: EventAction;
  target: EventTarget;
  request: EventRequest;
  actor: { name?: string };
  source: { addr: string; instanceID: string };
}

/** What the edge knows of one event; the notifier adds id, timestamp and source. */
export interface EventInput {
  action: EventAction;
  target: EventTarget;
  request: EventRequest;
  /** The account or robot; undefined for an anonymous caller. */
  actor: string | undefined;
  /** A manifest body, for its references; read only when an endpoint wants them. */
  manifestBody?: Buffer;
  /** What was served; webhooks (core/webhooks) only care about manifests. */
  kind?: 'manifest' | 'blob';
}

export interface EventEnvelope {
  events: RegistryEvent[];
}

/** Go's time.Time text: RFC 3339 with the sub-second digits JavaScript has. */
export function eventTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
