/**
 * Whole-database export and import for `berth migrate`: every row of every table that makes a
 * registry what it is, read from one consistent snapshot of the source and written into the
 * destination in one transaction.
 *
 * One definition of the tables: TABLE_PLAN is keyed by schema.ts's `Database`, so a table added
 * there and forgotten here does not compile, and each entry names only its primary key (typed
 * against the row, for paging and order). The columns themselves are never listed: rows are
 * read with `select *` and written back as they came, so a column a migration adds travels
 * without anyone touching this file. Both databases run the same migrations first, so the
 * columns agree.
 *
 * Replace, not merge: the destination's copied tables are emptied and refilled in the same
 * transaction. An interrupted import therefore leaves the destination as it was (PostgreSQL and
 * SQLite both roll back), a re-run is idempotent, and a final pass after an online copy picks
 * up updates and deletes as well as inserts. The cost — re-reading all metadata on every run —
 * is small next to the blobs, which are what a resumed run really skips.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { MetadataDialect } from './migrations.js';
import type { Database } from './schema.js';

export type TableName = keyof Database;

type TablePlan<T extends TableName> =
  | { readonly copy: true; readonly key: readonly (keyof Database[T] & string)[] }
  | { readonly copy: false; readonly why: string };

/**
 * Every table, in insertion order: parents before the children whose foreign keys name them
 * (deletes run in the reverse order).
 */
export const TABLE_PLAN: { readonly [T in TableName]: TablePlan<T> } = {
  users: { copy: true, key: ['name'] },
  projects: { copy: true, key: ['name'] },
  project_members: { copy: true, key: ['project', 'user_name'] },
  robots: { copy: true, key: ['name'] },
  personal_tokens: { copy: true, key: ['id'] },
  refresh_tokens: { copy: true, key: ['id'] },
  sessions: { copy: true, key: ['id_hash'] },
  project_policies: { copy: true, key: ['project'] },
  // The upstream password stays encrypted: `berth migrate` carries the key file beside the signing key.
  proxy_projects: { copy: true, key: ['project'] },
  group_projects: { copy: true, key: ['project'] },
  project_mirrors: { copy: true, key: ['host'] },
  settings: { copy: true, key: ['key'] },
  repositories: { copy: true, key: ['name'] },
  blobs: { copy: true, key: ['digest'] },
  repository_blobs: { copy: true, key: ['repository', 'digest'] },
  manifests: { copy: true, key: ['repository', 'digest'] },
  manifest_blob_refs: { copy: true, key: ['repository', 'manifest', 'blob'] },
  manifest_manifest_refs: { copy: true, key: ['repository', 'parent', 'child'] },
  tags: { copy: true, key: ['repository', 'name'] },
  deleted_tags: { copy: true, key: ['repository', 'name'] },
  proxy_tag_checks: { copy: true, key: ['repository', 'tag'] },
  stars: { copy: true, key: ['repository', 'user_name'] },
  project_blobs: { copy: true, key: ['project', 'digest'] },
  project_usage: { copy: true, key: ['project'] },
  gc_candidates: { copy: true, key: ['kind', 'repository', 'digest'] },
  gc_interruptions: { copy: true, key: ['holder'] },
  audit_log: { copy: true, key: ['id'] },
  uploads: { copy: false, why: 'unfinished uploads own staging bytes that are not copied; their clients push again' },
  gc_lease: { copy: false, why: "a collector's lease belongs to a process on the source" },
  gc_reports: { copy: false, why: 'the last collection ran on the source; none has run on the destination yet' },
  // The key a database-backed registry signs with; a source on SQLite keeps it in a file instead,
  // which is copied beside (the destination's first start seeds this table from it).
  signing_keys: { copy: true, key: ['name'] },
  login_throttle: { copy: false, why: 'failed-login counts expire within minutes' },
  job_runs: { copy: false, why: 'when a scheduled job last ran belongs to the source instances' },
  event_outbox: { copy: false, why: 'undelivered notifications are sent by the source; the destination starts with an empty queue' },
  event_deliveries: { copy: false, why: 'the delivery log describes the source instance' },
  project_webhooks: { copy: true, key: ['id'] },
  upload_locks: { copy: false, why: 'upload writers hold them for seconds, and uploads are not copied' },
};

export const COPIED_TABLES: readonly TableName[] = (Object.keys(TABLE_PLAN) as TableName[]).filter((t) => TABLE_PLAN[t].copy);

function keyOf(table: TableName): readonly string[] {
  const plan = TABLE_PLAN[table];
  if (!plan.copy) throw new Error(`${table} is not copied`);
  return plan.key;
}

export type Row = Record<string, unknown>;

export interface BlobRow {
  digest: string;
  size: number;
  /** Set when a collector was deleting the blob: its bytes may be gone, and need not travel. */
  deleting: boolean;
}

/** Reads from one snapshot: what it returns never mixes two moments of a live source. */
export interface SnapshotReader {
  count(table: TableName): Promise<number>;
  /** The table's rows in primary-key order, `size` at a time. */
  batches(table: TableName, size?: number): AsyncGenerator<Row[]>;
  blobs(): AsyncGenerator<BlobRow[]>;
}

export interface ImportProgress {
  table: TableName;
  rows: number;
}

export interface TableTransfer {
  readonly dialect: MetadataDialect['name'];
  /** Runs `read` inside one read-only snapshot of this database (writers are never blocked). */
  snapshot<T>(read: (reader: SnapshotReader) => Promise<T>): Promise<T>;
  /** How many repositories and manifests this database holds: whether a registry lives here. */
  contents(): Promise<{ repositories: number; manifests: number }>;
  /**
   * Empties every copied table here and fills it from `source`, in one transaction; resolves to
   * the rows written per table.
   */
  replaceFrom(source: SnapshotReader, onProgress?: (p: ImportProgress) => void): Promise<Map<TableName, number>>;
  /**
   * PostgreSQL: other connections named "berth" (a serving instance, an admin command).
   * SQLite: undefined, since this process's own connection would hide another's; ask
   * sqliteFileInUse() before opening the file instead.
   */
  otherUsers(): Promise<number | undefined>;
}

const BATCH = 200;

type AnyDb = Kysely<Record<string, Row>>;
type Executor = Parameters<RawBuilder<unknown>['execute']>[0];

export function tableTransfer(db: Kysely<Database>, dialect: MetadataDialect): TableTransfer {
  return {
    dialect: dialect.name,
    snapshot: (read) =>
      db.connection().execute(async (connection) => {
        // A plain "begin" becomes BEGIN IMMEDIATE on the SQLite connection (a writer's lock);
        // a deferred one takes a WAL read snapshot at its first select and blocks nobody.
        const begin = dialect.name === 'sqlite' ? 'begin deferred' : 'begin isolation level repeatable read read only';
        await sql.raw(begin).execute(connection);
        try {
          return await read(snapshotReader(connection));
        } finally {
          await sql.raw('commit').execute(connection);
        }
      }),
    async contents() {
      const count = async (table: TableName) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0);
      return { repositories: await count('repositories'), manifests: await count('manifests') };
    },
    replaceFrom: (source, onProgress) =>
      db.transaction().execute(async (trx) => {
        const written = new Map<TableName, number>();
        const tx = trx as unknown as AnyDb;
        for (const table of [...COPIED_TABLES].reverse()) await tx.deleteFrom(table).execute();
        for (const table of COPIED_TABLES) {
          let rows = 0;
          onProgress?.({ table, rows });
          for await (const batch of source.batches(table)) {
            await tx.insertInto(table).values(batch).execute();
            rows += batch.length;
            onProgress?.({ table, rows });
          }
          written.set(table, rows);
        }
        if (dialect.name === 'postgres') {
          // Explicit ids do not advance an identity's sequence: without this the next audit
          // event would collide with a copied one.
          await sql`select setval(pg_get_serial_sequence('audit_log', 'id'), coalesce((select max(id) from audit_log), 0) + 1, false)`.execute(trx);
          await sql`select setval(pg_get_serial_sequence('project_webhooks', 'id'), coalesce((select max(id) from project_webhooks), 0) + 1, false)`.execute(trx);
        }
        return written;
      }),
    async otherUsers() {
      if (dialect.name === 'sqlite') return undefined;
      const result = await sql<{ n: number }>`select count(*) as n from pg_stat_activity
        where datname = current_database() and application_name = 'berth' and pid <> pg_backend_pid()`.execute(db);
      return Number(result.rows[0]?.n ?? 0);
    },
  };
}

function snapshotReader(connection: Executor): SnapshotReader {
  async function* batches(table: TableName, size = BATCH): AsyncGenerator<Row[]> {
    const key = keyOf(table);
    const order = sql.join(key.map((column) => sql.ref(column)));
    let after: unknown[] | undefined;
    for (;;) {
      const where: RawBuilder<unknown> =
        after === undefined ? sql`` : sql`where (${order}) > (${sql.join(after.map((value) => sql`${value}`))})`;
      const { rows } = await sql<Row>`select * from ${sql.table(table)} ${where} order by ${order} limit ${size}`.execute(connection);
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < size) return;
      const last = rows[rows.length - 1]!;
      after = key.map((column) => last[column]);
    }
  }
  return {
    async count(table) {
      const result = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(connection);
      return Number(result.rows[0]?.n ?? 0);
    },
    batches,
    async *blobs() {
      for await (const rows of batches('blobs', 1000)) {
        yield rows.map((row) => ({ digest: String(row.digest), size: Number(row.size), deleting: row.deleting_at !== null && row.deleting_at !== undefined }));
      }
    },
  };
}
