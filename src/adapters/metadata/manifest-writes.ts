/**
 * The two manifest writes that take part in lifecycle: storing one (its references checked in
 * the same transaction, so a collector cannot remove them in between) and deleting one (what
 * may have lived only through it recorded as GC candidates).
 */
import { MetadataMissingReferencesError } from '../../ports/metadata-lifecycle.js';
import type { ManifestRecord, ManifestReferences, PutManifestOptions } from '../../ports/metadata-store.js';
import {
  addCandidates,
  blobCandidates,
  chunked,
  ensureRepository,
  forShare,
  forUpdate,
  manifestCandidates,
  missing,
  STORE_NAME,
  VALUE_CHUNK,
  type CandidateRow,
  type Executor,
  type LifecycleContext,
} from './lifecycle-sql.js';
import { addManifestUsage, removeManifestUsage } from './usage-counters.js';
import type { MetadataDialect } from './migrations.js';
import { compiledPerDialect, compiledPerListLength } from './prepared-query.js';

import { MAX_DESCRIPTION_LENGTH } from '../../ports/metadata-browse.js';

const DESCRIPTION_ANNOTATION = 'org.opencontainers.image.description';

/** See MetadataStore.putManifest. */
export async function writeManifest(
  ctx: LifecycleContext,
  record: ManifestRecord,
  refs: ManifestReferences,
  tag: string | undefined,
  options: PutManifestOptions = {},
): Promise<void> {
  const { repository, digest } = record;
  const now = ctx.now().getTime();
  await ctx.db.transaction().execute(async (trx) => {
    // The repository first: the collector's removeRepository locks it before the links, and
    // taking locks in the same order means the two wait for each other rather than deadlock.
    await ensureRepository(trx, ctx.dialect, repository, now);
    // Checked here rather than only by the caller: a collector may remove a blob or a child
    // between the caller's check and this write (see core/lifecycle/garbage-collector.ts).
    const absent = options.lazyReferences
      ? await unrecordedBlobs(ctx, trx, refs.blobs)
      : await absentReferences(ctx, trx, repository, refs);
    if (absent.length > 0) throw new MetadataMissingReferencesError(STORE_NAME, absent);
    const inserted = await insertManifest(
      trx,
      ctx.dialect,
      repository,
      digest,
      record.mediaType,
      record.artifactType ?? null,
      record.subject ?? null,
      record.annotations === undefined ? null : JSON.stringify(record.annotations),
      record.body,
      record.body.length,
      record.createdAt.getTime(),
    );
    if ((inserted.numAffectedRows ?? 0n) === 0n && !(await holdManifest(ctx, trx, repository, digest))) {
      // Deleted between the insert and the lock (PostgreSQL): the put is refused like one that
      // lost its blobs to the collector, and the client pushes again.
      throw new MetadataMissingReferencesError(STORE_NAME, [digest]);
    }
    // The tag after the manifest: deletes lock the manifest and then its tags, and taking them
    // in that order here too means a re-put and a delete wait for each other, never deadlock.
    // The tag row is held before the usage row below, as every other writer takes them.
    const held = tag === undefined ? undefined : await holdTag(ctx, trx, repository, tag, digest, now);
    const previous = held?.previous;
    // Judged here, in the transaction, so two first pushes of one tag cannot both pass; a
    // refusal rolls back the manifest row inserted above (and a tag this put created).
    options.checkTag?.(previous);
    const candidates: CandidateRow[] = [];
    // Same digest means same bytes, hence the same references: a re-put has nothing to add.
    if ((inserted.numAffectedRows ?? 0n) > 0n) {
      // Counted only when this put inserted the row: on PostgreSQL a concurrent put of the same
      // digest waits on the insert and then inserts nothing, so it is never counted twice. A
      // quota refusal here rolls the whole put back.
      await addManifestUsage(trx, ctx.dialect, { repository, blobs: refs.blobs, manifestBytes: record.body.length }, options.quotaBytes);
      for (const blobs of chunked([...new Set(refs.blobs)], VALUE_CHUNK)) {
        await insertBlobRefs(trx, ctx.dialect, blobs, repository, digest);
      }
      for (const children of chunked([...new Set(refs.manifests)], VALUE_CHUNK)) {
        await trx
          .insertInto('manifest_manifest_refs')
          .values(children.map((child) => ({ repository, parent: digest, child })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      // Untagged from birth: garbage after the grace period unless something comes to need it.
      if (tag === undefined) candidates.push(...manifestCandidates(repository, [digest]));
    }
    const annotation = record.annotations?.[DESCRIPTION_ANNOTATION];
    const described = typeof annotation === 'string' ? { text: annotation, source: 'annotation' } : options.description;
    // Only a tagged push describes the repository: a signature or SBOM pushed by digest is not it.
    if (tag !== undefined && record.subject === undefined && described !== undefined) {
      await trx
        .updateTable('repositories')
        .set({ description: storedDescription(described.text), description_source: described.source })
        .where('name', '=', repository)
        .execute();
    }
    if (tag !== undefined && held?.created !== true) {
      await pointTag(trx, repository, tag, digest, now);
      if (previous !== undefined && previous !== digest) candidates.push(...manifestCandidates(repository, [previous]));
    }
    if (candidates.length > 0) await addCandidates(trx, candidates, now);
  });
}

/**
 * Locks `tag` for this put and says what it pointed at before. A tag that did not exist cannot
 * be locked: on PostgreSQL two first pushes of one tag would both read "no tag" under READ
 * COMMITTED, both pass a disallow-redeploy or immutable check, and (each holding the project's
 * usage row by then) deadlock on the insert. So a tag believed new is inserted at once, pointing
 * at this put's manifest, with ON CONFLICT DO NOTHING: the primary key makes a concurrent first
 * push's insert wait for the other transaction and then insert nothing, and this one locks the
 * tag as that push left it. `created` says this put made the row (nothing more to write). On
 * SQLite the single writer means the first read is always the truth.
 */
async function holdTag(
  ctx: LifecycleContext,
  trx: Executor,
  repository: string,
  tag: string,
  digest: string,
  now: number,
): Promise<{ previous: string | undefined; created: boolean }> {
  const lockTag = async () => (await selectTagForUpdate(trx, ctx.dialect, repository, tag)).rows[0];
  const existing = await lockTag();
  if (existing !== undefined) return { previous: existing.digest, created: false };
  const created = await insertTagIfAbsent(trx, ctx.dialect, repository, tag, digest, now);
  if ((created.numAffectedRows ?? 0n) > 0n) return { previous: undefined, created: true };
  return { previous: (await lockTag())?.digest, created: false };
}

// The PUT's fixed-shape statements, compiled once (see prepared-query.ts); the sample values
// only have to be distinct from each other and from the builders' own constants.
const insertManifest = compiledPerDialect(
  (
    trx: Executor,
    _dialect: MetadataDialect,
    repository: string,
    digest: string,
    mediaType: string,
    artifactType: string | null,
    subject: string | null,
    annotations: string | null,
    body: Buffer,
    size: number,
    createdAt: number,
  ) =>
    trx
      .insertInto('manifests')
      .values({
        repository,
        digest,
        media_type: mediaType,
        artifact_type: artifactType,
        subject,
        annotations,
        body,
        size,
        created_at: createdAt,
      })
      .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing()),
  ['\0repository', '\0digest', '\0media', '\0artifact', '\0subject', '\0annotations', Buffer.alloc(0), -101, -102],
);

const selectTagForUpdate = compiledPerDialect(
  (trx: Executor, dialect: MetadataDialect, repository: string, tag: string) =>
    forUpdate(dialect, trx.selectFrom('tags').select('digest').where('repository', '=', repository).where('name', '=', tag)),
  ['\0repository', '\0tag'],
);

const insertTagIfAbsent = compiledPerDialect(
  (trx: Executor, _dialect: MetadataDialect, repository: string, tag: string, digest: string, now: number) =>
    trx
      .insertInto('tags')
      .values({ repository, name: tag, digest, updated_at: now })
      .onConflict((oc) => oc.columns(['repository', 'name']).doNothing()),
  ['\0repository', '\0tag', '\0digest', -101],
);

/** Points a tag this transaction holds at `digest`. */
async function pointTag(trx: Executor, repository: string, tag: string, digest: string, now: number): Promise<void> {
  await trx
    .insertInto('tags')
    .values({ repository, name: tag, digest, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['repository', 'name']).doUpdateSet((eb) => ({
        digest: eb.ref('excluded.digest'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/**
 * A re-put of a stored manifest holds its row FOR KEY SHARE (PostgreSQL) until it commits, so a
 * delete (a client's, retention's or the collector's, all FOR UPDATE first) waits and then sees
 * the tag this put adds, instead of deleting the manifest under it. False if it is gone.
 */
async function holdManifest(ctx: LifecycleContext, trx: Executor, repository: string, digest: string): Promise<boolean> {
  if (ctx.dialect.name !== 'postgres') return true;
  const row = await trx
    .selectFrom('manifests')
    .select('digest')
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .forKeyShare()
    .executeTakeFirst();
  return row !== undefined;
}

/** Referenced blobs not linked in the repository and child manifests not stored there. */
async function absentReferences(ctx: LifecycleContext, trx: Executor, repository: string, refs: ManifestReferences): Promise<string[]> {
  const blobs = await missing(refs.blobs, async (chunk) => {
    const { rows } = await selectLinkedForShare(trx, ctx.dialect, chunk, repository);
    return rows.map((r) => r.digest);
  });
  const manifests = await missing(refs.manifests, async (chunk) => {
    const rows = await forShare(
      ctx.dialect,
      trx.selectFrom('manifests').select('digest').where('repository', '=', repository).where('digest', 'in', chunk),
    ).execute();
    return rows.map((r) => r.digest);
  });
  return [...blobs, ...manifests];
}

const selectLinkedForShare = compiledPerListLength(
  (trx: Executor, dialect: MetadataDialect, digests: readonly string[], repository: string) =>
    forShare(dialect, trx.selectFrom('repository_blobs').select('digest').where('repository', '=', repository).where('digest', 'in', digests)),
  ['\0repository'],
);

const insertBlobRefs = compiledPerListLength(
  (trx: Executor, _dialect: MetadataDialect, blobs: readonly string[], repository: string, manifest: string) =>
    trx
      .insertInto('manifest_blob_refs')
      .values(blobs.map((blob) => ({ repository, manifest, blob })))
      .onConflict((oc) => oc.doNothing()),
  ['\0repository', '\0manifest'],
);

/**
 * A lazily referenced (proxy) manifest's blobs that are not recorded, or are being collected.
 * Held FOR SHARE like links are, so a collector's tombstone waits for this put.
 */
async function unrecordedBlobs(ctx: LifecycleContext, trx: Executor, blobs: string[]): Promise<string[]> {
  return missing(blobs, async (chunk) => {
    const rows = await forShare(
      ctx.dialect,
      trx.selectFrom('blobs').select('digest').where('digest', 'in', chunk).where('deleting_at', 'is', null),
    ).execute();
    return rows.map((r) => r.digest);
  });
}

/** See MetadataStore.deleteManifest. */
export async function removeManifest(ctx: LifecycleContext, repository: string, digest: string): Promise<boolean> {
  return ctx.db.transaction().execute((trx) => removeManifestIn(trx, ctx.dialect, repository, digest, ctx.now().getTime()));
}

/**
 * removeManifest inside a transaction the caller holds. The manifest row is locked first on
 * PostgreSQL: two deletes of one manifest (a client's and the collector's) would otherwise both
 * read it and both subtract it from the project's usage.
 */
export async function removeManifestIn(trx: Executor, dialect: MetadataDialect, repository: string, digest: string, now: number): Promise<boolean> {
  const row = await forUpdate(
    dialect,
    trx.selectFrom('manifests').select(['subject', 'size']).where('repository', '=', repository).where('digest', '=', digest),
  ).executeTakeFirst();
  if (row === undefined) return false;
  // What may have lived only through this manifest, for the collector to look at.
  const blobs = await trx
    .selectFrom('manifest_blob_refs')
    .select('blob')
    .where('repository', '=', repository)
    .where('manifest', '=', digest)
    .execute();
  const children = await trx
    .selectFrom('manifest_manifest_refs')
    .select('child')
    .where('repository', '=', repository)
    .where('parent', '=', digest)
    .execute();
  const referrers = await trx
    .selectFrom('manifests')
    .select('digest')
    .where('repository', '=', repository)
    .where('subject', '=', digest)
    .execute();
  await removeManifestUsage(trx, [{ repository, blobs: blobs.map((b) => b.blob), manifestBytes: Number(row.size) }]);
  // Children first: the foreign keys have no cascades.
  await trx.deleteFrom('tags').where('repository', '=', repository).where('digest', '=', digest).execute();
  await trx
    .deleteFrom('manifest_blob_refs')
    .where('repository', '=', repository)
    .where('manifest', '=', digest)
    .execute();
  await trx
    .deleteFrom('manifest_manifest_refs')
    .where('repository', '=', repository)
    .where('parent', '=', digest)
    .execute();
  await trx.deleteFrom('manifests').where('repository', '=', repository).where('digest', '=', digest).execute();
  await trx
    .deleteFrom('gc_candidates')
    .where('kind', '=', 'manifest')
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .execute();
  const related = [
    ...children.map((c) => c.child),
    ...referrers.map((r) => r.digest),
    ...(row.subject === null ? [] : [row.subject]),
  ];
  await addCandidates(
    trx,
    [...blobCandidates(blobs.map((b) => b.blob)), ...manifestCandidates(repository, related)],
    now,
  );
  return true;
}

/**
 * What anyone who can push wrote: control and format characters (terminal escapes, bidi
 * overrides) become spaces, since `docker search` prints it, and it is cut by code points.
 */
export function storedDescription(text: string): string {
  return Array.from(text.replace(/[\p{Cc}\p{Cf}]/gu, ' ')).slice(0, MAX_DESCRIPTION_LENGTH).join('');
}
