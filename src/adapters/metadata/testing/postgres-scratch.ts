/**
 * Throw-away PostgreSQL databases for tests: each call creates a uniquely named database on the
 * test server (127.0.0.1:5432 with trust auth unless BERTH_TEST_POSTGRES_URL says otherwise) and
 * returns its URL and a drop() that removes it, connections and all.
 *
 * A run that dies before its drop() (kill -9, a crashed runner) would leave its database behind,
 * so every creation first drops the scratch databases whose creating process no longer runs:
 * names carry the creator's pid and this host's boot, which is enough to tell on one machine
 * (the sweep runs only against a server on loopback, which no other machine's runs share).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface ScratchDatabase {
  /** postgres:// URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it; harmless to call twice. */
  drop(): Promise<void>;
}

const PREFIX = 'berth_test_';

/** The maintenance database URL; `postgres` unless the environment names a user. */
export function adminUrl(): string {
  const configured = process.env.BERTH_TEST_POSTGRES_URL;
  if (configured !== undefined && configured !== '') return configured;
  const user = process.env.PGUSER ?? 'postgres';
  return `postgres://${encodeURIComponent(user)}@127.0.0.1:5432/postgres`;
}

export async function createScratchDatabase(label = 'db'): Promise<ScratchDatabase> {
  const boot = bootTag();
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16) || 'db';
  const name = `${PREFIX}${boot}_${process.pid}_${safeLabel}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (client) => {
    if (isLoopback(adminUrl())) await sweepOrphans(client, boot);
    await client.query(`create database "${name}"`);
  });
  let dropped: Promise<void> | undefined;
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop() {
      dropped ??= withAdmin(async (client) => {
        await client.query(`drop database if exists "${name}" with (force)`);
      });
      return dropped;
    },
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function sweepOrphans(client: pg.Client, boot: string): Promise<void> {
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${PREFIX}%`]);
  for (const { datname } of rows) {
    const [rowBoot, pid] = datname.slice(PREFIX.length).split('_');
    // Another boot's database cannot have a live creator; this boot's only if its pid is gone.
    if (rowBoot === boot && alive(Number(pid))) continue;
    await client.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
  }
}

/** Only a server on this machine is known to be used by this machine's test runs alone. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '';
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bootTag(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 8);
  } catch {
    return 'noboot';
  }
}
