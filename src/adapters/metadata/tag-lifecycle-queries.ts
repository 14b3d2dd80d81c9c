/**
 * Restorable tag deletes, repository deletes and upload claims.
 */
import type { DeletedTag, RestoreOutcome } from '../../ports/metadata-lifecycle.js';
import {
  addCandidates,
  forShare,
  manifestCandidates,
  recordDeletedTags,
  selectBlobForShare,
  STORE_NAME,
  toDate,
  type LifecycleContext,
} from './lifecycle-sql.js';
import { liftTombstone, liveCollector } from './gc-lease.js';
import { MetadataUploadMovedError, type UploadAdvance } from '../../ports/metadata-store.js';
import { claimAdvancingUploadRow, claimUploadRow } from './upload-sessions.js';

export async function claimUpload(ctx: LifecycleContext, id: string, digest: string, advance?: UploadAdvance): Promise<boolean> {
  const now = ctx.now().getTime();
  return ctx.db.transaction().execute(async (trx) => {
    const [blob] = (await selectBlobForShare(trx, ctx.dialect, digest)).rows;
    if (blob !== undefined && blob.deleting_at !== null) {
      // A live collector is deleting the bytes: wait. An orphaned tombstone nobody is
      // deleting is lifted, so a re-push never waits on a collector that is gone.
      if (await liveCollector(trx, now)) return false;
      await liftTombstone(trx, digest, now);
    }
    if (advance === undefined) {
      const result = await claimUploadRow(trx, ctx.dialect, id, digest, now);
      if ((result.numAffectedRows ?? 0n) === 0n) throw new Error(`metadata: upload ${id} not found`);
      return true;
    }
    // Compare-and-set on the size, as advanceUpload; which of the two conditions failed only
    // matters for the error, so it is read after the update missed.
    const result = await claimAdvancingUploadRow(trx, ctx.dialect, id, digest, advance.from, advance.to, now);
    if ((result.numAffectedRows ?? 0n) > 0n) return true;
    const exists = await trx.selectFrom('uploads').select('id').where('id', '=', id).executeTakeFirst();
    if (exists === undefined) throw new Error(`metadata: upload ${id} not found`);
    throw new MetadataUploadMovedError(STORE_NAME, id);
  });
}

export async function deleteRepository(ctx: LifecycleContext, repository: string): Promise<number | undefined> {
  const now = ctx.now().getTime();
  return ctx.db.transaction().execute(async (trx) => {
    const repo = await trx.selectFrom('repositories').select('name').where('name', '=', repository).executeTakeFirst();
    if (repo === undefined) return undefined;
    // What the delete removed, not what a read before it saw: on PostgreSQL a push may move or
    // add a tag in between, and a tag removed without its record would leave its manifest
    // untagged with no GC candidate, never collected.
    const tags = await trx.deleteFrom('tags').where('repository', '=', repository).returning(['name', 'digest', 'updated_at']).execute();
    await recordDeletedTags(trx, repository, tags, now);
    await addCandidates(
      trx,
      [
        ...manifestCandidates(repository, new Set(tags.map((t) => t.digest))),
        { kind: 'repository', repository, digest: '' },
      ],
      now,
    );
    return tags.length;
  });
}

export async function restoreTag(ctx: LifecycleContext, repository: string, tag: string, notBefore: Date): Promise<RestoreOutcome> {
  const now = ctx.now().getTime();
  return ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .selectFrom('deleted_tags')
      .select(['digest', 'deleted_at', 'pushed_at'])
      .where('repository', '=', repository)
      .where('name', '=', tag)
      .executeTakeFirst();
    if (deleted === undefined) return 'unknown';
    if (Number(deleted.deleted_at) < notBefore.getTime()) return 'expired';
    const current = await trx
      .selectFrom('tags')
      .select('digest')
      .where('repository', '=', repository)
      .where('name', '=', tag)
      .executeTakeFirst();
    if (current !== undefined) return 'tag-exists';
    // Held FOR SHARE on PostgreSQL so a collector's delete of it waits and then sees the tag.
    const manifest = await forShare(
      ctx.dialect,
      trx.selectFrom('manifests').select('digest').where('repository', '=', repository).where('digest', '=', deleted.digest),
    ).executeTakeFirst();
    if (manifest === undefined) return 'manifest-gone';
    await trx.insertInto('tags').values({ repository, name: tag, digest: deleted.digest, updated_at: deleted.pushed_at === null ? now : Number(deleted.pushed_at) }).execute();
    await trx.deleteFrom('deleted_tags').where('repository', '=', repository).where('name', '=', tag).execute();
    return 'restored';
  });
}

export async function deletedTags(ctx: LifecycleContext, repository: string, notBefore: Date): Promise<DeletedTag[]> {
  const rows = await ctx.db
    .selectFrom('deleted_tags')
    .select(['name', 'digest', 'deleted_at'])
    .where('repository', '=', repository)
    .where('deleted_at', '>=', notBefore.getTime())
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ repository, tag: r.name, digest: r.digest, deletedAt: toDate(r.deleted_at) }));
}

export async function purgeDeletedTags(ctx: LifecycleContext, before: Date): Promise<number> {
  const result = await ctx.db.deleteFrom('deleted_tags').where('deleted_at', '<', before.getTime()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
