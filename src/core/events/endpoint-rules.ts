/** One configured endpoint as the event pipeline sees it (from registry:2's `notifications.endpoints`). */
export interface EndpointRules {
  name: string;
  url: string;
  headers: Readonly<Record<string, readonly string[]>>;
  timeoutMs: number;
  threshold: number;
  backoffMs: number;
  ignoredMediaTypes: ReadonlySet<string>;
  ignoredActions: ReadonlySet<string>;
}

/** The longest wait between attempts, however long an endpoint has been failing. */
export const MAX_BACKOFF_MS = 5 * 60_000;
/** The pause between the quick retries before `threshold` failures (registry:2 retries at once). */
export const QUICK_RETRY_MS = 100;

/**
 * registry:2's retrying sink: below `threshold` consecutive failures it retries at once; from
 * there it waits `backoff`. Berth doubles that wait per further failure (capped), so a long-dead
 * endpoint is asked every few minutes, not every second.
 */
export function retryDelayMs(rules: EndpointRules, failures: number): number {
  if (failures < rules.threshold) return QUICK_RETRY_MS;
  const doublings = Math.min(failures - rules.threshold, 20);
  return Math.min(rules.backoffMs * 2 ** doublings, MAX_BACKOFF_MS);
}
