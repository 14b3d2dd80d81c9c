/**
 * The pool survives the server ending its connections (a PostgreSQL restart, as the scale-out
 * fault test does it, here made exact with pg_terminate_backend) whether the client was idle
 * or checked out between two statements: before, the second case ended the whole process
 * with an unhandled 'error' event, once in three fault-test runs under load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openPool } from './postgres-database.js';
import { createScratchDatabase, type ScratchDatabase } from './testing/postgres-scratch.js';

let scratch: ScratchDatabase;
let admin: pg.Client;

before(async () => {
  scratch = await createScratchDatabase('pool');
  admin = new pg.Client({ connectionString: scratch.url });
  await admin.connect();
});

after(async () => {
  await admin?.end();
  await scratch?.drop();
});

/** Ends the server side of the connection `pid`, and waits until the client has heard. */
async function terminate(pid: number, heard: Promise<unknown>): Promise<void> {
  const { rows } = await admin.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [pid]);
  assert.equal(rows[0]?.ok, true);
  await heard;
}

describe('postgres pool: connections the server ends', () => {
  test('a client checked out between two statements loses its connection: that statement fails, the process goes on, the pool serves again', async () => {
    const pool = openPool({ url: scratch.url, poolSize: 2 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      const heard = new Promise((resolve) => client.once('end', resolve));
      await terminate(rows[0]!.pid, heard);
      await assert.rejects(client.query('select 1'), 'the next statement on the lost connection fails');
      client.release();
      assert.deepEqual(uncaught, [], 'no error escaped to the process');
      const again = await pool.query<{ one: number }>('select 1 as one');
      assert.equal(again.rows[0]?.one, 1, 'the pool opens a new connection');
      const { rows: after } = await pool.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name = 'berth' and datname = current_database()");
      assert.ok((after[0]?.n ?? 0) <= 2, 'the dead client was not kept');
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });

  test('an idle client losing its connection is dropped quietly and the next query reconnects', async () => {
    const pool = openPool({ url: scratch.url, poolSize: 1 });
    try {
      const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      const dropped = new Promise((resolve) => pool.once('error', resolve));
      await terminate(rows[0]!.pid, dropped);
      const { rows: next } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      assert.notEqual(next[0]?.pid, rows[0]?.pid);
    } finally {
      await pool.end();
    }
  });
});
