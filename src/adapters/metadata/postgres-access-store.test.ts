import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessStoreConformance } from '../../ports/testing/access-store-suite.js';
import { openPostgres } from './postgres-database.js';
import { createScratchDatabase } from './testing/postgres-scratch.js';

accessStoreConformance('postgres', async () => {
  const database = await createScratchDatabase('access');
  const stores = openPostgres({ url: database.url, poolSize: 4 });
  return {
    store: stores.access,
    teardown: async () => {
      try {
        await stores.close();
      } finally {
        await database.drop();
      }
    },
  };
});

test('openPostgres: both stores share one database; close is once, however often called', async () => {
  const database = await createScratchDatabase('pair');
  try {
    const first = openPostgres({ url: database.url });
    await first.access.migrate();
    await first.metadata.recordBlob(`sha256:${'a'.repeat(64)}`, 3);
    await first.access.createProject({ name: 'team', visibility: 'public', createdAt: new Date(1) });
    await first.metadata.migrate();
    await Promise.all([first.close(), first.close()]);
    await first.close();
    await first.metadata.close();

    const again = openPostgres({ url: database.url });
    // Sizes come back as numbers, as on SQLite, not as node-postgres's int8 strings.
    assert.deepEqual(await again.metadata.blob(`sha256:${'a'.repeat(64)}`), { size: 3 });
    assert.equal((await again.access.project('team'))?.visibility, 'public');
    await again.close();

    await openPostgres({ url: database.url }).close();
  } finally {
    await database.drop();
  }
});
