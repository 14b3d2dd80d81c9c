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
import type { Database } from './schema.js';
import type { Kysely, SelectQueryBuilder } from 'kysely';

export async function insertUpload(
  db: Kysely<Database>,
  session: UploadSession,
  options: IoOptions & { limits?: UploadLimits } = {},
): Promise<void> {
  options.signal?.throwIfAborted();
  const project = projectOf(session.repository);
  const insert = (ex: Executor) =>
    ex
      .insertInto('uploads')
      .values({
        id: session.id,
        repository: session.repository,
        account: session.account ?? null,
        project,
        size: session.size,
        created_at: session.createdAt.getTime(),
        updated_at: session.updatedAt.getTime(),
      })
      .execute();
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
      const open = (await totals(trx, scope)).sessions;
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
  const row = await inScope(ex.selectFrom('uploads'), scope)
    .select((eb) => [eb.fn.countAll().as('sessions'), eb.fn.sum<number | string | bigint | null>('size').as('staged')])
    .executeTakeFirst();
  return { sessions: Number(row?.sessions ?? 0), stagedBytes: Number(row?.staged ?? 0) };
}

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
