/**
 * The embedded default: one better-sqlite3 connection serving the Kysely stores
 * (MetadataStore, AccessStore and PolicyStore), which share one file, one schema and one migration list.
 *
 * Durability: WAL, with synchronous=FULL by default. In WAL mode NORMAL already survives a
 * killed process (a commit is in the WAL, in the OS page cache) but may roll back the last
 * commits on power loss or an OS crash. A registry answers 201 to a manifest PUT right after
 * the commit, and the blob store fsyncs its blobs, so NORMAL could lose a push the client was
 * told succeeded. FULL costs one WAL fsync per write transaction — paid on pushes, never on
 * pulls — and is what makes "committed" mean "on disk". `synchronous: 'normal'` remains for
 * throw-away or benchmark setups that accept that risk.
 *
 * Kysely's SqliteDialect serializes every query and transaction on the one connection; with
 * better-sqlite3 being synchronous, that is also the fastest shape for SQLite, and one
 * connection for both stores means SQLite's single-writer lock is never contended between
 * them. Prepared statements are cached by SQL text, since Kysely re-prepares on every query
 * and parsing would otherwise dominate the cost of a primary-key lookup such as manifestByTag.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { KyselyAccessStore } from './kysely-access-store.js';
import { KyselyMetadataStore } from './kysely-metadata-store.js';
import { KyselyProxyStore } from './kysely-proxy-store.js';
import { KyselyPolicyStore } from './kysely-policy-store.js';
import { sharedStateStores, type SharedStateStores } from './shared-state.js';
import { MetadataStoreFullError } from '../../ports/metadata-store.js';
import { sqliteMetadataDialect } from './migrations.js';
import type { Database } from './schema.js';
import { tableTransfer, type TableTransfer } from './table-transfer.js';
import { PLUCK_MARKER } from './single-column.js';

export interface SqliteOptions {
  /** Database file, or ':memory:'. Its directory is created if missing. */
  path: string;
  /** See the file comment; 'full' unless you accept losing acknowledged writes on power loss. */
  synchronous?: 'full' | 'normal';
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** The metadata store's clock (the access store takes every time from its callers). */
  now?: () => Date;
}

export interface SqliteStores {
  metadata: KyselyMetadataStore;
  access: KyselyAccessStore;
  /** Per-project write policies; migrated by either store's `migrate()`. */
  policies: KyselyPolicyStore;
  /** Whole-database export and import, for `berth migrate`. */
  transfer: TableTransfer;
  /** Proxy projects and their tags' freshness; migrated by either store's `migrate()`. */
  proxies: KyselyProxyStore;
  /** What several instances on one database share (migration 0018; used on PostgreSQL). */
  shared: SharedStateStores;
  /**
   * Closes the shared connection, once however often it is called. `metadata.close()` closes
   * it too (for callers that only know the metadata store); both together are harmless.
   */
  close(): Promise<void>;
}

/** Opens (creating if needed) the database. Call `migrate()` on either store before use. */
export function openSqlite(options: SqliteOptions): SqliteStores {
  const sqlite = openConnection(options);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  let closing: Promise<void> | undefined;
  return {
    metadata: new KyselyMetadataStore(db, { dialect: sqliteMetadataDialect, now: options.now }),
    access: new KyselyAccessStore(db, { dialect: sqliteMetadataDialect }),
    policies: new KyselyPolicyStore(db, { now: options.now }),
    transfer: tableTransfer(db, sqliteMetadataDialect),
    proxies: new KyselyProxyStore(db, { now: options.now }),
    shared: sharedStateStores(db),
    close() {
      closing ??= (async () => {
        await db.destroy();
        // Kysely opens its driver lazily and destroys nothing if no query ever ran.
        if (sqlite.open) sqlite.close();
      })();
      return closing;
    },
  };
}

/**
 * Whether another process holds the database file open (a serving registry keeps its
 * connection for its whole life). In WAL mode every open connection holds a shared lock on the
 * -shm file, so an exclusive lock is granted only to a sole user. Call it before this process
 * opens the file itself; a missing file is not in use.
 */
export function sqliteFileInUse(path: string): boolean {
  if (path === ':memory:' || path === '') return false;
  try {
    statSync(path);
  } catch {
    return false;
  }
  const probe = new BetterSqlite3(path, { timeout: 0 });
  try {
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('begin exclusive');
    probe.exec('commit');
    return false;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}

function openConnection(options: SqliteOptions): BetterSqlite3.Database {
  if (options.path !== ':memory:' && options.path !== '') {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  }
  const sqlite = new BetterSqlite3(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    // Password hashes and the audit log live here. SQLite creates its -wal and -shm files with
    // the database file's mode, so making the database private first covers all three; files
    // an older version left readable are tightened too.
    keepPrivate(options.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    // Off by default in SQLite; PostgreSQL always enforces them, and the stores rely on them.
    sqlite.pragma('foreign_keys = ON');
    keepPrivate(`${options.path}-wal`);
    keepPrivate(`${options.path}-shm`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return sqlite;
}

/** Makes `path` readable and writable by its owner only, if it exists and is looser. */
function keepPrivate(path: string): void {
  if (path === ':memory:' || path === '' || path.startsWith(':memory:-')) return;
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Beyond this many distinct SQL texts (IN lists of varying length) the oldest are dropped. */
const STATEMENT_CACHE_SIZE = 256;

function cachingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement & { readonly busy: boolean }>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      // Kysely opens transactions with a plain (deferred) BEGIN. A deferred transaction that
      // reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another process
      // (`berth gc` beside `berth serve`) committed in between: the busy timeout cannot help,
      // since waiting would not make its snapshot current. BEGIN IMMEDIATE takes the write lock
      // first, waiting up to the busy timeout, so the transaction always sees the latest data.
      const text = sql === 'begin' ? 'begin immediate' : sql;
      const cached = cache.get(text);
      // A statement still being iterated (Kysely's streamQuery) cannot be re-run.
      if (cached !== undefined && !cached.busy) {
        // Map order is insertion order: re-inserting keeps it least-recently-used first.
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      // SQLite ends a transaction by itself on some errors (SQLITE_FULL among them); Kysely's
      // rollback would then fail and hide the error that matters, so it is skipped.
      if (text === 'rollback' && !sqlite.inTransaction) return NO_TRANSACTION;
      const prepared = sqlite.prepare(text);
      const statement = translatingFull(text.startsWith(PLUCK_MARKER) ? prepared.pluck() : prepared);
      if (cached === undefined) {
        cache.set(text, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
      }
      return statement;
    },
  };
}

/**
 * A full disk reaches SQLite as SQLITE_FULL (the transaction is rolled back): it becomes the
 * port's MetadataStoreFullError, so the client hears "storage full" rather than a bare 500.
 */
function translatingFull(statement: BetterSqlite3.Statement): SqliteStatement & { readonly busy: boolean } {
  return {
    reader: statement.reader,
    get busy() {
      return statement.busy;
    },
    all(parameters) {
      try {
        return statement.all(parameters);
      } catch (error) {
        throw fullOr(error);
      }
    },
    run(parameters) {
      try {
        return statement.run(parameters);
      } catch (error) {
        throw fullOr(error);
      }
    },
    iterate(parameters) {
      try {
        return statement.iterate(parameters);
      } catch (error) {
        throw fullOr(error);
      }
    },
  };
}

const NO_TRANSACTION: SqliteStatement & { readonly busy: boolean } = {
  reader: false,
  busy: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

function fullOr(error: unknown): unknown {
  return (error as { code?: unknown }).code === 'SQLITE_FULL' ? new MetadataStoreFullError('sqlite', { cause: error }) : error;
}
