/**
 * The notification queue and delivery log (migration 0019) on SQLite or PostgreSQL.
 *
 * Claiming is one conditional UPDATE of the endpoint's lowest ids: on PostgreSQL a second
 * instance racing for the same rows waits for the first one's row locks, then re-checks the
 * condition against the committed lease and updates nothing, so exactly one wins without an
 * explicit lock; SQLite has one writer at a time anyway. Only a run starting at the head is
 * ever claimed, which is what keeps an endpoint's events in order.
 */
import { sql, type Kysely } from 'kysely';
import { WEBHOOK_ENDPOINT_PREFIX, type ClaimedBatch, type DeliveryRecord, type EventOutbox, type OutboxItem } from '../../ports/event-outbox.js';
import type { Database } from './schema.js';

/** Rows per INSERT: far below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 200;

export class KyselyEventOutbox implements EventOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async enqueue(items: readonly OutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    const created = this.now();
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < items.length; i += INSERT_CHUNK) {
        const rows = items.slice(i, i + INSERT_CHUNK).map((item) => ({ endpoint: item.endpoint, body: item.body, created_at: created }));
        await tx.insertInto('event_outbox').values(rows).execute();
      }
    });
  }

  async claimHead(endpoint: string, holder: string, now: number, leaseMs: number, max: number): Promise<ClaimedBatch | undefined> {
    const rows = await this.db
      .selectFrom('event_outbox')
      .select(['id', 'due_at', 'lease_until', 'lease_holder'])
      .where('endpoint', '=', endpoint)
      .orderBy('id')
      .limit(max)
      .execute();
    const free = (row: (typeof rows)[number]) =>
      Number(row.due_at) <= now && (Number(row.lease_until) <= now || row.lease_holder === holder);
    const run: number[] = [];
    for (const row of rows) {
      if (!free(row)) break;
      run.push(Number(row.id));
    }
    if (run.length === 0) return undefined;
    const claimed = await this.db
      .updateTable('event_outbox')
      .set({ lease_holder: holder, lease_until: now + leaseMs })
      .where('id', 'in', run)
      .where((eb) => eb.or([eb('lease_until', '<=', now), eb('lease_holder', '=', holder)]))
      .returning(['id', 'body', 'attempts'])
      .execute();
    const byId = new Map(claimed.map((row) => [Number(row.id), row]));
    // Another holder got in between: keep only an unbroken run from the head, give back the rest.
    const prefix: number[] = [];
    for (const id of run) {
      if (!byId.has(id)) break;
      prefix.push(id);
    }
    const extra = [...byId.keys()].filter((id) => !prefix.includes(id));
    if (extra.length > 0) await this.release(extra, holder);
    if (prefix.length === 0) return undefined;
    return {
      ids: prefix,
      bodies: prefix.map((id) => byId.get(id)!.body),
      attempts: Number(byId.get(prefix[0])!.attempts),
    };
  }

  async complete(ids: readonly number[], holder: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.deleteFrom('event_outbox').where('id', 'in', [...ids]).where('lease_holder', '=', holder).execute();
  }

  async release(ids: readonly number[], holder: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('event_outbox')
      .set({ lease_holder: null, lease_until: 0 })
      .where('id', 'in', [...ids])
      .where('lease_holder', '=', holder)
      .execute();
  }

  async retryAt(ids: readonly number[], holder: string, dueAt: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('event_outbox')
      .set({ attempts: sql`attempts + 1`, due_at: dueAt, lease_holder: null, lease_until: 0 })
      .where('id', 'in', [...ids])
      .where('lease_holder', '=', holder)
      .execute();
  }

  async pending(endpoint: string): Promise<number> {
    const row = await this.db
      .selectFrom('event_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('endpoint', '=', endpoint)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async trim(endpoint: string, keep: number): Promise<number> {
    // The id of the oldest row to keep; everything of the endpoint below it goes.
    const boundary = await this.db
      .selectFrom('event_outbox')
      .select('id')
      .where('endpoint', '=', endpoint)
      .orderBy('id', 'desc')
      .offset(keep - 1)
      .limit(1)
      .executeTakeFirst();
    if (boundary === undefined) return 0;
    const result = await this.db
      .deleteFrom('event_outbox')
      .where('endpoint', '=', endpoint)
      .where('id', '<', boundary.id as number)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async dropOthers(endpoints: readonly string[]): Promise<number> {
    // Webhook rows belong to project webhooks (stored in the database, not the configuration):
    // they go when their webhook is deleted, never because the configuration changed.
    let query = this.db.deleteFrom('event_outbox').where('endpoint', 'not like', `${WEBHOOK_ENDPOINT_PREFIX}%`);
    if (endpoints.length > 0) query = query.where('endpoint', 'not in', [...endpoints]);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async dropEndpoint(endpoint: string): Promise<void> {
    await this.db.deleteFrom('event_outbox').where('endpoint', '=', endpoint).execute();
    await this.db.deleteFrom('event_deliveries').where('endpoint', '=', endpoint).execute();
  }

  async log(record: DeliveryRecord): Promise<void> {
    await this.db
      .insertInto('event_deliveries')
      .values({
        endpoint: record.endpoint,
        at: record.at,
        status: record.status,
        latency_ms: Math.round(record.latencyMs),
        attempt: record.attempt,
        error: record.error === undefined ? null : record.error.slice(0, 500),
      })
      .execute();
  }

  async deliveries(endpoint: string, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.db
      .selectFrom('event_deliveries')
      .selectAll()
      .where('endpoint', '=', endpoint)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      endpoint: row.endpoint,
      at: Number(row.at),
      status: row.status,
      latencyMs: row.latency_ms,
      attempt: row.attempt,
      error: row.error ?? undefined,
    }));
  }

  async pruneLog(before: number): Promise<void> {
    await this.db.deleteFrom('event_deliveries').where('at', '<', before).execute();
  }
}
