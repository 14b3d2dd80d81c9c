/**
 * Reading and pruning the audit log, for system admins only (it names every account and
 * client address). Pages run newest first by id: `next` is the id to pass as `before` for the
 * following page, which stays correct while new events are appended.
 */
import type { AuditQuery as StoreQuery, StoredAuditEvent } from '../../ports/access-store.js';
import { InvalidInputError } from '../errors.js';
import type { Actor, AdminContext } from './admin-context.js';

export type AuditFilter = Omit<StoreQuery, 'limit'> & { limit?: number };
export type { StoredAuditEvent };

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;
const EXPORT_PAGE = 500;

export class AuditQuery {
  constructor(private readonly ctx: AdminContext) {}

  async query(actor: Actor, filter: AuditFilter): Promise<{ events: StoredAuditEvent[]; next: number | undefined }> {
    await this.ctx.requireSystemAdmin(actor, 'audit.read');
    const limit = checkLimit(filter.limit ?? DEFAULT_AUDIT_PAGE);
    // One more than asked says whether another page exists without a second query.
    const rows = await this.ctx.store.queryAudit({ ...filter, limit: limit + 1 });
    const events = rows.slice(0, limit);
    return { events, next: rows.length > limit ? events[events.length - 1]!.id : undefined };
  }

  /**
   * Every matching event, newest first, read page by page so memory stays flat. Permission is
   * checked before this resolves, so an edge can refuse before it starts a streamed answer.
   */
  async export(actor: Actor, filter: Omit<AuditFilter, 'limit'>): Promise<AsyncIterable<StoredAuditEvent>> {
    await this.ctx.requireSystemAdmin(actor, 'audit.read');
    const store = this.ctx.store;
    return (async function* pages() {
      let before = filter.before;
      for (;;) {
        const page = await store.queryAudit({ ...filter, before, limit: EXPORT_PAGE });
        yield* page;
        if (page.length < EXPORT_PAGE) return;
        before = page[page.length - 1]!.id;
      }
    })();
  }

  /** Deletes events older than `retentionSeconds`; returns how many. */
  async prune(actor: Actor, retentionSeconds: number): Promise<number> {
    await this.ctx.requireSystemAdmin(actor, 'audit.prune');
    if (!Number.isFinite(retentionSeconds) || retentionSeconds <= 0) {
      throw new InvalidInputError('the retention must be a positive duration');
    }
    const cutoff = new Date(this.ctx.deps.now().getTime() - retentionSeconds * 1000);
    const removed = await this.ctx.store.pruneAudit(cutoff);
    await this.ctx.record(actor, 'audit.prune', { detail: `before=${cutoff.toISOString()} removed=${removed}` });
    return removed;
  }
}

/** The one JSON shape of an event, for the API, the export and `berth audit --json`. */
export function auditJson(event: StoredAuditEvent): Record<string, string | number> {
  const json: Record<string, string | number> = { id: event.id, time: event.time.toISOString(), actor: event.actor, action: event.action, result: event.result, count: event.count };
  if (event.clientIp !== undefined) json.clientIp = event.clientIp;
  if (event.repository !== undefined) json.repository = event.repository;
  if (event.reference !== undefined) json.reference = event.reference;
  if (event.detail !== undefined) json.detail = event.detail;
  return json;
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_AUDIT_PAGE}`, { limit });
  }
  return limit;
}
