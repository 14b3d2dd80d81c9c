// Migration 0005 fills the usage counters from what an older database already holds; what it
// writes must equal what the writes keep from then on, and what a recount computes.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { backfillUsage } from './migrations.js';
import { openSqlite } from './sqlite-database.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

test('the 0005 backfill computes the same usage the writes keep', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-backfill-'));
  const path = join(dir, 'berth.db');
  try {
    const stores = openSqlite({ path });
    const { metadata } = stores;
    await metadata.migrate();
    const sizes = [100, 200, 300];
    for (const [i, size] of sizes.entries()) await metadata.recordBlob(digest(i + 1), size);
    const images: Array<[string, number, number[]]> = [
      ['p/a', 11, [1, 2]],
      ['p/b', 12, [2, 3]],
      ['p/b', 13, [3]],
      ['q', 14, [1]],
    ];
    for (const [repository, id, blobs] of images) {
      for (const b of blobs) await metadata.linkBlob(repository, digest(b));
      const body = Buffer.from(`manifest ${id}`);
      await metadata.putManifest(
        { repository, digest: digest(id), mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: undefined, subject: undefined, body, annotations: undefined, createdAt: new Date() },
        { blobs: blobs.map(digest), manifests: [] },
        'latest',
      );
    }
    const kept = await metadata.projectUsage();
    assert.deepEqual(kept, await metadata.recountProjectUsage());
    const manifestBytes = (ids: number[]) => ids.reduce((n, id) => n + Buffer.byteLength(`manifest ${id}`), 0);
    assert.deepEqual(kept, [
      { project: 'p', blobs: 3, blobBytes: 600, manifests: 3, manifestBytes: manifestBytes([11, 12, 13]) },
      { project: 'q', blobs: 1, blobBytes: 100, manifests: 1, manifestBytes: manifestBytes([14]) },
    ]);
    await stores.close();

    // As a database from before 0005 would be: references, no counters.
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Sqlite(path) }) });
    await (db as Kysely<{ project_blobs: object; project_usage: object }>).deleteFrom('project_blobs').execute();
    await (db as Kysely<{ project_blobs: object; project_usage: object }>).deleteFrom('project_usage').execute();
    await backfillUsage(db);
    await db.destroy();

    const reopened = openSqlite({ path });
    try {
      await reopened.metadata.migrate();
      assert.deepEqual(await reopened.metadata.projectUsage(), kept);
      // The refcounts came back too: deleting one of two references to blob 2 keeps it counted.
      assert.equal(await reopened.metadata.deleteManifest('p/a', digest(11)), true);
      assert.deepEqual(await reopened.metadata.projectUsage('p'), [
        { project: 'p', blobs: 2, blobBytes: 500, manifests: 2, manifestBytes: manifestBytes([12, 13]) },
      ]);
      assert.deepEqual(await reopened.metadata.projectUsage('p'), await reopened.metadata.recountProjectUsage('p'));
    } finally {
      await reopened.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
