/**
 * Which metadata databases the database-sensitive tests (races, stress, quotas) run on, and a
 * fresh one of each kind for a test. Both by default: SQLite (one connection, transactions one
 * after the other) and PostgreSQL (a pool, transactions side by side), since a race the first
 * cannot have the second can. BERTH_TEST_DATABASES=sqlite (or =postgres) narrows it, e.g. on a
 * machine without PostgreSQL; PostgreSQL is reached as in postgres-scratch.ts.
 */
import { join } from 'node:path';
import { openPostgres } from '../../src/adapters/metadata/postgres-database.js';
import { openSqlite, type SqliteStores } from '../../src/adapters/metadata/sqlite-database.js';
import { createScratchDatabase } from '../../src/adapters/metadata/testing/postgres-scratch.js';
import { stackMode } from './stack-mode.js';

export type DatabaseKind = 'sqlite' | 'postgres';

const KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];

export function databaseKinds(): DatabaseKind[] {
  const wanted = process.env.BERTH_TEST_DATABASES;
  // The stack pass runs every server on its shared PostgreSQL: one round, not one per kind.
  if ((wanted === undefined || wanted.trim() === '') && stackMode()) return ['postgres'];
  if (wanted === undefined || wanted.trim() === '') return [...KINDS];
  const names = wanted.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !KINDS.includes(name as DatabaseKind));
  if (unknown.length > 0) throw new Error(`BERTH_TEST_DATABASES: unknown ${unknown.join(', ')} (known: ${KINDS.join(', ')})`);
  return names as DatabaseKind[];
}

/** A new, empty database: for PostgreSQL its URL (else undefined) and a drop() for after. */
export interface TestDatabase {
  kind: DatabaseKind;
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind, label: string): Promise<TestDatabase> {
  if (kind === 'sqlite') return { kind, url: undefined, drop: async () => undefined };
  const scratch = await createScratchDatabase(label);
  return { kind, url: scratch.url, drop: () => scratch.drop() };
}

/**
 * Stores on a new database of `kind` (SQLite in `root`), migrated; close() also drops a
 * PostgreSQL database, whether or not closing the pool succeeded.
 */
export async function openTestStores(kind: DatabaseKind, root: string, now?: () => Date): Promise<SqliteStores> {
  const database = await createTestDatabase(kind, 'stores');
  const stores =
    database.url === undefined
      ? openSqlite({ path: join(root, 'berth.db'), synchronous: 'normal', now })
      : openPostgres({ url: database.url, poolSize: 10, now });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await stores.close();
      } finally {
        await database.drop();
      }
    })());
  try {
    await stores.metadata.migrate();
  } catch (error) {
    await close();
    throw error;
  }
  return { ...stores, close };
}
