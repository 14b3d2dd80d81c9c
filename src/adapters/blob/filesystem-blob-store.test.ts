import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { blobStoreConformance } from '../../ports/testing/blob-store-suite.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';

blobStoreConformance('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-blob-'));
  const store = new FilesystemBlobStore({ root });
  return {
    store,
    // Every file anywhere under the root: staging, stray temporaries and committed blobs.
    // Empty shard directories are expected to stay and are not counted.
    leftovers: async () => {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.filter((entry) => !entry.isDirectory()).map((entry) => relative(root, join(entry.path, entry.name)));
    },
    teardown: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
