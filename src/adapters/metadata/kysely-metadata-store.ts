/**
 * MetadataStore over Kysely: the same queries for SQLite and PostgreSQL. Only DDL differs
 * between the dialects (see MetadataDialect in migrations.ts); every query here is plain
 * SQL both accept — `ON CONFLICT` upserts, joins on primary keys, `>` bound + ORDER BY +
 * LIMIT pagination that the primary-key indexes answer without a scan.
 *
 * Writers that touch several rows run in one transaction. Foreign keys (declared without
 * cascades) guard the invariants: linking an unrecorded blob, tagging or referencing from a
 * manifest that is not stored, and deleting a manifest that still has tags all fail loudly
 * instead of leaving dangling rows.
 *
 * Lifecycle (restorable deletes, GC candidates, the collector's guarded writes) lives in
 * KyselyLifecycle, which this class extends; the writes here record candidates and respect
 * tombstones in the same transactions that make something unreferenced or depend on a blob.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { IoOptions } from '../../ports/blob-store.js';
import { MetadataBlobInUseError, MetadataBlobUnavailableError } from '../../ports/metadata-lifecycle.js';
import type {
  PutManifestOptions,
  ManifestRecord,
  ManifestReferences,
  MetadataStore,
  Page,
  ReferrerRecord,
  RepositoryMatch,
  UploadLimits,
  UploadScope,
  UploadSession,
  UploadTotals,
} from '../../ports/metadata-store.js';
import { KyselyLifecycle } from './kysely-lifecycle.js';
import {
  addBlobCandidate,
  addCandidates,
  blobCandidates,
  ensureRepository,
  forUpdate,
  insertBlobRow,
  manifestCandidates,
  missing,
  recordDeletedTags,
  selectBlobForShare,
  STORE_NAME,
  upsertLink,
  type Executor,
  type LifecycleContext,
} from './lifecycle-sql.js';
import { removeManifest, writeManifest } from './manifest-writes.js';
import { migrateToLatest, type MetadataDialect } from './migrations.js';
import { preparedFirst } from './prepared-query.js';
import { escapeLike, givenUp } from './repository-sql.js';
import type { Database } from './schema.js';
import {
  advanceUploadRow,
  deleteUploadRow,
  insertUpload,
  selectUpload,
  staleUploadRows,
  takeUploadRow,
  toUploadSession,
  uploadTotals,
} from './upload-sessions.js';
import { correctBlobSize } from './usage-counters.js';
import { selectColumn } from './single-column.js';

export interface KyselyMetadataStoreOptions {
  dialect: MetadataDialect;
  /** Stamps rows the store dates itself (links, tag moves, upload progress). */
  now?: () => Date;
}

/** How many of the manifests (and tags) keeping a blob a refused unlink names. */
const BLOB_USERS_NAMED = 10;

const MANIFEST_COLUMNS = [
  'repository',
  'digest',
  'media_type',
  'artifact_type',
  'subject',
  'annotations',
  'body',
  'created_at',
] as const;

export class KyselyMetadataStore extends KyselyLifecycle implements MetadataStore {
  readonly #db: Kysely<Database>;
  // The pull path's lookups, compiled once (see prepared-query.ts).
  readonly #manifestByTag;
  readonly #manifest;
  readonly #linkedBlob;
  readonly #dialect: MetadataDialect;
  readonly #now: () => Date;
  readonly #ctx: LifecycleContext;

  constructor(db: Kysely<Database>, options: KyselyMetadataStoreOptions) {
    const now = options.now ?? (() => new Date());
    const ctx = { db, dialect: options.dialect, now };
    super(ctx);
    this.#ctx = ctx;
    this.#db = db;
    this.#manifestByTag = preparedFirst(
      db,
      (repository: string, tag: string) =>
        db
          .selectFrom('tags as t')
          .innerJoin('manifests as m', (join) => join.onRef('m.repository', '=', 't.repository').onRef('m.digest', '=', 't.digest'))
          .select(MANIFEST_COLUMNS.map((c) => `m.${c}` as const))
          .where('t.repository', '=', repository)
          .where('t.name', '=', tag),
      ['repository', 'tag'],
    );
    this.#manifest = preparedFirst(
      db,
      (repository: string, digest: string) =>
        db
          .selectFrom('manifests')
          .select(MANIFEST_COLUMNS)
          .where('repository', '=', repository)
          .where('digest', '=', digest)
          // In the same statement, so a pull by digest pays no second query for it.
          .where(sql<SqlBool>`not ${givenUp('manifests.repository')}`),
      ['repository', 'digest'],
    );
    this.#linkedBlob = preparedFirst(
      db,
      (repository: string, digest: string) =>
        db
          .selectFrom('repository_blobs as rb')
          .innerJoin('blobs as b', 'b.digest', 'rb.digest')
          .select('b.size')
          .where('rb.repository', '=', repository)
          .where('rb.digest', '=', digest),
      ['repository', 'digest'],
    );
    this.#dialect = options.dialect;
    this.#now = now;
  }

  async migrate(options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await migrateToLatest(this.#db, this.#dialect);
  }

  async recordBlob(digest: string, size: number, options?: IoOptions & { declared?: boolean }): Promise<void> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    await this.#db.transaction().execute(async (trx) => {
      await this.#insertBlob(trx, digest, size, now, options?.declared === true);
    });
  }

  async linkBlob(repository: string, digest: string, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    await this.#db.transaction().execute(async (trx) => {
      const [row] = (await selectBlobForShare(trx, this.#dialect, digest)).rows;
      if (row === undefined || row.deleting_at !== null) {
        throw new MetadataBlobUnavailableError(STORE_NAME, digest, row !== undefined);
      }
      await ensureRepository(trx, this.#dialect, repository, now);
      await upsertLink(trx, this.#dialect, repository, digest, now);
    });
  }

  async linkedBlob(repository: string, digest: string, options?: IoOptions): Promise<{ size: number } | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#linkedBlob(repository, digest);
    return row === undefined ? undefined : { size: Number(row.size) };
  }

  async blob(digest: string, options?: IoOptions): Promise<{ size: number } | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db
      .selectFrom('blobs')
      .select('size')
      .where('digest', '=', digest)
      .where('deleting_at', 'is', null)
      .executeTakeFirst();
    return row === undefined ? undefined : { size: Number(row.size) };
  }

  async unlinkBlob(repository: string, digest: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    return this.#db.transaction().execute(async (trx) => {
      // The link FOR UPDATE first (PostgreSQL): a manifest put holding it FOR SHARE commits
      // before the reference check below reads, so that check sees the put's references.
      const link = await forUpdate(
        this.#dialect,
        trx.selectFrom('repository_blobs').select('digest').where('repository', '=', repository).where('digest', '=', digest),
      ).executeTakeFirst();
      if (link === undefined) return false;
      const users = await trx
          .selectFrom('manifest_blob_refs')
          .select('manifest')
          .where('repository', '=', repository)
          .where('blob', '=', digest)
          .orderBy('manifest')
          .limit(BLOB_USERS_NAMED)
          .execute();
      if (users.length > 0) {
        const manifests = users.map((u) => u.manifest);
        const tags = await trx
          .selectFrom('tags')
          .select('name')
          .where('repository', '=', repository)
          .where('digest', 'in', manifests)
          .orderBy('name')
          .limit(BLOB_USERS_NAMED)
          .execute();
        throw new MetadataBlobInUseError(STORE_NAME, digest, manifests, tags.map((t) => t.name));
      }
      const result = await trx
        .deleteFrom('repository_blobs')
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await addCandidates(trx, blobCandidates([digest]), now);
      return true;
    });
  }

  async missingBlobs(repository: string, digests: string[], options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    return missing(digests, async (chunk) => {
      const rows = await this.#db
        .selectFrom('repository_blobs')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', chunk)
        .execute();
      return rows.map((r) => r.digest);
    });
  }

  async putManifest(
    record: ManifestRecord,
    refs: ManifestReferences,
    tag: string | undefined,
    options?: PutManifestOptions,
  ): Promise<void> {
    options?.signal?.throwIfAborted();
    await writeManifest(this.#ctx, record, refs, tag, options);
  }

  async manifest(repository: string, digest: string, options?: IoOptions): Promise<ManifestRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#manifest(repository, digest);
    return row === undefined ? undefined : toManifestRecord(row);
  }

  async manifestByTag(repository: string, tag: string, options?: IoOptions): Promise<ManifestRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#manifestByTag(repository, tag);
    return row === undefined ? undefined : toManifestRecord(row);
  }

  async missingManifests(repository: string, digests: string[], options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    return missing(digests, async (chunk) => {
      const rows = await this.#db
        .selectFrom('manifests')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', chunk)
        .execute();
      return rows.map((r) => r.digest);
    });
  }

  async deleteManifest(repository: string, digest: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return removeManifest(this.#ctx, repository, digest);
  }

  async listTags(repository: string, page: Page, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    if (page.limit !== undefined && page.limit <= 0) return [];
    let query = this.#db.selectFrom('tags').select('name').where('repository', '=', repository);
    if (page.last !== undefined) query = query.where('name', '>', page.last);
    query = query.orderBy('name');
    if (page.limit !== undefined) query = query.limit(page.limit);
    return selectColumn(this.#db, this.#dialect, query, 'name');
  }

  async deleteTag(repository: string, tag: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    return this.#db.transaction().execute(async (trx) => {
      // What the DELETE removed, not a read before it: on PostgreSQL a push may move the tag in
      // between, and the manifest it then pointed at must become the candidate and the record.
      const row = await trx
        .deleteFrom('tags')
        .where('repository', '=', repository)
        .where('name', '=', tag)
        .returning(['digest', 'updated_at'])
        .executeTakeFirst();
      if (row === undefined) return false;
      await recordDeletedTags(trx, repository, [{ name: tag, ...row }], now);
      await addCandidates(trx, manifestCandidates(repository, [row.digest]), now);
      return true;
    });
  }

  async hasRepository(repository: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('repositories').select('name').where('name', '=', repository).where(notGivenUp).executeTakeFirst();
    return row !== undefined;
  }

  async isRepositoryDeleted(repository: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('repositories').select('name').where('name', '=', repository).where(givenUp('repositories.name')).executeTakeFirst();
    return row !== undefined;
  }


  async listRepositories(page: Page, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    if (page.limit !== undefined && page.limit <= 0) return [];
    let query = this.#db.selectFrom('repositories').select('name').where(notGivenUp);
    if (page.last !== undefined) query = query.where('name', '>', page.last);
    query = query.orderBy('name');
    if (page.limit !== undefined) query = query.limit(page.limit);
    return selectColumn(this.#db, this.#dialect, query, 'name');
  }

  async searchRepositories(term: string, page: Page, options?: IoOptions): Promise<RepositoryMatch[]> {
    options?.signal?.throwIfAborted();
    if (page.limit !== undefined && page.limit <= 0) return [];
    let query = this.#db.selectFrom('repositories').select(['name', 'description', 'edited_description']).where(notGivenUp);
    if (term !== '') {
      // lower() on both sides: SQLite's LIKE folds ASCII case but PostgreSQL's does not.
      const pattern = `%${escapeLike(term.replace(/[A-Z]+/g, (c) => c.toLowerCase()))}%`; // as SQL lower(): ASCII only
      query = query.where((eb) =>
        eb.or([
          sql<SqlBool>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
          sql<SqlBool>`lower(coalesce(${eb.ref('edited_description')}, ${eb.ref('description')}, '')) like ${pattern} escape '\\'`,
        ]),
      );
    }
    if (page.last !== undefined) query = query.where('name', '>', page.last);
    query = query.orderBy('name');
    if (page.limit !== undefined) query = query.limit(page.limit);
    return (await query.execute()).map((r) => ({ name: r.name, description: r.edited_description ?? r.description ?? '' }));
  }

  async listReferrers(
    repository: string,
    digest: string,
    artifactType: string | undefined,
    options?: IoOptions,
  ): Promise<ReferrerRecord[]> {
    options?.signal?.throwIfAborted();
    let query = this.#db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'artifact_type', 'size', 'annotations'])
      .where('repository', '=', repository)
      .where('subject', '=', digest);
    if (artifactType !== undefined) query = query.where('artifact_type', '=', artifactType);
    const rows = await query.orderBy('digest').execute();
    return rows.map((r) => ({
      digest: r.digest,
      mediaType: r.media_type,
      artifactType: r.artifact_type ?? undefined,
      size: Number(r.size),
      annotations: parseAnnotations(r.annotations),
    }));
  }

  async createUpload(session: UploadSession, options?: IoOptions & { limits?: UploadLimits }): Promise<void> {
    await insertUpload(this.#db, this.#dialect, session, options);
  }

  async upload(id: string, options?: IoOptions): Promise<UploadSession | undefined> {
    options?.signal?.throwIfAborted();
    const [row] = (await selectUpload(this.#db, this.#dialect, id)).rows;
    return row === undefined ? undefined : toUploadSession(row);
  }

  async advanceUpload(id: string, from: number, to: number, options?: IoOptions & { hashState?: string }): Promise<boolean> {
    options?.signal?.throwIfAborted();
    // Compare-and-set in one statement: atomic on both dialects without an explicit lock. The
    // hash state is replaced with the size, so it always describes exactly `size` bytes.
    const result = await advanceUploadRow(this.#db, this.#dialect, id, from, to, this.#now().getTime(), options?.hashState ?? null);
    return (result.numAffectedRows ?? 0n) > 0n;
  }

  async deleteUpload(id: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await deleteUploadRow(this.#db, this.#dialect, id);
    return (result.numAffectedRows ?? 0n) > 0n;
  }

  async completeUpload(id: string, digest: string, size: number, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    await this.#db.transaction().execute(async (trx) => {
      // The session row goes first and says where the blob belongs (one statement rather than a
      // read and a delete); any refusal below rolls the delete back with the rest.
      const [session] = (await takeUploadRow(trx, this.#dialect, id)).rows;
      if (!session) throw new Error(`metadata: upload ${id} not found`);
      await this.#insertBlob(trx, digest, size, now);
      await ensureRepository(trx, this.#dialect, session.repository, now);
      await upsertLink(trx, this.#dialect, session.repository, digest, now);
    });
  }

  /**
   * Records a blob unless recorded; a new one is a candidate, a tombstoned one refused. A size
   * from bytes (not `declared`) that differs from the recorded one replaces it: only a size a
   * proxied manifest declared can be wrong, and the bytes are the truth (usage follows).
   */
  async #insertBlob(trx: Executor, digest: string, size: number, now: number, declared = false): Promise<void> {
    // The insert first: an upload usually brings a blob the registry lacks (clients ask before
    // sending one it has), so the common case is two statements, not a read and two writes.
    for (let attempt = 0; ; attempt++) {
      const inserted = await insertBlobRow(trx, this.#dialect, digest, size, now);
      if ((inserted.numAffectedRows ?? 0n) > 0n) {
        // Unreferenced until a manifest names it: an abandoned push must not leak it.
        await addBlobCandidate(trx, this.#dialect, digest, now);
        return;
      }
      const [existing] = (await selectBlobForShare(trx, this.#dialect, digest)).rows;
      if (existing !== undefined) {
        if (existing.deleting_at !== null) throw new MetadataBlobUnavailableError(STORE_NAME, digest, true);
        if (!declared && Number(existing.size) !== size) await correctBlobSize(trx, digest, Number(existing.size), size);
        return;
      }
      // PostgreSQL: a collector removed the row between the insert and the read (each statement
      // sees the latest commits); each retry follows such a removal.
      if (attempt >= 10) throw new Error(`metadata: blob ${digest} kept disappearing`);
    }
  }

  async staleUploads(before: Date, options?: IoOptions & { scope?: UploadScope; limit?: number }): Promise<UploadSession[]> {
    return staleUploadRows(this.#db, before, options);
  }

  async uploadTotals(scope: UploadScope, options?: IoOptions): Promise<UploadTotals> {
    return uploadTotals(this.#db, scope, options);
  }

  async ping(options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await sql`select 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

interface ManifestRow {
  repository: string;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject: string | null;
  annotations: string | null;
  body: Buffer;
  created_at: number | string | bigint;
}

function toManifestRecord(row: ManifestRow): ManifestRecord {
  return {
    repository: row.repository,
    digest: row.digest,
    mediaType: row.media_type,
    artifactType: row.artifact_type ?? undefined,
    subject: row.subject ?? undefined,
    body: row.body,
    annotations: parseAnnotations(row.annotations),
    createdAt: new Date(Number(row.created_at)),
  };
}

function parseAnnotations(text: string | null): Record<string, string> | undefined {
  if (text === null) return undefined;
  const parsed: unknown = JSON.parse(text);
  return parsed as Record<string, string>;
}

const notGivenUp = sql<SqlBool>`not ${givenUp('repositories.name')}`;
