/**
 * MetadataUsage's queries: usage from the kept counters and recomputed from the references,
 * pull stamps, what retention judges, and the conditional deletes retention makes.
 */
import { sql } from 'kysely';
import type { ProjectUsage, PullRecord, RepositoryUsage, RetentionView } from '../../ports/metadata-usage.js';
import { projectOf } from '../../ports/project-name.js';
import { addCandidates, forUpdate, manifestCandidates, recordDeletedTags, type LifecycleContext } from './lifecycle-sql.js';
import { removeManifestIn } from './manifest-writes.js';

/**
 * Repositories of a project: the name itself, or a name in [`project/`, `project0`) — '0'
 * follows '/' in byte order, which keys have in both dialects (see migrations.ts). A range
 * rather than LIKE: `_` is legal in names and a wildcard in LIKE, and a range uses the index.
 */
function inProject(project: string): { exact: string; from: string; to: string } {
  return { exact: project, from: `${project}/`, to: `${project}0` };
}

export async function projectUsage(ctx: LifecycleContext, project: string | undefined): Promise<ProjectUsage[]> {
  let query = ctx.db.selectFrom('project_usage').selectAll().orderBy('project');
  if (project !== undefined) query = query.where('project', '=', project);
  const rows = await query.execute();
  return rows.map((r) => ({
    project: r.project,
    blobs: Number(r.blobs),
    blobBytes: Number(r.blob_bytes),
    manifests: Number(r.manifests),
    manifestBytes: Number(r.manifest_bytes),
  }));
}

export async function repositoryUsage(ctx: LifecycleContext, project: string | undefined): Promise<RepositoryUsage[]> {
  const scope = project === undefined ? undefined : inProject(project);
  const where = (column: string) =>
    scope === undefined
      ? sql`1 = 1`
      : sql`(${sql.ref(column)} = ${scope.exact} or (${sql.ref(column)} >= ${scope.from} and ${sql.ref(column)} < ${scope.to}))`;
  const { rows: blobRows } = await sql<{ repository: string; blobs: number | string; bytes: number | string }>`
    select r.repository as repository, count(*) as blobs, coalesce(sum(b.size), 0) as bytes
    from (select distinct repository, blob from manifest_blob_refs where ${where('repository')}) r
    join blobs b on b.digest = r.blob
    group by r.repository`.execute(ctx.db);
  const { rows: manifestRows } = await sql<{ repository: string; manifests: number | string; bytes: number | string }>`
    select repository, count(*) as manifests, coalesce(sum(size), 0) as bytes
    from manifests where ${where('repository')} group by repository`.execute(ctx.db);
  const usage = new Map<string, RepositoryUsage>();
  const entry = (repository: string): RepositoryUsage => {
    let u = usage.get(repository);
    if (u === undefined) usage.set(repository, (u = { repository, blobs: 0, blobBytes: 0, manifests: 0, manifestBytes: 0 }));
    return u;
  };
  for (const r of blobRows) Object.assign(entry(r.repository), { blobs: Number(r.blobs), blobBytes: Number(r.bytes) });
  for (const r of manifestRows) Object.assign(entry(r.repository), { manifests: Number(r.manifests), manifestBytes: Number(r.bytes) });
  return [...usage.values()].sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0));
}

export async function recountProjectUsage(ctx: LifecycleContext, project: string | undefined): Promise<ProjectUsage[]> {
  const scope = project === undefined ? undefined : inProject(project);
  let refs = ctx.db
    .selectFrom('manifest_blob_refs as r')
    .innerJoin('blobs as b', 'b.digest', 'r.blob')
    .select(['r.repository', 'r.blob', 'b.size']);
  let manifests = ctx.db.selectFrom('manifests').select(['repository', 'size']);
  if (scope !== undefined) {
    refs = refs.where((eb) =>
      eb.or([eb('r.repository', '=', scope.exact), eb.and([eb('r.repository', '>=', scope.from), eb('r.repository', '<', scope.to)])]),
    );
    manifests = manifests.where((eb) =>
      eb.or([eb('repository', '=', scope.exact), eb.and([eb('repository', '>=', scope.from), eb('repository', '<', scope.to)])]),
    );
  }
  const totals = new Map<string, ProjectUsage>();
  const seen = new Set<string>();
  const entry = (p: string): ProjectUsage => {
    let u = totals.get(p);
    if (u === undefined) totals.set(p, (u = { project: p, blobs: 0, blobBytes: 0, manifests: 0, manifestBytes: 0 }));
    return u;
  };
  for (const m of await manifests.execute()) {
    const u = entry(projectOf(m.repository));
    u.manifests++;
    u.manifestBytes += Number(m.size);
  }
  for (const r of await refs.execute()) {
    const p = projectOf(r.repository);
    if (seen.has(`${p}\u0000${r.blob}`)) continue;
    seen.add(`${p}\u0000${r.blob}`);
    const u = entry(p);
    u.blobs++;
    u.blobBytes += Number(r.size);
  }
  return [...totals.values()].filter((u) => project === undefined || u.project === project).sort((a, b) => (a.project < b.project ? -1 : 1));
}

export async function projectHoldsBlob(ctx: LifecycleContext, project: string, digest: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('project_blobs').select('refs').where('project', '=', project).where('digest', '=', digest).executeTakeFirst();
  return row !== undefined && Number(row.refs) > 0;
}

export async function projectRepositories(ctx: LifecycleContext, project: string): Promise<string[]> {
  const scope = inProject(project);
  const rows = await ctx.db
    .selectFrom('repositories')
    .select('name')
    .where((eb) => eb.or([eb('name', '=', scope.exact), eb.and([eb('name', '>=', scope.from), eb('name', '<', scope.to)])]))
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

export async function recordPulls(ctx: LifecycleContext, records: readonly PullRecord[]): Promise<void> {
  if (records.length === 0) return;
  await ctx.db.transaction().execute(async (trx) => {
    for (const r of records) {
      const at = r.at.getTime();
      await trx
        .updateTable('manifests')
        .set({ last_pulled_at: at })
        .where('repository', '=', r.repository)
        .where('digest', '=', r.digest)
        .where((eb) => eb.or([eb('last_pulled_at', 'is', null), eb('last_pulled_at', '<', at)]))
        .execute();
    }
  });
}

export async function retentionView(ctx: LifecycleContext, repository: string, restorableSince: Date): Promise<RetentionView> {
  const tags = await ctx.db
    .selectFrom('tags as t')
    .innerJoin('manifests as m', (join) => join.onRef('m.repository', '=', 't.repository').onRef('m.digest', '=', 't.digest'))
    .select(['t.name', 't.digest', 't.updated_at', 'm.last_pulled_at'])
    .where('t.repository', '=', repository)
    .orderBy('t.name')
    .execute();
  const untagged = await untaggedManifests(ctx, repository, restorableSince.getTime(), undefined);
  return {
    repository,
    tags: tags.map((t) => ({
      tag: t.name,
      digest: t.digest,
      pushedAt: new Date(Number(t.updated_at)),
      lastPulledAt: t.last_pulled_at === null ? undefined : new Date(Number(t.last_pulled_at)),
    })),
    untagged: untagged.map((m) => ({ digest: m.digest, createdAt: new Date(Number(m.created_at)) })),
  };
}

/** See RetentionView.untagged; `digest` narrows it to one manifest. */
async function untaggedManifests(ctx: LifecycleContext, repository: string, restorableSince: number, digest: string | undefined) {
  let query = ctx.db
    .selectFrom('manifests as m')
    .select(['m.digest', 'm.created_at'])
    .where('m.repository', '=', repository)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('tags as t').select('t.name').whereRef('t.repository', '=', 'm.repository').whereRef('t.digest', '=', 'm.digest'))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('manifest_manifest_refs as p')
            .select('p.parent')
            .whereRef('p.repository', '=', 'm.repository')
            .whereRef('p.child', '=', 'm.digest'),
        ),
      ),
    )
    .where(({ or, eb, not, exists, selectFrom }) =>
      or([
        eb('m.subject', 'is', null),
        not(exists(selectFrom('manifests as s').select('s.digest').whereRef('s.repository', '=', 'm.repository').whereRef('s.digest', '=', 'm.subject'))),
      ]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deleted_tags as d')
            .select('d.name')
            .whereRef('d.repository', '=', 'm.repository')
            .whereRef('d.digest', '=', 'm.digest')
            .where('d.deleted_at', '>=', restorableSince),
        ),
      ),
    )
    .orderBy('m.digest');
  if (digest !== undefined) query = query.where('m.digest', '=', digest);
  return query.execute();
}

export async function deleteTagIf(ctx: LifecycleContext, repository: string, tag: string, digest: string): Promise<boolean> {
  const now = ctx.now().getTime();
  return ctx.db.transaction().execute(async (trx) => {
    // One statement: a tag moved by a push since retention looked is not this tag any more
    // (on PostgreSQL a read, then a delete by name, would remove the push's tag).
    const row = await trx
      .deleteFrom('tags')
      .where('repository', '=', repository)
      .where('name', '=', tag)
      .where('digest', '=', digest)
      .returning('updated_at')
      .executeTakeFirst();
    if (row === undefined) return false;
    await recordDeletedTags(trx, repository, [{ name: tag, digest, updated_at: row.updated_at }], now);
    await addCandidates(trx, manifestCandidates(repository, [digest]), now);
    return true;
  });
}

export async function deleteUntaggedManifest(
  ctx: LifecycleContext,
  repository: string,
  digest: string,
  createdBefore: Date,
  restorableSince: Date,
): Promise<boolean> {
  const now = ctx.now().getTime();
  return ctx.db.transaction().execute(async (trx) => {
    // Locked before the check (PostgreSQL): a push tagging it meanwhile waits, or is waited for.
    await forUpdate(ctx.dialect, trx.selectFrom('manifests').select('digest').where('repository', '=', repository).where('digest', '=', digest)).execute();
    const still = await untaggedManifests({ ...ctx, db: trx }, repository, restorableSince.getTime(), digest);
    if (still.length === 0 || Number(still[0]!.created_at) >= createdBefore.getTime()) return false;
    return removeManifestIn(trx, ctx.dialect, repository, digest, now);
  });
}
