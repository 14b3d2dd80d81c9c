/**
 * The metadata database a config asks for: PostgreSQL when `database.url` is set, else the
 * embedded SQLite file. Every composition root (serve, the admin CLI, gc) opens it here, so all
 * of them use the same database with the same settings.
 *
 * For PostgreSQL the first connection is made here, before migrations, so an unreachable server
 * or a refused login ends start-up with one line naming the server (never the password) and what
 * to check, rather than a migration failure with a stack.
 *
 * The PostgreSQL adapter (and node-postgres under it, ~15 MB resident) is imported only when a
 * database.url asks for it; the embedded default never loads it.
 */
import { openSqlite, type SqliteStores } from '../adapters/metadata/sqlite-database.js';
import type { BerthConfig } from '../config/config.js';
import { InvalidInputError } from '../core/errors.js';

export type MetadataStores = SqliteStores;

export interface OpenOptions {
  /** SQLite only; see sqlite-database.ts. */
  synchronous?: 'full' | 'normal';
  now?: () => Date;
}

export async function openMetadataDatabase(config: BerthConfig, options: OpenOptions = {}): Promise<MetadataStores> {
  const { url } = config.database;
  if (url === undefined) return openSqlite({ path: config.metadata.sqlite.path, synchronous: options.synchronous, now: options.now });
  const { openPostgres } = await import('../adapters/metadata/postgres-database.js');
  const stores = openPostgres({
    url,
    poolSize: config.database.poolSize,
    statementTimeoutMs: Math.round(config.database.statementTimeoutSeconds * 1000),
    connectTimeoutMs: Math.round(config.database.connectTimeoutSeconds * 1000),
    now: options.now,
  });
  try {
    await stores.metadata.ping();
  } catch (error) {
    await stores.close().catch(() => undefined);
    throw new InvalidInputError(describeDatabaseFailure(error, url), undefined, { cause: error });
  }
  return stores;
}

/** The URL without its password (and without query parameters, which may carry one too). */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return 'the configured database.url';
  }
}

/** One line saying why the database could not be reached and what to check. */
export function describeDatabaseFailure(error: unknown, url: string): string {
  const where = `cannot connect to the metadata database ${redactDatabaseUrl(url)}`;
  const cause = rootCause(error);
  const code = (cause as { code?: unknown }).code;
  const hint = 'check database.url (BERTH_DATABASE_URL)';
  switch (code) {
    case 'ECONNREFUSED':
      return `${where}: nothing listens there (is PostgreSQL running?); ${hint}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: the host name does not resolve; ${hint}`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where}: the server does not answer (${code}); check the address and firewalls, or ${hint}`;
    case '28P01':
    case '28000':
      return `${where}: PostgreSQL refused the login (${code}: ${(cause as Error).message}); check the user and password in database.url (BERTH_DATABASE_URL) and pg_hba.conf`;
    case '3D000':
      return `${where}: the database does not exist; create it (createdb) or ${hint}`;
    case '57P03':
      return `${where}: PostgreSQL is starting up or shutting down; try again shortly`;
    default: {
      const message = (cause as Error).message ?? String(cause);
      // node-postgres says "timeout exceeded when trying to connect" without a code.
      if (/timeout/i.test(message)) return `${where}: no connection within database.connecttimeout; check the address, or ${hint}`;
      return `${where}: ${message.split('\n')[0]}`;
    }
  }
}

/** The innermost error: node-postgres reports a multi-address refusal as an AggregateError. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    else if ((current as { code?: unknown }).code === undefined && (current as { cause?: unknown }).cause !== undefined) {
      current = (current as { cause: unknown }).cause;
    } else break;
  }
  return current;
}
