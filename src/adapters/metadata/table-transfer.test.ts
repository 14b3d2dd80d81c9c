import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openSqlite } from './sqlite-database.js';
import { TABLE_PLAN } from './table-transfer.js';

describe('table transfer plan', () => {
  it('names every table the migrations create, and no other (a new table must say whether it travels)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-plan-'));
    const path = join(root, 'berth.db');
    try {
      const stores = openSqlite({ path, synchronous: 'normal' });
      await stores.metadata.migrate();
      await stores.close();
      const catalogue = new BetterSqlite3(path, { readonly: true });
      const names = (catalogue.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
      catalogue.close();
      const own = names.filter((name) => !name.startsWith('berth_migration') && name !== 'sqlite_sequence').sort();
      assert.deepEqual(own, Object.keys(TABLE_PLAN).sort());
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
