/**
 * Records who did what; a failure to record is logged by the caller's logger, never fatal.
 *
 * Every text field is passed through auditText (capped, control characters escaped), since
 * names and addresses here may come from anyone. Events anyone can cause without an account
 * (failed and throttled logins, denied pushes and deletes) go through `count`: equal events
 * within AGGREGATE_WINDOW_MS share one row with a count, so a flood adds a bounded number of
 * rows instead of one per request.
 */
import type { AccessStore, AuditEvent } from '../../ports/access-store.js';
import { auditText } from './audit-text.js';

export type AuditInput = Omit<AuditEvent, 'time' | 'repository' | 'reference' | 'detail'> &
  Partial<Pick<AuditEvent, 'repository' | 'reference' | 'detail'>>;

/** How long one aggregated row keeps counting equal events before the next one starts. */
export const AGGREGATE_WINDOW_MS = 10 * 60_000;

export class AuditLog {
  private readonly counting = new Map<string, Promise<void>>();

  constructor(
    private readonly store: AccessStore,
    private readonly now: () => Date,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** One row per event: for what only a signed-in caller can do. */
  async record(input: AuditInput): Promise<void> {
    try {
      await this.store.appendAudit(this.event(input));
    } catch (error) {
      this.onError(error);
    }
  }

  /**
   * Counted into the latest equal event of the last AGGREGATE_WINDOW_MS. Equal events are
   * written one after another in this process, so concurrent ones find the row the first made
   * (the store's lookup and append are two steps); only the in-flight writes are remembered.
   */
  count(input: AuditInput): Promise<void> {
    const event = this.event(input);
    const key = JSON.stringify([event.action, event.actor, event.clientIp, event.repository, event.reference, event.result, event.detail]);
    const write = async () => {
      try {
        await this.store.countAudit(event, new Date(event.time.getTime() - AGGREGATE_WINDOW_MS));
      } catch (error) {
        this.onError(error);
      }
    };
    const next = (this.counting.get(key) ?? Promise.resolve()).then(write);
    this.counting.set(key, next);
    void next.then(() => {
      if (this.counting.get(key) === next) this.counting.delete(key);
    });
    return next;
  }

  private event(input: AuditInput): AuditEvent {
    const text = (value: string | undefined) => (value === undefined ? undefined : auditText(value));
    return {
      time: this.now(),
      actor: auditText(input.actor),
      clientIp: text(input.clientIp),
      action: auditText(input.action),
      repository: text(input.repository),
      reference: text(input.reference),
      result: input.result,
      detail: text(input.detail),
    };
  }
}
