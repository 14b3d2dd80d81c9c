// Statements compiled once must bind each call's arguments where the builder put them, keep the
// builder's own constants, and refuse a builder whose arguments do not reach the SQL unchanged.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { compiledPerDialect, compiledPerListLength } from './prepared-query.js';

interface Db {
  items: { name: string; kind: string; size: number };
}

async function database(): Promise<Kysely<Db>> {
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new Sqlite(':memory:') }) });
  await sql`create table items (name text primary key, kind text not null, size integer not null)`.execute(db);
  return db;
}

const dialect = { name: 'sqlite' };

test('a compiled insert binds new arguments on every call and keeps its own constants', async () => {
  const db = await database();
  const insert = compiledPerDialect(
    (ex: Kysely<Db>, _d: object, name: string, size: number) => ex.insertInto('items').values({ name, kind: 'fixed', size }),
    ['\0name', -1],
  );
  await insert(db, dialect, 'a', 10);
  await insert(db, dialect, 'b', 20);
  await db.transaction().execute(async (trx) => {
    await insert(trx, dialect, 'c', 30);
  });
  const rows = await db.selectFrom('items').selectAll().orderBy('name').execute();
  assert.deepEqual(rows, [
    { name: 'a', kind: 'fixed', size: 10 },
    { name: 'b', kind: 'fixed', size: 20 },
    { name: 'c', kind: 'fixed', size: 30 },
  ]);
  await db.destroy();
});

test('a builder that changes an argument before it reaches the SQL is refused on first use', async () => {
  const db = await database();
  const insert = compiledPerDialect(
    (ex: Kysely<Db>, _d: object, name: string) => ex.insertInto('items').values({ name: name.toUpperCase(), kind: 'k', size: 1 }),
    ['\0name'],
  );
  await assert.rejects(() => insert(db, dialect, 'a'), /argument 0 is not a parameter/);
  assert.deepEqual(await db.selectFrom('items').selectAll().execute(), [], 'nothing was written with the sample');
  await db.destroy();
});

test('IN lists of every length answer for their own values, compiled or not', async () => {
  const db = await database();
  const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
  await db.insertInto('items').values(names.map((name, i) => ({ name, kind: i % 2 === 0 ? 'even' : 'odd', size: i }))).execute();
  const select = compiledPerListLength(
    (ex: Kysely<Db>, _d: object, wanted: readonly string[], kind: string) =>
      ex.selectFrom('items').select('name').where('kind', '=', kind).where('name', 'in', wanted).orderBy('size'),
    ['\0kind'],
  );
  for (const length of [1, 2, 3, 16, 17, 40]) {
    for (const offset of [0, 1]) {
      const wanted = names.slice(offset, offset + length);
      const { rows } = await select(db, dialect, wanted, 'odd');
      assert.deepEqual(
        rows.map((r) => r.name),
        wanted.filter((n) => Number(n.slice(1)) % 2 === 1),
        `length ${length}, offset ${offset}`,
      );
    }
  }
  await db.destroy();
});
