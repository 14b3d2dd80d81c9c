import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openPostgres } from './postgres-database.js';
import { openSqlite, type SqliteStores } from './sqlite-database.js';
import { createScratchDatabase } from './testing/postgres-scratch.js';

async function open(kind: 'sqlite' | 'postgres'): Promise<{ stores: SqliteStores; close(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'berth-webhooks-'));
    const stores = openSqlite({ path: join(dir, 'berth.db') });
    await stores.metadata.migrate();
    return { stores, close: async () => (await stores.close(), await rm(dir, { recursive: true, force: true })) };
  }
  const database = await createScratchDatabase('webhooks');
  const stores = openPostgres({ url: database.url, poolSize: 2 });
  await stores.metadata.migrate();
  return {
    stores,
    close: async () => {
      try {
        await stores.close();
      } finally {
        await database.drop();
      }
    },
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`webhooks on ${kind}: create, list per project, update, remove`, async () => {
    const { stores, close } = await open(kind);
    try {
      const store = stores.shared.webhooks;
      const a = await store.create({ project: 'team', url: 'https://a.example/', events: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'], sealedSecret: 'v1.x.y', enabled: true, createdAt: 1000 });
      const b = await store.create({ project: 'other', url: 'https://b.example/', events: ['PULL_ARTIFACT'], sealedSecret: 'v1.z.w', enabled: false, createdAt: 2000 });
      assert.ok(b.id > a.id);
      assert.deepEqual(await store.list('team'), [a]);
      assert.deepEqual((await store.list()).map((w) => w.id), [a.id, b.id]);
      assert.equal(await store.get('other', a.id), undefined, "another project's id is not found");
      assert.equal(await store.update('other', a.id, { enabled: false }), false);
      assert.equal(await store.update('team', a.id, { url: 'https://c.example/', events: ['QUOTA_EXCEED'], sealedSecret: 'v1.n.n', enabled: false }), true);
      assert.deepEqual(await store.get('team', a.id), { ...a, url: 'https://c.example/', events: ['QUOTA_EXCEED'], sealedSecret: 'v1.n.n', enabled: false });
      assert.equal(await store.remove('other', a.id), false);
      assert.equal(await store.remove('team', a.id), true);
      assert.deepEqual(await store.list('team'), []);
    } finally {
      await close();
    }
  });
}
