/**
 * Where the registry's events go. Registered only when an endpoint is configured: otherwise
 * the no-op twin is used and the hot path pays one property check (see http/oci/notify-hook.ts).
 */
import type { EventInput } from './registry-event.js';

export interface Notifier {
  /** False for the no-op twin: callers skip building events at all. */
  readonly enabled: boolean;
  /** Takes the event without waiting: it is written to the durable queue shortly after. */
  publish(input: EventInput): void;
  /** A push refused by a project's quota (project webhooks' QUOTA_EXCEED); optional. */
  quotaExceeded?(repository: string, actor: string | undefined, host: string, details: string): void;
  /** Writes what is buffered; later events are dropped. */
  close(): Promise<void>;
}

export const noopNotifier: Notifier = {
  enabled: false,
  publish() {},
  async close() {},
};
