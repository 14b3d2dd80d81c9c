// Migration 0022 made the upload session indexes on digest and account partial (rows without
// one are left out, which spares WAL pages on every push). These check, on SQLite, that the rows
// a push writes without them stay out, and that the lookups that need the indexes still use them.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqlite, type SqliteStores } from './sqlite-database.js';

describe('partial upload indexes (SQLite)', () => {
  let dir: string;
  let stores: SqliteStores;
  let raw: Database.Database;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-upload-indexes-'));
    stores = openSqlite({ path: join(dir, 'berth.db'), synchronous: 'normal' });
    await stores.metadata.migrate();
    raw = new Database(join(dir, 'berth.db'));
  });
  after(async () => {
    raw.close();
    await stores.close();
    await rm(dir, { recursive: true, force: true });
  });

  const plan = (text: string, ...args: string[]): string =>
    (raw.prepare(`explain query plan ${text}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
  const entries = (index: string): number =>
    (raw.prepare(`select count(*) as n from uploads indexed by ${index} where ${index.slice('uploads_'.length)} is not null`).get() as { n: number }).n;

  test('a new anonymous session is in neither index; a claim and an account put it in', async () => {
    const now = new Date();
    await stores.metadata.createUpload({ id: 'anon', repository: 'p/r', size: 0, createdAt: now, updatedAt: now });
    await stores.metadata.createUpload({ id: 'owned', repository: 'p/r', account: 'alice', size: 0, createdAt: now, updatedAt: now });
    assert.equal(entries('uploads_digest'), 0);
    assert.equal(entries('uploads_account'), 1);
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(await stores.metadata.claimUpload('anon', digest), true);
    assert.equal(entries('uploads_digest'), 1);
    assert.deepEqual((await stores.metadata.uploadTotals({ account: 'alice' })).sessions, 1);
    assert.ok(await stores.metadata.deleteUpload('anon'));
    assert.ok(await stores.metadata.deleteUpload('owned'));
  });

  test("the collector's claim lookups and the per-account cap still search the indexes", () => {
    assert.match(plan('select distinct "digest" from "uploads" where "digest" in (?, ?)', 'a', 'b'), /USING COVERING INDEX uploads_digest/);
    assert.match(
      plan('select "digest" from "blobs" where exists (select "id" from "uploads" where "uploads"."digest" = "blobs"."digest")'),
      /SEARCH uploads (EXISTS )?USING (COVERING )?INDEX uploads_digest/,
    );
    assert.match(plan('select count(*) as "sessions", sum("size") as "staged" from "uploads" where "account" = ?', 'x'), /USING INDEX uploads_account/);
  });
});
