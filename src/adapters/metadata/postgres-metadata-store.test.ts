import { metadataStoreConformance } from '../../ports/testing/metadata-store-suite.js';
import { openPostgres } from './postgres-database.js';
import { createScratchDatabase } from './testing/postgres-scratch.js';

metadataStoreConformance('postgres', async () => {
  const database = await createScratchDatabase('metadata');
  const stores = openPostgres({ url: database.url, poolSize: 4 });
  return {
    store: stores.metadata,
    teardown: async () => {
      try {
        await stores.close();
      } finally {
        await database.drop();
      }
    },
  };
});
