import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyStoreConformance } from '../../ports/testing/policy-store-suite.js';
import { openSqlite } from './sqlite-database.js';

policyStoreConformance('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-policy-'));
  const stores = openSqlite({ path: join(dir, 'berth.db') });
  // The policy store has no migrate() of its own: the shared schema comes with the others'.
  await stores.metadata.migrate();
  return {
    store: stores.policies,
    teardown: async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
