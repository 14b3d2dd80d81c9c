/**
 * Failed-login counts in the metadata database, for instances sharing it (PostgreSQL). Each
 * hit is one upsert that both counts and restarts an expired entry, so concurrent failures on
 * several instances all count and nothing is read and written back.
 */
import { sql, type Kysely } from 'kysely';
import type { LoginThrottleStore, ThrottleEntry, ThrottleTable } from '../../ports/login-throttle-store.js';
import type { Database } from './schema.js';

const big = (value: number) => sql<number>`cast(${value} as bigint)`;

interface Row {
  count: number | string | bigint;
  last_at: number | string | bigint;
  expires_at: number | string | bigint;
}

/**
 * PostgreSQL text cannot hold NUL, which an htpasswd-mode name may carry; such names share a
 * row with their U+FFFD spelling, which only ever throttles more.
 */
const keyOf = (key: string) => key.replace(/\u0000/g, '\ufffd');

const entryOf = (row: Row): ThrottleEntry => ({ count: Number(row.count), lastAt: Number(row.last_at), expiresAt: Number(row.expires_at) });

export class KyselyLoginThrottle implements LoginThrottleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async read(keys: ReadonlyArray<{ table: ThrottleTable; key: string }>, now: number): Promise<Array<ThrottleEntry | undefined>> {
    if (keys.length === 0) return [];
    const rows = await this.db
      .selectFrom('login_throttle')
      .select(['tbl', 'key', 'count', 'last_at', 'expires_at'])
      .where((eb) => eb.or(keys.map((k) => eb.and([eb('tbl', '=', k.table), eb('key', '=', keyOf(k.key))]))))
      .where('expires_at', '>', now)
      .execute();
    return keys.map((k) => {
      const row = rows.find((r) => r.tbl === k.table && r.key === keyOf(k.key));
      return row === undefined ? undefined : entryOf(row);
    });
  }

  async hit(table: ThrottleTable, key: string, now: number, ttlMs: number, slide: boolean): Promise<ThrottleEntry> {
    const expired = sql<boolean>`login_throttle.expires_at <= ${big(now)}`;
    const row = await this.db
      .insertInto('login_throttle')
      .values({ tbl: table, key: keyOf(key), count: 1, last_at: now, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc.columns(['tbl', 'key']).doUpdateSet({
          count: sql`case when ${expired} then ${big(1)} else login_throttle.count + 1 end`,
          last_at: big(now),
          expires_at: slide ? big(now + ttlMs) : sql`case when ${expired} then ${big(now + ttlMs)} else login_throttle.expires_at end`,
        }),
      )
      .returning(['count', 'last_at', 'expires_at'])
      .executeTakeFirstOrThrow();
    return entryOf(row);
  }

  async mark(table: ThrottleTable, key: string, now: number, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('login_throttle')
      .values({ tbl: table, key: keyOf(key), count: 0, last_at: now, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .columns(['tbl', 'key'])
          .doUpdateSet({ last_at: big(now), expires_at: big(expiresAt) })
          // A fresh mark is left alone: a login every few seconds (docker sends its credentials
          // with every pull) must not become a write every time. A day of slack is nothing
          // against the 30 days an address stays known.
          .where('login_throttle.expires_at', '<', expiresAt - 24 * 3600_000),
      )
      .execute();
  }

  async remove(table: ThrottleTable, key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('tbl', '=', table).where('key', '=', keyOf(key)).execute();
  }

  async prune(now: number): Promise<number> {
    const result = await this.db.deleteFrom('login_throttle').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
