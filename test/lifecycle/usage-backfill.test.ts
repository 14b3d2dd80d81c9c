// Migration 0005 on a registry that already holds data: a database taken back to its 0004
// state (the 0005 tables and columns dropped, the migration unrecorded) is brought up at the
// next start, and the backfilled counters equal what the live counters were and a recount;
// pushes and deletes after it keep them in step (so the backfilled per-blob reference counts
// are right too, not only the totals).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { OCI_INDEX, OCI_MANIFEST, descriptorOf, indexManifest, randomBlob } from '../http/support/content.js';
import { client, expectStatus, type Client } from '../http/support/http-client.js';
import { pushBlob, pushManifest } from '../http/support/push.js';
import { makeRoot, startServerOnRoot, type ServerOnRoot } from '../http/support/server-on-root.js';
import { assertUsageInStep, buildImage, newProject, pushBuilt, usageOf, type BuiltImage } from '../http/support/storage.js';

/** How to undo each migration after 0004; a new migration adds its undo here. */
const UNDO: Record<string, string> = {
  '0021_gc_last_report': 'drop table gc_reports;',
  '0022_partial_upload_indexes': `
    drop index uploads_digest;
    create index uploads_digest on uploads (digest);
    drop index uploads_account;
    create index uploads_account on uploads (account);`,
  '0005_usage_retention': `
    drop table project_blobs;
    drop table project_usage;
    alter table manifests drop column last_pulled_at;
    alter table project_policies drop column quota_bytes;
    alter table project_policies drop column retention;`,
  '0006_deleted_tag_push_time': 'alter table deleted_tags drop column pushed_at;',
  '0007_refresh_tokens': 'drop table refresh_tokens;',
  '0008_audit_aggregation': `
    drop index audit_log_action_actor_time;
    alter table audit_log drop column count;`,
  '0009_upload_sessions': `
    drop index uploads_account;
    drop index uploads_project;
    alter table uploads drop column account;
    alter table uploads drop column project;`,
  '0010_gc_lease_holder': `
    drop table gc_interruptions;
    alter table gc_lease drop column pid;
    alter table gc_lease drop column host;
    alter table gc_lease drop column instance;
    alter table gc_lease drop column started_at;
    alter table gc_lease drop column heartbeat_at;`,
  '0011_settings': 'drop table settings;',
  '0012_repository_descriptions': 'alter table repositories drop column description;',
  '0013_sessions': 'drop table sessions;',
  '0014_browse': `
    drop table stars;
    drop index tags_repository_updated_at;
    drop index tags_updated_at;
    alter table repositories drop column description_source;
    alter table repositories drop column edited_description;`,
  '0015_upload_hash_state': 'alter table uploads drop column hash_state;',
  '0016_proxy_projects': `
    drop table proxy_projects;
    drop table proxy_tag_checks;`,
  '0017_group_projects': `
    drop table group_projects;
    drop table project_mirrors;`,
  '0018_shared_state': `
    drop table login_throttle;
    drop table signing_keys;
    drop table job_runs;
    drop table upload_locks;`,
  '0019_event_outbox': `
    drop table event_deliveries;
    drop table event_outbox;`,
  '0020_project_webhooks': `
    drop table project_webhooks;`,
};

/** Takes the database back to what 0004 left: no later tables or columns, none recorded. */
function downgradeTo0004(path: string): void {
  const db = new Database(path);
  try {
    const applied = (db.prepare('select name from berth_migration order by name').all() as Array<{ name: string }>).map((m) => m.name);
    const later = applied.filter((name) => name > '0004_write_policy').reverse();
    for (const name of later) {
      const undo = UNDO[name];
      assert.ok(undo !== undefined, `this test does not know how to undo ${name}; add it to UNDO`);
      db.exec(undo);
      db.prepare('delete from berth_migration where name = ?').run(name);
    }
    const tables = (db.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name);
    assert.ok(!tables.includes('project_usage') && !tables.includes('project_blobs'));
  } finally {
    db.close();
  }
}

describe('migration 0005 backfills usage from existing data', () => {
  let root: { root: string; remove(): Promise<void> };
  let server: ServerOnRoot;
  let c: Client;
  let metadata: MetadataStore;
  const start = async () => {
    server = await startServerOnRoot(root.root);
    c = client(server.url);
    metadata = server.registry.deps.metadata;
  };
  before(async () => {
    root = await makeRoot();
    await start();
  });
  after(async () => {
    await server.stop();
    await root.remove();
  });

  test('counters after the backfill equal the live ones and a recount, and stay in step afterwards', async () => {
    const p = newProject('bf');
    const q = newProject('bf');
    const shared = randomBlob(4000);
    const a = await pushBuilt(c, `${p}/a`, buildImage([shared, randomBlob(100)]), 'v1');
    const b = await pushBuilt(c, `${p}/b/deep`, buildImage([shared]), 'v1');
    // The same manifest in a second repository of the project: its body counts twice, its blobs once.
    await pushBuilt(c, `${p}/c`, { ...a }, 'copy');
    const untagged = await pushBuilt(c, `${p}/a`, buildImage([shared, randomBlob(300)]));
    const children: BuiltImage[] = [await pushBuilt(c, `${p}/a`, buildImage([randomBlob(50)])), await pushBuilt(c, `${p}/a`, buildImage([shared]))];
    const index = indexManifest(children.map((child) => descriptorOf(OCI_MANIFEST, child.body)));
    await pushManifest(c, `${p}/a`, 'multi', index, OCI_INDEX);
    const deletedTag = await pushBuilt(c, `${p}/a`, buildImage([randomBlob(70)]), 'gone');
    expectStatus(await c.delete(`/v2/${p}/a/manifests/gone`), 202);
    const deletedDigest = await pushBuilt(c, `${p}/a`, buildImage([randomBlob(80)]), 'x');
    expectStatus(await c.delete(`/v2/${p}/a/manifests/${deletedDigest.digest}`), 202);
    // Another project, and a single-segment repository that is its own project.
    await pushBuilt(c, `${q}/z`, buildImage([shared]), 'v1');
    await pushBuilt(c, q, buildImage([shared, randomBlob(10)]), 'v1');
    // A blob uploaded but referenced by nothing is not usage, before or after.
    await pushBlob(c, `${p}/a`, randomBlob(999));

    const live = await metadata.projectUsage();
    const mine = live.filter((u) => u.project === p || u.project === q);
    assert.equal(mine.length, 2);
    assert.deepEqual(live, await metadata.recountProjectUsage());

    await server.stop();
    downgradeTo0004(join(root.root, 'berth.db'));
    await start();

    assert.deepEqual(await metadata.projectUsage(), live, 'the backfill restores exactly the counters the writes kept');
    await assertUsageInStep(metadata, 'right after the backfill');

    // The per-blob reference counts came back too: removing manifests one by one releases
    // each blob exactly when its last reference in the project goes.
    const steps: Array<[string, string]> = [
      [`${p}/a`, a.digest],
      [`${p}/c`, a.digest],
      [`${p}/a`, untagged.digest],
      [`${p}/a`, sha(index)],
      [`${p}/a`, children[1]!.digest],
      [`${p}/a`, deletedTag.digest],
      [`${p}/b/deep`, b.digest],
      [`${p}/a`, children[0]!.digest],
    ];
    for (const [repo, digest] of steps) {
      expectStatus(await c.delete(`/v2/${repo}/manifests/${digest}`), 202, `delete ${repo}@${digest}`);
      await assertUsageInStep(metadata, `after deleting ${repo}@${digest}`);
    }
    assert.deepEqual(await metadata.projectUsage(p), [], `${p} holds nothing`);
    const [qUsage] = await metadata.projectUsage(q);
    assert.equal(qUsage?.manifests, 2);
    assert.equal((await usageOf(metadata, q)).blobs, 4, 'two configs, the shared layer once, one more layer');

    // New pushes count on top of the backfilled numbers.
    await pushBuilt(c, `${q}/z`, buildImage([shared]), 'v2');
    assert.equal((await usageOf(metadata, q)).manifests, 3);
    await assertUsageInStep(metadata, 'after a push on backfilled counters');
  });
});

function sha(body: Buffer): string {
  return descriptorOf(OCI_INDEX, body).digest;
}
