/**
 * The metadata store alone on its own SQLite connection, for callers that need nothing else.
 * Durability and connection handling are described in sqlite-database.ts; a process that also
 * needs the AccessStore should use `openSqlite` there, so both share one connection.
 */
import type { KyselyMetadataStore } from './kysely-metadata-store.js';
import { openSqlite, type SqliteOptions } from './sqlite-database.js';

export type SqliteMetadataStoreOptions = SqliteOptions;

/** Opens (creating if needed) the database. Call `migrate()` before use; `close()` closes it. */
export function createSqliteMetadataStore(options: SqliteMetadataStoreOptions): KyselyMetadataStore {
  return openSqlite(options).metadata;
}
