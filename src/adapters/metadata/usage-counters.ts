/**
 * Keeps `project_blobs` (how many manifest references each project holds to each blob) and
 * `project_usage` (the deduplicated totals) in step with `manifest_blob_refs` and `manifests`.
 * Called inside the transactions that add or remove those rows, so the counters can never
 * disagree with the references they summarize; `recountProjectUsage` recomputes them from
 * scratch to prove it.
 *
 * Every change starts by locking the project's `project_usage` row (lockProjectUsage). SQLite
 * runs one transaction at a time, so there it changes nothing; PostgreSQL runs them side by side
 * under READ COMMITTED, where two pushes into one project would otherwise both read the same
 * totals (one update lost, and both passing a quota only one fits), or both insert the same new
 * `project_blobs` row (a unique violation). With the lock the second waits for the first to
 * commit and then reads its result. Projects are locked in name order, so a write touching
 * several (a collector's batch) cannot deadlock with another.
 */
import { sql } from 'kysely';
import { MetadataQuotaExceededError } from '../../ports/metadata-usage.js';
import { projectOf } from '../../ports/project-name.js';
import { chunked, STORE_NAME, VALUE_CHUNK, type Executor } from './lifecycle-sql.js';
import { compiledPerDialect, compiledPerListLength } from './prepared-query.js';

/** One manifest being added or removed: its repository, distinct blob references and size. */
export interface ManifestUsageChange {
  repository: string;
  blobs: readonly string[];
  manifestBytes: number;
}

interface Totals {
  blobs: number;
  blobBytes: number;
  manifests: number;
  manifestBytes: number;
}

const ZERO_ROW = { blobs: 0, blob_bytes: 0, manifests: 0, manifest_bytes: 0 };

/**
 * Locks the project's usage row until the transaction ends and reads its totals (see the file
 * comment). Portable: an upsert that changes nothing still takes the row lock on PostgreSQL,
 * and creates the row (zeros) when the project has none, so a first push is serialized too; a
 * zero row left at the end is removed by writeUsage. Callers that decide from the project's
 * usage in a transaction (a manifest put deciding whether its manifest is new) take it first.
 */
export async function lockProjectUsage(trx: Executor, project: string): Promise<Totals> {
  const row = await trx
    .insertInto('project_usage')
    .values({ project, ...ZERO_ROW })
    .onConflict((oc) => oc.column('project').doUpdateSet({ blobs: sql<number>`${sql.ref('project_usage.blobs')}` }))
    .returning(['blobs', 'blob_bytes', 'manifests', 'manifest_bytes'])
    .executeTakeFirstOrThrow();
  return totalsOf(row);
}

function totalsOf(row: { blobs: unknown; blob_bytes: unknown; manifests: unknown; manifest_bytes: unknown }): Totals {
  return {
    blobs: Number(row.blobs),
    blobBytes: Number(row.blob_bytes),
    manifests: Number(row.manifests),
    manifestBytes: Number(row.manifest_bytes),
  };
}

/**
 * Counts a new manifest. With `quotaBytes`, refuses (MetadataQuotaExceededError; the caller's
 * transaction then rolls back, counters included) when the bytes it adds — blobs the project
 * did not reference yet, plus its own body — would take the project past the quota.
 *
 * The statement that locks the usage row also adds the manifest itself (its count and bytes are
 * known before anything is read), and the blob totals change only when a blob is new to the
 * project: a push whose blobs the project already holds (a re-tag, a rebuild on cached layers)
 * writes the usage row once instead of locking it and writing it again.
 */
export async function addManifestUsage(
  trx: Executor,
  dialect: object,
  change: ManifestUsageChange,
  quotaBytes: number | undefined,
): Promise<void> {
  const project = projectOf(change.repository);
  const after = await lockAddingManifest(trx, dialect, project, change.manifestBytes);
  const blobs = [...new Set(change.blobs)];
  const held = new Set<string>();
  for (const chunk of chunked(blobs, VALUE_CHUNK)) {
    const { rows } = await selectHeldBlobs(trx, dialect, chunk, project);
    for (const r of rows) held.add(r.digest);
  }
  const fresh = blobs.filter((d) => !held.has(d));
  let freshBytes = 0;
  for (const chunk of chunked(fresh, VALUE_CHUNK)) {
    const rows = await trx.selectFrom('blobs').select('size').where('digest', 'in', chunk).execute();
    for (const r of rows) freshBytes += Number(r.size);
  }
  if (quotaBytes !== undefined) {
    const used = after.blobBytes + after.manifestBytes - change.manifestBytes;
    const adding = freshBytes + change.manifestBytes;
    if (adding > 0 && used + adding > quotaBytes) {
      throw new MetadataQuotaExceededError(STORE_NAME, project, used, adding, quotaBytes);
    }
  }
  for (const chunk of chunked([...held], VALUE_CHUNK)) await addBlobReference(trx, dialect, chunk, project);
  for (const chunk of chunked(fresh, VALUE_CHUNK)) {
    await trx
      .insertInto('project_blobs')
      .values(chunk.map((digest) => ({ project, digest, refs: 1 })))
      .execute();
  }
  if (fresh.length > 0) {
    await trx
      .updateTable('project_usage')
      .set({
        blobs: sql<number>`${sql.ref('blobs')} + ${fresh.length}`,
        blob_bytes: sql<number>`${sql.ref('blob_bytes')} + ${freshBytes}`,
      })
      .where('project', '=', project)
      .execute();
  }
}

/** lockProjectUsage that also counts one manifest of `bytes`; the totals include it. */
async function lockAddingManifest(trx: Executor, dialect: object, project: string, bytes: number): Promise<Totals> {
  const [row] = (await upsertAddingManifest(trx, dialect, project, bytes)).rows;
  if (row === undefined) throw new Error(`project_usage: no row returned for ${project}`);
  return totalsOf(row);
}

const selectHeldBlobs = compiledPerListLength(
  (trx: Executor, _dialect: object, digests: readonly string[], project: string) =>
    trx.selectFrom('project_blobs').select('digest').where('project', '=', project).where('digest', 'in', digests),
  ['\0project'],
);

const addBlobReference = compiledPerListLength(
  (trx: Executor, _dialect: object, digests: readonly string[], project: string) =>
    trx
      .updateTable('project_blobs')
      .set({ refs: sql<number>`refs + 1` })
      .where('project', '=', project)
      .where('digest', 'in', digests),
  ['\0project'],
);

// Compiled once per dialect (see prepared-query.ts); the sample's bytes differ from the 0 and 1.
const upsertAddingManifest = compiledPerDialect(
  (trx: Executor, _dialect: object, project: string, bytes: number) =>
    trx
      .insertInto('project_usage')
      .values({ project, blobs: 0, blob_bytes: 0, manifests: 1, manifest_bytes: bytes })
      .onConflict((oc) =>
        oc.column('project').doUpdateSet({
          manifests: sql<number>`${sql.ref('project_usage.manifests')} + 1`,
          manifest_bytes: sql<number>`${sql.ref('project_usage.manifest_bytes')} + ${bytes}`,
        }),
      )
      .returning(['blobs', 'blob_bytes', 'manifests', 'manifest_bytes']),
  ['\0project', -101],
);

/** Uncounts removed manifests; a blob leaves a project's usage with its last reference there. */
export async function removeManifestUsage(trx: Executor, changes: readonly ManifestUsageChange[]): Promise<void> {
  const byProject = new Map<string, { refs: Map<string, number>; manifests: number; manifestBytes: number }>();
  for (const change of changes) {
    const project = projectOf(change.repository);
    let entry = byProject.get(project);
    if (entry === undefined) byProject.set(project, (entry = { refs: new Map(), manifests: 0, manifestBytes: 0 }));
    entry.manifests++;
    entry.manifestBytes += change.manifestBytes;
    for (const blob of new Set(change.blobs)) entry.refs.set(blob, (entry.refs.get(blob) ?? 0) + 1);
  }
  const projects = [...byProject.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // All locked before any is changed, in name order (see the file comment).
  const before = new Map<string, Totals>();
  for (const project of projects) before.set(project, await lockProjectUsage(trx, project));
  for (const project of projects) {
    const entry = byProject.get(project)!;
    // Grouped by how many references go, so the common case (one) is one UPDATE per chunk.
    const byCount = new Map<number, string[]>();
    for (const [digest, count] of entry.refs) {
      const list = byCount.get(count);
      if (list === undefined) byCount.set(count, [digest]);
      else list.push(digest);
    }
    for (const [count, digests] of byCount) {
      for (const chunk of chunked(digests, VALUE_CHUNK)) {
        await trx
          .updateTable('project_blobs')
          .set({ refs: sql<number>`refs - ${count}` })
          .where('project', '=', project)
          .where('digest', 'in', chunk)
          .execute();
      }
    }
    let gone = 0;
    let goneBytes = 0;
    for (const chunk of chunked([...entry.refs.keys()], VALUE_CHUNK)) {
      const rows = await trx
        .selectFrom('project_blobs as pb')
        .innerJoin('blobs as b', 'b.digest', 'pb.digest')
        .select(['pb.digest', 'b.size'])
        .where('pb.project', '=', project)
        .where('pb.digest', 'in', chunk)
        .where('pb.refs', '<=', 0)
        .execute();
      if (rows.length === 0) continue;
      gone += rows.length;
      for (const r of rows) goneBytes += Number(r.size);
      await trx
        .deleteFrom('project_blobs')
        .where('project', '=', project)
        .where('digest', 'in', rows.map((r) => r.digest))
        .execute();
    }
    const was = before.get(project)!;
    await writeUsage(trx, project, {
      blobs: was.blobs - gone,
      blobBytes: was.blobBytes - goneBytes,
      manifests: was.manifests - entry.manifests,
      manifestBytes: was.manifestBytes - entry.manifestBytes,
    });
  }
}

async function writeUsage(trx: Executor, project: string, totals: Totals): Promise<void> {
  if (totals.manifests <= 0 && totals.blobs <= 0) {
    await trx.deleteFrom('project_usage').where('project', '=', project).execute();
    return;
  }
  const values = {
    blobs: totals.blobs,
    blob_bytes: totals.blobBytes,
    manifests: totals.manifests,
    manifest_bytes: totals.manifestBytes,
  };
  await trx
    .insertInto('project_usage')
    .values({ project, ...values })
    .onConflict((oc) => oc.column('project').doUpdateSet(values))
    .execute();
}

/**
 * A blob's recorded size was wrong (declared by a proxied manifest, then contradicted by the
 * bytes): fixes the row and every project total that counted the old size, projects locked in
 * name order as everywhere else.
 */
export async function correctBlobSize(trx: Executor, digest: string, oldSize: number, newSize: number): Promise<void> {
  const holders = await trx.selectFrom('project_blobs').select('project').where('digest', '=', digest).where('refs', '>', 0).execute();
  const projects = holders.map((h) => h.project).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const project of projects) {
    const totals = await lockProjectUsage(trx, project);
    await writeUsage(trx, project, { ...totals, blobBytes: totals.blobBytes - oldSize + newSize });
  }
  await trx.updateTable('blobs').set({ size: newSize }).where('digest', '=', digest).execute();
}
