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
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { IoOptions } from '../../ports/blob-store.js';
import type {
  ManifestRecord,
  ManifestReferences,
  MetadataStore,
  Page,
  ReferrerRecord,
  UploadSession,
} from '../../ports/metadata-store.js';
import { migrateToLatest, type MetadataDialect } from './migrations.js';
import { preparedFirst } from './prepared-query.js';
import type { Database } from './schema.js';

export interface KyselyMetadataStoreOptions {
  dialect: MetadataDialect;
  /** Stamps rows the store dates itself (links, tag moves, upload progress). */
  now?: () => Date;
}

/** Keeps IN lists and multi-row inserts well under both dialects' bound-parameter limits. */
const CHUNK = 300;

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

type Executor = Kysely<Database> | Transaction<Database>;

export class KyselyMetadataStore implements MetadataStore {
  readonly #db: Kysely<Database>;
  // The pull path's lookups, compiled once (see prepared-query.ts).
  readonly #manifestByTag;
  readonly #manifest;
  readonly #linkedBlob;
  readonly #dialect: MetadataDialect;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: KyselyMetadataStoreOptions) {
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
        db.selectFrom('manifests').select(MANIFEST_COLUMNS).where('repository', '=', repository).where('digest', '=', digest),
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
    this.#now = options.now ?? (() => new Date());
  }

  async migrate(options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await migrateToLatest(this.#db, this.#dialect);
  }

  async recordBlob(digest: string, size: number, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('blobs')
      .values({ digest, size, created_at: this.#now().getTime() })
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute();
  }

  async linkBlob(repository: string, digest: string, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    await this.#db.transaction().execute(async (trx) => {
      await ensureRepository(trx, repository, now);
      await trx
        .insertInto('repository_blobs')
        .values({ repository, digest, created_at: now })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
        .execute();
    });
  }

  async linkedBlob(repository: string, digest: string, options?: IoOptions): Promise<{ size: number } | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#linkedBlob(repository, digest);
    return row === undefined ? undefined : { size: Number(row.size) };
  }

  async blob(digest: string, options?: IoOptions): Promise<{ size: number } | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
    return row === undefined ? undefined : { size: Number(row.size) };
  }

  async unlinkBlob(repository: string, digest: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#db
      .deleteFrom('repository_blobs')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
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
    options?: IoOptions,
  ): Promise<void> {
    options?.signal?.throwIfAborted();
    const { repository, digest } = record;
    const now = this.#now().getTime();
    await this.#db.transaction().execute(async (trx) => {
      await ensureRepository(trx, repository, now);
      const inserted = await trx
        .insertInto('manifests')
        .values({
          repository,
          digest,
          media_type: record.mediaType,
          artifact_type: record.artifactType ?? null,
          subject: record.subject ?? null,
          annotations: record.annotations === undefined ? null : JSON.stringify(record.annotations),
          body: record.body,
          size: record.body.length,
          created_at: record.createdAt.getTime(),
        })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
        .executeTakeFirst();
      // Same digest means same bytes, hence the same references: a re-put has nothing to add.
      if (inserted.numInsertedOrUpdatedRows !== undefined && inserted.numInsertedOrUpdatedRows > 0n) {
        for (const blobs of chunks(unique(refs.blobs))) {
          await trx
            .insertInto('manifest_blob_refs')
            .values(blobs.map((blob) => ({ repository, manifest: digest, blob })))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        for (const children of chunks(unique(refs.manifests))) {
          await trx
            .insertInto('manifest_manifest_refs')
            .values(children.map((child) => ({ repository, parent: digest, child })))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      }
      if (tag !== undefined) {
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
    });
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
    return this.#db.transaction().execute(async (trx) => {
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
      const result = await trx
        .deleteFrom('manifests')
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async listTags(repository: string, page: Page, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    if (page.limit !== undefined && page.limit <= 0) return [];
    let query = this.#db.selectFrom('tags').select('name').where('repository', '=', repository);
    if (page.last !== undefined) query = query.where('name', '>', page.last);
    query = query.orderBy('name');
    if (page.limit !== undefined) query = query.limit(page.limit);
    return (await query.execute()).map((r) => r.name);
  }

  async deleteTag(repository: string, tag: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#db
      .deleteFrom('tags')
      .where('repository', '=', repository)
      .where('name', '=', tag)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async hasRepository(repository: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('repositories').select('name').where('name', '=', repository).executeTakeFirst();
    return row !== undefined;
  }

  async listRepositories(page: Page, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    if (page.limit !== undefined && page.limit <= 0) return [];
    let query = this.#db.selectFrom('repositories').select('name');
    if (page.last !== undefined) query = query.where('name', '>', page.last);
    query = query.orderBy('name');
    if (page.limit !== undefined) query = query.limit(page.limit);
    return (await query.execute()).map((r) => r.name);
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

  async createUpload(session: UploadSession, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('uploads')
      .values({
        id: session.id,
        repository: session.repository,
        size: session.size,
        created_at: session.createdAt.getTime(),
        updated_at: session.updatedAt.getTime(),
      })
      .execute();
  }

  async upload(id: string, options?: IoOptions): Promise<UploadSession | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toUploadSession(row);
  }

  async advanceUpload(id: string, from: number, to: number, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    // Compare-and-set in one statement: atomic on both dialects without an explicit lock.
    const result = await this.#db
      .updateTable('uploads')
      .set({ size: to, updated_at: this.#now().getTime() })
      .where('id', '=', id)
      .where('size', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteUpload(id: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async completeUpload(id: string, digest: string, size: number, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const now = this.#now().getTime();
    await this.#db.transaction().execute(async (trx) => {
      const session = await trx.selectFrom('uploads').select('repository').where('id', '=', id).executeTakeFirst();
      if (!session) throw new Error(`metadata: upload ${id} not found`);
      await trx
        .insertInto('blobs')
        .values({ digest, size, created_at: now })
        .onConflict((oc) => oc.column('digest').doNothing())
        .execute();
      await ensureRepository(trx, session.repository, now);
      await trx
        .insertInto('repository_blobs')
        .values({ repository: session.repository, digest, created_at: now })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
        .execute();
      await trx.deleteFrom('uploads').where('id', '=', id).execute();
    });
  }

  async staleUploads(before: Date, options?: IoOptions): Promise<UploadSession[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db
      .selectFrom('uploads')
      .selectAll()
      .where('updated_at', '<', before.getTime())
      .orderBy('updated_at')
      .execute();
    return rows.map(toUploadSession);
  }

  async ping(options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await sql`select 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

async function ensureRepository(trx: Executor, name: string, now: number): Promise<void> {
  await trx
    .insertInto('repositories')
    .values({ name, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
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

function toUploadSession(row: {
  id: string;
  repository: string;
  size: number | string | bigint;
  created_at: number | string | bigint;
  updated_at: number | string | bigint;
}): UploadSession {
  return {
    id: row.id,
    repository: row.repository,
    size: Number(row.size),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

function parseAnnotations(text: string | null): Record<string, string> | undefined {
  if (text === null) return undefined;
  const parsed: unknown = JSON.parse(text);
  return parsed as Record<string, string>;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function* chunks(values: string[]): Generator<string[]> {
  for (let i = 0; i < values.length; i += CHUNK) yield values.slice(i, i + CHUNK);
}

/** `digests` minus those `present` reports, each once, in first-seen order. */
async function missing(digests: string[], present: (chunk: string[]) => Promise<string[]>): Promise<string[]> {
  const wanted = unique(digests);
  const found = new Set<string>();
  for (const chunk of chunks(wanted)) for (const d of await present(chunk)) found.add(d);
  return wanted.filter((d) => !found.has(d));
}
