/**
 * Building blocks shared by the metadata writes and lifecycle queries: bulk lookups by
 * (repository, digest) pairs, candidate rows, and row locks.
 *
 * Row locks: SQLite runs every transaction on one connection, one after the other, so a
 * transaction's reads cannot go stale before it commits. PostgreSQL runs them side by side
 * under READ COMMITTED, where the collector's re-check and a push's reference check could each
 * miss the other's uncommitted write; there the push path reads the rows it depends on FOR
 * SHARE and the collector reads the rows it is about to delete FOR UPDATE, so one waits for
 * the other and then sees its result. SQLite has no such clause, hence the dialect switch.
 */
import type { Kysely, Transaction } from 'kysely';
import type { CandidateKind, ManifestKey } from '../../ports/metadata-lifecycle.js';
import type { MetadataDialect } from './migrations.js';
import { compiledPerDialect } from './prepared-query.js';
import type { Database } from './schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

export interface LifecycleContext {
  readonly db: Kysely<Database>;
  readonly dialect: MetadataDialect;
  readonly now: () => Date;
}

// Every push runs it: compiled once per dialect (see prepared-query.ts).
const insertRepositoryIfAbsent = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, name: string, now: number) =>
    ex
      .insertInto('repositories')
      .values({ name, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing()),
  ['\0name', -101],
);

/** Pairs per IN list: two parameters each, well under both dialects' limits. */
export const PAIR_CHUNK = 250;
/** Single values per IN list or rows per multi-row insert. */
export const VALUE_CHUNK = 300;

export const STORE_NAME = 'metadata';

export function* chunked<T>(values: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < values.length; i += size) yield values.slice(i, i + size);
}

/** Runs `query` over `items` a chunk at a time (IN-list limits) and concatenates the rows. */
export async function byChunks<T, R>(items: readonly T[], size: number, query: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = [];
  for (const chunk of chunked(items, size)) rows.push(...(await query(chunk)));
  return rows;
}

/** A map key for a (repository, digest) pair; NUL cannot occur in either. */
export function pairKey(repository: string, digest: string): string {
  return `${repository}\u0000${digest}`;
}

export function uniquePairs(keys: readonly ManifestKey[]): ManifestKey[] {
  const seen = new Map<string, ManifestKey>();
  for (const k of keys) seen.set(pairKey(k.repository, k.digest), { repository: k.repository, digest: k.digest });
  return [...seen.values()];
}

export interface Lockable<QB> {
  forShare(): QB;
  forUpdate(): QB;
}

/** FOR SHARE on PostgreSQL; nothing on SQLite (see the file comment). */
export function forShare<QB extends Lockable<QB>>(dialect: MetadataDialect, query: QB): QB {
  return dialect.name === 'postgres' ? query.forShare() : query;
}

/** FOR UPDATE on PostgreSQL; nothing on SQLite (see the file comment). */
export function forUpdate<QB extends Lockable<QB>>(dialect: MetadataDialect, query: QB): QB {
  return dialect.name === 'postgres' ? query.forUpdate() : query;
}

export interface CandidateRow {
  kind: CandidateKind;
  repository: string;
  digest: string;
}

/**
 * Records candidates; an existing row takes the newer `since`, so the grace period runs from
 * the last time the thing became possibly unreferenced.
 */
export async function addCandidates(ex: Executor, rows: readonly CandidateRow[], since: number): Promise<void> {
  const unique = new Map<string, CandidateRow>();
  for (const row of rows) unique.set(`${row.kind}\u0000${pairKey(row.repository, row.digest)}`, row);
  for (const chunk of chunked([...unique.values()], VALUE_CHUNK)) {
    await ex
      .insertInto('gc_candidates')
      .values(chunk.map((r) => ({ kind: r.kind, repository: r.repository, digest: r.digest, since })))
      .onConflict((oc) =>
        oc.columns(['kind', 'repository', 'digest']).doUpdateSet((eb) => ({ since: eb.ref('excluded.since') })),
      )
      .execute();
  }
}

/** Like addCandidates, but an existing row keeps its `since` (a rebuild must not reset grace). */
export async function addCandidatesKeepingSince(ex: Executor, rows: readonly CandidateRow[], since: number): Promise<number> {
  let added = 0;
  for (const chunk of chunked(rows, VALUE_CHUNK)) {
    const result = await ex
      .insertInto('gc_candidates')
      .values(chunk.map((r) => ({ kind: r.kind, repository: r.repository, digest: r.digest, since })))
      .onConflict((oc) => oc.columns(['kind', 'repository', 'digest']).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

/**
 * Records tags as deleted at `now`, with when they were pushed (a restore puts that back, so
 * retention's "newest" does not count a restored tag as just pushed); a tag deleted again takes
 * its latest digest and times.
 */
export async function recordDeletedTags(
  ex: Executor,
  repository: string,
  tags: ReadonlyArray<{ name: string; digest: string; updated_at: number | string | bigint }>,
  now: number,
): Promise<void> {
  for (const chunk of chunked(tags, VALUE_CHUNK)) {
    await ex
      .insertInto('deleted_tags')
      .values(chunk.map((t) => ({ repository, name: t.name, digest: t.digest, deleted_at: now, pushed_at: Number(t.updated_at) })))
      .onConflict((oc) =>
        oc.columns(['repository', 'name']).doUpdateSet((eb) => ({
          digest: eb.ref('excluded.digest'),
          deleted_at: eb.ref('excluded.deleted_at'),
          pushed_at: eb.ref('excluded.pushed_at'),
        })),
      )
      .execute();
  }
}

/** A re-link restarts the link's grace period: the linker is about to reference the blob. */
export async function upsertLink(ex: Executor, dialect: MetadataDialect, repository: string, digest: string, now: number): Promise<void> {
  await upsertLinkRow(ex, dialect, repository, digest, now);
}

// Every blob upload and mount runs it: compiled once per dialect (see prepared-query.ts).
const upsertLinkRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, repository: string, digest: string, now: number) =>
    ex
      .insertInto('repository_blobs')
      .values({ repository, digest, created_at: now })
      .onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet({ created_at: now })),
  ['\0repository', '\0digest', -101],
);

/**
 * A blob's row held FOR SHARE (PostgreSQL) until the transaction ends: what a claim, an upload's
 * completion and a mount check (its tombstone, its size) before depending on the blob.
 */
export const selectBlobForShare = compiledPerDialect(
  (ex: Executor, dialect: MetadataDialect, digest: string) =>
    forShare(dialect, ex.selectFrom('blobs').select(['deleting_at', 'size']).where('digest', '=', digest)),
  ['\0digest'],
);

/** Records a blob unless recorded; numAffectedRows says whether this inserted it. */
export const insertBlobRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, digest: string, size: number, createdAt: number) =>
    ex
      .insertInto('blobs')
      .values({ digest, size, created_at: createdAt })
      .onConflict((oc) => oc.column('digest').doNothing()),
  ['\0digest', -101, -102],
);

/** addCandidates for the one blob an upload records (every push), compiled once per dialect. */
export async function addBlobCandidate(ex: Executor, dialect: MetadataDialect, digest: string, since: number): Promise<void> {
  await insertCandidateRow(ex, dialect, 'blob', '', digest, since);
}

const insertCandidateRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, kind: CandidateKind, repository: string, digest: string, since: number) =>
    ex
      .insertInto('gc_candidates')
      .values({ kind, repository, digest, since })
      .onConflict((oc) => oc.columns(['kind', 'repository', 'digest']).doUpdateSet((eb) => ({ since: eb.ref('excluded.since') }))),
  ['\0kind' as CandidateKind, '\0repository', '\0digest', -101],
);

/**
 * Makes sure the repository row exists until the transaction ends. On PostgreSQL a collector's
 * removeRepository (FOR UPDATE, then delete) may remove a row this transaction's insert found
 * present, and the link or manifest written next would then fail its foreign key; holding the
 * row FOR KEY SHARE makes the collector wait (its emptiness check then sees this write), and a
 * row removed in between is inserted again. SQLite's single writer needs neither.
 */
export async function ensureRepository(ex: Executor, dialect: MetadataDialect, name: string, now: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await insertRepositoryIfAbsent(ex, dialect, name, now);
    if (dialect.name !== 'postgres') return;
    const held = await ex.selectFrom('repositories').select('name').where('name', '=', name).forKeyShare().executeTakeFirst();
    if (held !== undefined) return;
    // Removed between the insert and the lock: each retry follows a committed removal.
    if (attempt >= 10) throw new Error(`metadata: repository ${name} kept disappearing`);
  }
}

/** `digests` minus those `present` reports, each once, in first-seen order. */
export async function missing(digests: readonly string[], present: (chunk: string[]) => Promise<string[]>): Promise<string[]> {
  const wanted = [...new Set(digests)];
  const found = new Set<string>();
  for (const chunk of chunked(wanted, VALUE_CHUNK)) for (const d of await present(chunk)) found.add(d);
  return wanted.filter((d) => !found.has(d));
}

export function manifestCandidates(repository: string, digests: Iterable<string>): CandidateRow[] {
  return [...digests].map((digest) => ({ kind: 'manifest', repository, digest }));
}

export function blobCandidates(digests: Iterable<string>): CandidateRow[] {
  return [...digests].map((digest) => ({ kind: 'blob', repository: '', digest }));
}

export function toDate(value: number | string | bigint): Date {
  return new Date(Number(value));
}
