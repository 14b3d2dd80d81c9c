/**
 * Upload-session rows: creation under the per-account and per-project caps, progress, the
 * idle sessions a purge or a full account gives up, and what a project's sessions have staged.
 *
 * The caps are counted in the transaction that inserts, so concurrent starts on SQLite (one
 * writer at a time, BEGIN IMMEDIATE) cannot overshoot; on PostgreSQL two may, by at most the
 * number of starts racing, which a cap meant against floods tolerates.
 */
import type { IoOptions } from '../../ports/blob-store.js';
import {
  MetadataUploadLimitError,
  type UploadLimits,
  type UploadScope,
  type UploadSession,
  type UploadTotals,
} from '../../ports/metadata-store.js';
import { projectOf } from '../../ports/project-name.js';
import { STORE_NAME, type Executor } from './lifecycle-sql.js';
import type { MetadataDialect } from './migrations.js';
import { compiledPerDialect } from './prepared-query.js';
import type { Database } from './schema.js';
import type { Kysely, SelectQueryBuilder } from 'kysely';

export async function insertUpload(
  db: Kysely<Database>,
  dialect: MetadataDialect,
  session: UploadSession,
  options: IoOptions & { limits?: UploadLimits } = {},
): Promise<void> {
  options.signal?.throwIfAborted();
  const project = projectOf(session.repository);
  const insert = (ex: Executor) =>
    insertUploadRow(
      ex,
      dialect,
      session.id,
      session.repository,
      session.account ?? null,
      project,
      session.size,
      session.createdAt.getTime(),
      session.updatedAt.getTime(),
    );
  const limits = options.limits;
  if (limits === undefined || (limits.perAccount === undefined && limits.perProject === undefined)) {
    await insert(db);
    return;
  }
  await db.transaction().execute(async (trx) => {
    // The account first: its refusal ("you have N open") is the one a caller can act on.
    const checks: Array<[UploadScope, number | undefined]> = [[{ project }, limits.perProject]];
    if (session.account !== undefined) checks.unshift([{ account: session.account }, limits.perAccount]);
    for (const [scope, limit] of checks) {
      if (limit === undefined) continue;
      const open = (await compiledTotals(trx, dialect, scope)).sessions;
      if (open >= limit) throw new MetadataUploadLimitError(STORE_NAME, scope, open, limit);
    }
    await insert(trx);
  });
}

export async function staleUploadRows(
  db: Kysely<Database>,
  before: Date,
  options: IoOptions & { scope?: UploadScope; limit?: number } = {},
): Promise<UploadSession[]> {
  options.signal?.throwIfAborted();
  let query = db.selectFrom('uploads').selectAll().where('updated_at', '<', before.getTime());
  if (options.scope !== undefined) query = inScope(query, options.scope);
  query = query.orderBy('updated_at');
  if (options.limit !== undefined) query = query.limit(options.limit);
  return (await query.execute()).map(toUploadSession);
}

export async function uploadTotals(db: Kysely<Database>, scope: UploadScope, options: IoOptions = {}): Promise<UploadTotals> {
  options.signal?.throwIfAborted();
  return totals(db, scope);
}

async function totals(ex: Executor, scope: UploadScope): Promise<UploadTotals> {
  const row = await totalsOf(ex, scope).executeTakeFirst();
  return { sessions: Number(row?.sessions ?? 0), stagedBytes: Number(row?.staged ?? 0) };
}

/** totals() for the cap checks every upload start runs, compiled once (see prepared-query.ts). */
async function compiledTotals(ex: Executor, dialect: MetadataDialect, scope: UploadScope): Promise<UploadTotals> {
  const { rows } = 'account' in scope ? await accountTotals(ex, dialect, scope.account) : await projectTotals(ex, dialect, scope.project);
  const row = rows[0];
  return { sessions: Number(row?.sessions ?? 0), stagedBytes: Number(row?.staged ?? 0) };
}

const totalsOf = (ex: Executor, scope: UploadScope) =>
  inScope(ex.selectFrom('uploads'), scope).select((eb) => [
    eb.fn.countAll().as('sessions'),
    eb.fn.sum<number | string | bigint | null>('size').as('staged'),
  ]);

const accountTotals = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, account: string) => totalsOf(ex, { account }),
  ['\0account'],
);

const projectTotals = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, project: string) => totalsOf(ex, { project }),
  ['\0project'],
);

// The statements every push runs on its session row, compiled once per dialect (see
// prepared-query.ts). Sample values only have to differ from each other and from the builders'
// own constants.
const insertUploadRow = compiledPerDialect(
  (
    ex: Executor,
    _dialect: MetadataDialect,
    id: string,
    repository: string,
    account: string | null,
    project: string,
    size: number,
    createdAt: number,
    updatedAt: number,
  ) =>
    ex.insertInto('uploads').values({ id, repository, account, project, size, created_at: createdAt, updated_at: updatedAt }),
  ['\0id', '\0repository', '\0account', '\0project', -101, -102, -103],
);

/** The session row, or undefined. */
export const selectUpload = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, id: string) => ex.selectFrom('uploads').selectAll().where('id', '=', id),
  ['\0id'],
);

/** Moves a session's size from `from` to `to` (compare-and-set); numAffectedRows says whether it did. */
export const advanceUploadRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, id: string, from: number, to: number, updatedAt: number, hashState: string | null) =>
    ex.updateTable('uploads').set({ size: to, updated_at: updatedAt, hash_state: hashState }).where('id', '=', id).where('size', '=', from),
  ['\0id', -101, -102, -103, '\0hash'],
);

/** Records the digest a session proved; numAffectedRows 0 when the session is gone. */
export const claimUploadRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, id: string, digest: string, updatedAt: number) =>
    ex.updateTable('uploads').set({ digest, updated_at: updatedAt }).where('id', '=', id),
  ['\0id', '\0digest', -101],
);

/** claimUploadRow that also moves the size from `from` to `to`, as advanceUploadRow (hash state cleared). */
export const claimAdvancingUploadRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, id: string, digest: string, from: number, to: number, updatedAt: number) =>
    ex
      .updateTable('uploads')
      .set({ digest, updated_at: updatedAt, size: to, hash_state: null })
      .where('id', '=', id)
      .where('size', '=', from),
  ['\0id', '\0digest', -101, -102, -103],
);

/** Removes a session row; numAffectedRows says whether there was one. */
export const deleteUploadRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, id: string) => ex.deleteFrom('uploads').where('id', '=', id),
  ['\0id'],
);

/** Removes a session row and says which repository it was for (no row: it was not there). */
export const takeUploadRow = compiledPerDialect(
  (ex: Executor, _dialect: MetadataDialect, id: string) => ex.deleteFrom('uploads').where('id', '=', id).returning('repository'),
  ['\0id'],
);

function inScope<O>(query: SelectQueryBuilder<Database, 'uploads', O>, scope: UploadScope): SelectQueryBuilder<Database, 'uploads', O> {
  return 'account' in scope ? query.where('account', '=', scope.account) : query.where('project', '=', scope.project);
}

export function toUploadSession(row: {
  id: string;
  repository: string;
  account: string | null;
  size: number | string | bigint;
  created_at: number | string | bigint;
  updated_at: number | string | bigint;
  digest: string | null;
  hash_state?: string | null;
}): UploadSession {
  return {
    id: row.id,
    repository: row.repository,
    ...(row.account === null ? {} : { account: row.account }),
    size: Number(row.size),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    ...(row.digest === null ? {} : { claimedDigest: row.digest }),
    ...(row.hash_state === null || row.hash_state === undefined ? {} : { hashState: row.hash_state }),
  };
}
