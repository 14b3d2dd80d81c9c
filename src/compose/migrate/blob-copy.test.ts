import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FilesystemBlobStore } from '../../adapters/blob/filesystem-blob-store.js';
import { FilesystemLayout } from '../../adapters/blob/filesystem-paths.js';
import { copyBlob, verifyAt } from './blob-copy.js';

async function put(store: FilesystemBlobStore, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await store.createUpload('seed');
  await store.appendUpload('seed', 0, Readable.from([bytes]));
  await store.commitUpload('seed', digest);
  return digest;
}

describe('copyBlob', () => {
  let root: string;
  let source: FilesystemBlobStore;
  let destination: FilesystemBlobStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-blob-copy-'));
    source = new FilesystemBlobStore({ root: join(root, 'a') });
    destination = new FilesystemBlobStore({ root: join(root, 'b') });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('copies a whole blob and counts its bytes', async () => {
    const bytes = randomBytes(70_000);
    const digest = await put(source, bytes);
    let counted = 0;
    assert.equal(await copyBlob(source, destination, digest, bytes.length, { onBytes: (n) => (counted += n) }), 'copied');
    assert.equal(counted, bytes.length);
    assert.equal(await verifyAt(destination, digest, bytes.length), true);
  });

  it('refuses bytes that do not hash to their digest: nothing is published under it', async () => {
    const bytes = randomBytes(5000);
    const digest = await put(source, bytes);
    await writeFile(new FilesystemLayout(join(root, 'a')).blobPath(digest), Buffer.concat([bytes.subarray(0, 4999), Buffer.from('x')]));
    assert.equal(await copyBlob(source, destination, digest, bytes.length), 'corrupt');
    assert.equal(await destination.stat(digest), undefined);
    assert.deepEqual(await destination.listStaging(), [], 'its staging upload is removed');
  });

  it('reports a blob the source lacks', async () => {
    assert.equal(await copyBlob(source, destination, `sha256:${'0'.repeat(64)}`, 1), 'missing');
  });
});
