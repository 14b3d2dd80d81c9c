import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metadataStoreConformance } from '../../ports/testing/metadata-store-suite.js';
import { createSqliteMetadataStore } from './sqlite-metadata-store.js';

metadataStoreConformance('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-'));
  // A missing parent directory is part of what the factory handles.
  const store = createSqliteMetadataStore({ path: join(dir, 'nested', 'berth.db') });
  return {
    store,
    teardown: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
