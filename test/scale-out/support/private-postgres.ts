/**
 * A throwaway PostgreSQL cluster for fault tests that restart the database: Debian's own
 * binaries (/usr/lib/postgresql/15/bin) run as the postgres user, on a free loopback port and
 * a socket directory of its own, trust auth, removed afterwards. The machine's shared server on
 * 5432 carries other tests and is never touched.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/registry-process.js';

const run = promisify(execFile);
export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  url: string;
  port: number;
  /** pg_ctl restart -m fast: every connection is ended, as a failover or an upgrade would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { maxBuffer: 4 * 1024 * 1024 });
  return stdout;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-pg-'));
  const ids = await run('id', ['-u', 'postgres']);
  const gids = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  const data = join(dir, 'data');
  const port = await freePort();
  const pgctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', ...args]);
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await pgctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`, 'start');
    await asPostgres('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'berth']);
  } catch (error) {
    await pgctl('-m', 'immediate', 'stop').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/berth`,
    port,
    restart: async () => void (await pgctl('-m', 'fast', 'restart')),
    async stop() {
      try {
        await pgctl('-m', 'immediate', 'stop');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
