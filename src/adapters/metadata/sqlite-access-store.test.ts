import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { accessStoreConformance } from '../../ports/testing/access-store-suite.js';
import { openSqlite } from './sqlite-database.js';

accessStoreConformance('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-access-'));
  const stores = openSqlite({ path: join(dir, 'nested', 'berth.db') });
  return {
    store: stores.access,
    teardown: async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

test('openSqlite: both stores share one database; close is once, however often called', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-pair-'));
  try {
    const path = join(dir, 'berth.db');
    const first = openSqlite({ path });
    // Either store brings the whole schema up to date.
    await first.access.migrate();
    await first.metadata.recordBlob(`sha256:${'a'.repeat(64)}`, 3);
    await first.access.createProject({ name: 'team', visibility: 'public', createdAt: new Date(1) });
    await first.metadata.migrate();
    await Promise.all([first.close(), first.close()]);
    await first.close();
    await first.metadata.close();

    const again = openSqlite({ path });
    assert.deepEqual(await again.metadata.blob(`sha256:${'a'.repeat(64)}`), { size: 3 });
    assert.equal((await again.access.project('team'))?.visibility, 'public');
    await again.close();

    // Closing before any query must still release the file.
    await openSqlite({ path }).close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
