/**
 * The scale-out metadata database: a node-postgres pool serving the same Kysely stores as the
 * embedded SQLite file (MetadataStore, AccessStore, PolicyStore), with the same migrations.
 *
 * Several Berth instances share one database, so unlike SQLite's single connection the
 * transactions here run side by side under READ COMMITTED; the queries take the row locks that
 * make that safe (see lifecycle-sql.ts and docs/architecture-decisions.md, "PostgreSQL").
 *
 * Numbers: node-postgres hands int8 (bigint columns, count(*)) and numeric (sum() of bigint) back
 * as strings, since they may exceed a double. Every such value here is epoch milliseconds, a
 * byte count or a row count, far below 2^53, so this pool parses both as JavaScript numbers —
 * the same shape better-sqlite3 returns — instead of every query converting.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { KyselyAccessStore } from './kysely-access-store.js';
import { KyselyMetadataStore } from './kysely-metadata-store.js';
import { KyselyProxyStore } from './kysely-proxy-store.js';
import { KyselyPolicyStore } from './kysely-policy-store.js';
import { sharedStateStores } from './shared-state.js';
import { MetadataStoreFullError, MetadataStoreUnavailableError } from '../../ports/metadata-store.js';
import { postgresMetadataDialect } from './migrations.js';
import type { Database } from './schema.js';
import type { SqliteStores } from './sqlite-database.js';
import { tableTransfer } from './table-transfer.js';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database?… (libpq's URL form). */
  url: string;
  /** Connections per process; each instance of Berth opens its own pool. */
  poolSize?: number;
  /** Longest a statement may run before the server cancels it, in milliseconds; 0 = no limit. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (new or from a full pool), in milliseconds. */
  connectTimeoutMs?: number;
  /** The metadata store's clock. */
  now?: () => Date;
}

export type PostgresStores = SqliteStores;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return toNumber;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function toNumber(text: string): number {
  return Number(text);
}

/**
 * The node-postgres pool, connecting lazily. A connection the server ends (a restart, a failover,
 * `pg_terminate_backend`) must cost at most the request that was using it, never the process.
 * The pool reports an idle client's loss on its own 'error' event; a client checked out but
 * between two statements (inside a transaction, say) reports it on the client, where the pool
 * keeps no listener, and Node ends the process on an 'error' event nobody hears. Each client
 * gets one of its own: the next statement on it then fails, the request answers 503, and the
 * pool drops the client on release.
 */
export function openPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'berth',
    types,
    ...(options.statementTimeoutMs !== undefined && options.statementTimeoutMs > 0
      ? { statement_timeout: options.statementTimeoutMs }
      : {}),
  });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Creates the stores on a new pool (connecting lazily). Call `migrate()` on either store before use. */
export function openPostgres(options: PostgresOptions): PostgresStores {
  const pool = openPool(options);
  const db = retryingDeadlocks(new Kysely<Database>({ dialect: new PostgresDialect({ pool: translatingFull(pool) }) }));
  let closing: Promise<void> | undefined;
  return {
    metadata: new KyselyMetadataStore(db, { dialect: postgresMetadataDialect, now: options.now }),
    access: new KyselyAccessStore(db, { dialect: postgresMetadataDialect }),
    policies: new KyselyPolicyStore(db, { now: options.now }),
    transfer: tableTransfer(db, postgresMetadataDialect),
    proxies: new KyselyProxyStore(db, { now: options.now }),
    shared: sharedStateStores(db),
    close() {
      // Kysely's destroy ends the pool.
      closing ??= db.destroy();
      return closing;
    },
  };
}

/** Deadlock detected, serialization failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * Transactions that take row locks in different orders (a push, a client's delete and the
 * collector touch the same repository, manifest, usage and candidate rows) can deadlock under
 * load; PostgreSQL then aborts one of them. The stores keep one lock order where they can, and
 * every `transaction().execute(fn)` is run again, a few times with a short random pause, when it
 * was chosen as the victim. The callbacks only read and write the database, so a re-run is the
 * same as a first run that started later. SQLite, with one writer, never needs this.
 */
function retryingDeadlocks(db: Kysely<Database>): Kysely<Database> {
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== 'transaction' || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return () => {
        const builder = target.transaction();
        return new Proxy(builder, {
          get(b, p) {
            const member: unknown = Reflect.get(b, p, b);
            if (p !== 'execute' || typeof member !== 'function') {
              return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(b) : member;
            }
            return async <T>(callback: (trx: unknown) => Promise<T>): Promise<T> => {
              for (let attempt = 1; ; attempt++) {
                try {
                  return await (member as (cb: typeof callback) => Promise<T>).call(b, callback);
                } catch (error) {
                  const code = (error as { code?: unknown }).code;
                  if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
                  await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
                }
              }
            };
          },
        });
      };
    },
  });
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** admin_shutdown, crash_shutdown, cannot_connect_now: a server stopping, restarting or starting. */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);

/**
 * The database is not there: a refused or dropped connection (node-postgres says "Connection
 * terminated" for a server that went away mid-query), a connection-class SQLSTATE (08xxx) or a
 * server shutting down. A statement timeout or a constraint is not an outage.
 */
function isOutage(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || SHUTDOWN_STATES.has(code) || code.startsWith('08')) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /^Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/.test(message);
}

/**
 * SQLSTATE 53100 (disk_full) becomes the port's MetadataStoreFullError, as SQLITE_FULL does,
 * so a client hears "storage full" rather than a bare 500; an unreachable database becomes
 * MetadataStoreUnavailableError (a 503 the client may retry). The pool hands the same clients out
 * again, so each is wrapped once.
 */
function translatingFull(pool: pg.Pool): pg.Pool {
  const connect = pool.connect.bind(pool);
  const translated = new WeakSet<pg.PoolClient>();
  const wrapped = async (): Promise<pg.PoolClient> => {
    let client: pg.PoolClient;
    try {
      client = await connect();
    } catch (error) {
      throw isOutage(error) ? new MetadataStoreUnavailableError('postgres', { cause: error }) : error;
    }
    if (translated.has(client)) return client;
    translated.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = async (...args: unknown[]) => {
      try {
        return await query(...args);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === '53100') throw new MetadataStoreFullError('postgres', { cause: error });
        throw isOutage(error) ? new MetadataStoreUnavailableError('postgres', { cause: error }) : error;
      }
    };
    return client;
  };
  return Object.assign(Object.create(pool) as pg.Pool, { connect: wrapped, end: () => pool.end() });
}
