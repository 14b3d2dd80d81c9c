/**
 * The web UI's read queries (MetadataBrowse) in SQL both dialects accept: correlated
 * subqueries on primary-key prefixes, no window functions, no dialect-only functions.
 */
import { sql, type RawBuilder } from 'kysely';
import type {
  FactsScope,
  ManifestSize,
  RecentPush,
  RepositoryFacts,
  SubjectReferrer,
  TagQuery,
  TagRow,
} from '../../ports/metadata-browse.js';
import { byChunks, VALUE_CHUNK, type LifecycleContext } from './lifecycle-sql.js';
import { containsPattern, givenUp, inProjectSql } from './repository-sql.js';

type Num = number | string | bigint;
const num = (value: Num | null | undefined): number => (value === null || value === undefined ? 0 : Number(value));
const date = (value: Num | null | undefined): Date | undefined => (value === null || value === undefined ? undefined : new Date(Number(value)));

/** Bytes of the distinct blobs manifest `alias` references (config and layers). */
function blobBytesOf(alias: string): RawBuilder<Num> {
  return sql<Num>`coalesce((select sum(b.size) from manifest_blob_refs r join blobs b on b.digest = r.blob
    where r.repository = ${sql.ref(`${alias}.repository`)} and r.manifest = ${sql.ref(`${alias}.digest`)}), 0)`;
}

/** A manifest's body, its blobs and, for an index, each child's body and blobs. */
function totalSizeOf(alias: string): RawBuilder<Num> {
  return sql<Num>`(${sql.ref(`${alias}.size`)} + ${blobBytesOf(alias)} + coalesce((select sum(c.size + ${blobBytesOf('c')})
    from manifest_manifest_refs mm join manifests c on c.repository = mm.repository and c.digest = mm.child
    where mm.repository = ${sql.ref(`${alias}.repository`)} and mm.parent = ${sql.ref(`${alias}.digest`)}), 0))`;
}

export async function repositoryFacts(ctx: LifecycleContext, scope: FactsScope): Promise<RepositoryFacts[]> {
  const where = (column: string) => ('project' in scope ? inProjectSql(column, scope.project) : sql`${sql.ref(column)} = ${scope.repository}`);
  const { rows } = await sql<{
    name: string;
    description: string | null;
    description_source: string | null;
    edited_description: string | null;
    tag_count: Num;
    last_pushed: Num | null;
    stars: Num;
  }>`select r.name, r.description, r.description_source, r.edited_description,
      (select count(*) from tags t where t.repository = r.name) as tag_count,
      (select max(t.updated_at) from tags t where t.repository = r.name) as last_pushed,
      (select count(*) from stars s join users u on u.name = s.user_name where s.repository = r.name) as stars
    from repositories r where ${where('r.name')} and not ${givenUp('r.name')} order by r.name`.execute(ctx.db);
  if (rows.length === 0) return [];
  const bytes = new Map<string, number>();
  const add = (name: string, value: Num) => bytes.set(name, (bytes.get(name) ?? 0) + num(value));
  const { rows: blobRows } = await sql<{ repository: string; bytes: Num }>`
    select d.repository, coalesce(sum(b.size), 0) as bytes
    from (select distinct repository, blob from manifest_blob_refs where ${where('repository')}) d
    join blobs b on b.digest = d.blob group by d.repository`.execute(ctx.db);
  const { rows: manifestRows } = await sql<{ repository: string; bytes: Num }>`
    select repository, coalesce(sum(size), 0) as bytes from manifests where ${where('repository')} group by repository`.execute(ctx.db);
  for (const r of [...blobRows, ...manifestRows]) add(r.repository, r.bytes);
  return rows.map((r) => {
    const edited = r.edited_description !== null;
    const pushed = r.description !== null && r.description !== '';
    return {
      name: r.name,
      description: (edited ? r.edited_description : r.description) ?? '',
      descriptionSource: edited ? 'edited' : pushed ? (r.description_source === 'label' ? 'label' : 'annotation') : undefined,
      tagCount: num(r.tag_count),
      lastPushedAt: date(r.last_pushed),
      stars: num(r.stars),
      bytes: bytes.get(r.name) ?? 0,
    };
  });
}

export async function tagPage(ctx: LifecycleContext, repository: string, query: TagQuery): Promise<{ total: number; tags: TagRow[] }> {
  const filter = query.q === '' ? sql`` : sql`and lower(t.name) like ${containsPattern(query.q)} escape '\\'`;
  const order =
    query.sort === 'tag' ? sql`t.name` : query.sort === '-pushed' ? sql`t.updated_at desc, t.name` : sql`${totalSizeOf('m')} desc, t.name`;
  const { rows: counted } = await sql<{ total: Num }>`select count(*) as total from tags t where t.repository = ${repository} ${filter}`.execute(ctx.db);
  const total = num(counted[0]?.total);
  if (total === 0 || query.offset >= total) return { total, tags: [] };
  const { rows } = await sql<{
    name: string;
    digest: string;
    updated_at: Num;
    media_type: string;
    artifact_type: string | null;
    last_pulled_at: Num | null;
  }>`select t.name, t.digest, t.updated_at, m.media_type, m.artifact_type, m.last_pulled_at
    from tags t join manifests m on m.repository = t.repository and m.digest = t.digest
    where t.repository = ${repository} ${filter}
    order by ${order} limit ${query.limit} offset ${query.offset}`.execute(ctx.db);
  return {
    total,
    tags: rows.map((r) => ({
      tag: r.name,
      digest: r.digest,
      mediaType: r.media_type,
      artifactType: r.artifact_type ?? undefined,
      pushedAt: new Date(Number(r.updated_at)),
      lastPulledAt: date(r.last_pulled_at),
    })),
  };
}

export async function manifestSizes(ctx: LifecycleContext, repository: string, digests: readonly string[]): Promise<ManifestSize[]> {
  return byChunks([...new Set(digests)], VALUE_CHUNK, async (chunk) => {
    const rows = await ctx.db
      .selectFrom('manifests as m')
      .select(['m.digest', 'm.size', blobBytesOf('m').as('blob_bytes')])
      .where('m.repository', '=', repository)
      .where('m.digest', 'in', chunk)
      .execute();
    return rows.map((r) => ({ digest: r.digest, size: num(r.size), blobBytes: num(r.blob_bytes) }));
  });
}

export async function referrersOf(ctx: LifecycleContext, repository: string, subjects: readonly string[]): Promise<SubjectReferrer[]> {
  const rows = await byChunks([...new Set(subjects)], VALUE_CHUNK, (chunk) =>
    ctx.db
      .selectFrom('manifests')
      .select(['subject', 'digest', 'media_type', 'artifact_type', 'size', 'annotations'])
      .where('repository', '=', repository)
      .where('subject', 'in', chunk)
      .execute(),
  );
  return rows
    .map((r) => ({
      subject: r.subject ?? '',
      digest: r.digest,
      mediaType: r.media_type,
      artifactType: r.artifact_type ?? undefined,
      size: num(r.size),
      annotations: r.annotations === null ? undefined : (JSON.parse(r.annotations) as Record<string, string>),
    }))
    .sort((a, b) => (a.subject === b.subject ? compare(a.digest, b.digest) : compare(a.subject, b.subject)));
}

export async function tagsOf(ctx: LifecycleContext, repository: string, digest: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', digest).orderBy('name').execute();
  return rows.map((r) => r.name);
}

export async function existingTags(ctx: LifecycleContext, repository: string, names: readonly string[]): Promise<string[]> {
  const rows = await byChunks([...new Set(names)], VALUE_CHUNK, (chunk) =>
    ctx.db.selectFrom('tags').select('name').where('repository', '=', repository).where('name', 'in', chunk).execute(),
  );
  return rows.map((r) => r.name);
}

export async function repositoriesWithBlob(ctx: LifecycleContext, digest: string, page: { after?: string; limit: number }): Promise<string[]> {
  if (page.limit <= 0) return [];
  let query = ctx.db
    .selectFrom('manifest_blob_refs as r')
    .select('r.repository')
    .distinct()
    .where('r.blob', '=', digest)
    .where(sql<boolean>`not ${givenUp('r.repository')}`);
  if (page.after !== undefined) query = query.where('r.repository', '>', page.after);
  const rows = await query.orderBy('r.repository').limit(page.limit).execute();
  return rows.map((r) => r.repository);
}

export async function recentPushes(ctx: LifecycleContext, page: { before?: RecentPush; limit: number }): Promise<RecentPush[]> {
  if (page.limit <= 0) return [];
  let query = ctx.db.selectFrom('tags').select(['repository', 'name', 'digest', 'updated_at']);
  const before = page.before;
  if (before !== undefined) {
    const at = before.pushedAt.getTime();
    // (updated_at, repository, name) below the previous row's, in the order of the listing.
    query = query.where((eb) =>
      eb.or([
        eb('updated_at', '<', at),
        eb.and([eb('updated_at', '=', at), eb('repository', '>', before.repository)]),
        eb.and([eb('updated_at', '=', at), eb('repository', '=', before.repository), eb('name', '>', before.tag)]),
      ]),
    );
  }
  const rows = await query.orderBy('updated_at', 'desc').orderBy('repository').orderBy('name').limit(page.limit).execute();
  return rows.map((r) => ({ repository: r.repository, tag: r.name, digest: r.digest, pushedAt: new Date(Number(r.updated_at)) }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
