import { policyStoreConformance } from '../../ports/testing/policy-store-suite.js';
import { openPostgres } from './postgres-database.js';
import { createScratchDatabase } from './testing/postgres-scratch.js';

policyStoreConformance('postgres', async () => {
  const database = await createScratchDatabase('policy');
  const stores = openPostgres({ url: database.url, poolSize: 4 });
  try {
    // The policy store has no migrate() of its own: the shared schema comes with the others'.
    await stores.metadata.migrate();
  } catch (error) {
    await stores.close();
    await database.drop();
    throw error;
  }
  return {
    store: stores.policies,
    teardown: async () => {
      try {
        await stores.close();
      } finally {
        await database.drop();
      }
    },
  };
});
