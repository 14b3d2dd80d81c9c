/**
 * The durable queue of outgoing notifications (migration 0019) and each endpoint's delivery
 * log. One row is one event (its JSON) for one endpoint; an endpoint's rows are delivered in id
 * order, one batch at a time, so a listener sees events in the order they happened.
 *
 * Several processes may share the store: `claimHead` hands an endpoint's oldest rows to one
 * holder for `leaseMs`; another holder gets nothing for that endpoint until the lease ends
 * (a holder that died mid-delivery is thereby replaced, and its event sent again: delivery
 * is at least once, as registry:2's is).
 */
/** Queue key prefix of project webhooks: `webhook:<id>`; registry:2 endpoints use their names. */
export const WEBHOOK_ENDPOINT_PREFIX = 'webhook:';

export interface OutboxItem {
  endpoint: string;
  body: string;
}

export interface ClaimedBatch {
  /** In queue order. */
  ids: number[];
  bodies: string[];
  /** Failed attempts so far of the oldest row. */
  attempts: number;
}

export interface DeliveryRecord {
  endpoint: string;
  /** When the attempt ended, ms since the epoch. */
  at: number;
  /** The endpoint's HTTP status; 0 when no response came (refused, timed out). */
  status: number;
  latencyMs: number;
  /** Which attempt this was for its event (1 for the first). */
  attempt: number;
  /** Why it failed; undefined on success. */
  error: string | undefined;
}

export interface EventOutbox {
  /** Appends in order, in one statement; the rows are durable when it resolves. */
  enqueue(items: readonly OutboxItem[]): Promise<void>;
  /**
   * Up to `max` of the endpoint's oldest rows, if the oldest is due (its retry time reached)
   * and not leased by another holder: the longest such run from the head, leased to `holder`
   * until now + leaseMs. Undefined when the queue is empty or its head is not due or leased.
   */
  claimHead(endpoint: string, holder: string, now: number, leaseMs: number, max: number): Promise<ClaimedBatch | undefined>;
  /** Removes delivered rows that `holder` still holds. */
  complete(ids: readonly number[], holder: string): Promise<void>;
  /** Gives rows back untouched (this process is stopping mid-delivery). */
  release(ids: readonly number[], holder: string): Promise<void>;
  /** Records a failed attempt and when the rows are due again; releases the lease. */
  retryAt(ids: readonly number[], holder: string, dueAt: number): Promise<void>;
  /** Rows waiting for the endpoint. */
  pending(endpoint: string): Promise<number>;
  /** Deletes the endpoint's oldest rows beyond `keep`; returns how many went. */
  trim(endpoint: string, keep: number): Promise<number>;
  /**
   * Deletes rows of registry:2 endpoints not in `endpoints` (removed from the configuration);
   * webhook rows (`webhook:<id>`) are left alone.
   */
  dropOthers(endpoints: readonly string[]): Promise<number>;
  /** Deletes an endpoint's queued rows and delivery log (a deleted webhook). */
  dropEndpoint(endpoint: string): Promise<void>;
  log(record: DeliveryRecord): Promise<void>;
  /** The endpoint's latest log entries, newest first. */
  deliveries(endpoint: string, limit: number): Promise<DeliveryRecord[]>;
  /** Deletes log entries older than `before`. */
  pruneLog(before: number): Promise<void>;
}
