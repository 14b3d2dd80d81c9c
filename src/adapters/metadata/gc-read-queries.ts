/**
 * The collector's reads: candidates, and the facts that decide liveness, each in bulk (one
 * query per fact per chunk of keys) so examining ten thousand candidates costs tens of queries
 * per thousand rather than one query per edge.
 */
import { sql } from 'kysely';
import type {
  BlobNode,
  CandidateKind,
  GcCandidate,
  ManifestKey,
  ManifestNode,
  ManifestOutgoing,
  RepositoryNode,
} from '../../ports/metadata-lifecycle.js';
import {
  addCandidatesKeepingSince,
  chunked,
  pairKey,
  PAIR_CHUNK,
  toDate,
  uniquePairs,
  VALUE_CHUNK,
  type Executor,
  type LifecycleContext,
} from './lifecycle-sql.js';

export async function gcCandidates(
  ctx: LifecycleContext,
  kind: CandidateKind,
  after: GcCandidate | undefined,
  limit: number,
): Promise<GcCandidate[]> {
  let query = ctx.db.selectFrom('gc_candidates').select(['kind', 'repository', 'digest', 'since']).where('kind', '=', kind);
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('repository', 'digest'), '>', eb.tuple(after.repository, after.digest)));
  }
  const rows = await query.orderBy('repository').orderBy('digest').limit(limit).execute();
  return rows.map((r) => ({ kind, repository: r.repository, digest: r.digest, since: toDate(r.since) }));
}

export async function dropGcCandidates(ctx: LifecycleContext, candidates: readonly GcCandidate[]): Promise<void> {
  const byKind = new Map<CandidateKind, GcCandidate[]>();
  for (const c of candidates) {
    const list = byKind.get(c.kind);
    if (list === undefined) byKind.set(c.kind, [c]);
    else list.push(c);
  }
  await ctx.db.transaction().execute(async (trx) => {
    for (const [kind, list] of byKind) {
      // Three parameters per row; `since` compared as it was read (see the port).
      for (const chunk of chunked(list, Math.floor(PAIR_CHUNK / 2))) {
        await trx
          .deleteFrom('gc_candidates')
          .where('kind', '=', kind)
          .where((eb) =>
            eb(
              eb.refTuple('repository', 'digest', 'since'),
              'in',
              chunk.map((c) => eb.tuple(c.repository, c.digest, c.since.getTime())),
            ),
          )
          .execute();
      }
    }
  });
}

export async function manifestNodes(ctx: LifecycleContext, keys: ManifestKey[], restorableSince: Date): Promise<ManifestNode[]> {
  const nodes: ManifestNode[] = [];
  for (const chunk of chunked(uniquePairs(keys), PAIR_CHUNK)) {
    const rows = await ctx.db
      .selectFrom('manifests')
      .select(['repository', 'digest', 'subject', 'created_at'])
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    if (rows.length === 0) continue;
    const found = new Map<string, ManifestNode>();
    for (const r of rows) {
      found.set(pairKey(r.repository, r.digest), {
        repository: r.repository,
        digest: r.digest,
        createdAt: toDate(r.created_at),
        subject: r.subject ?? undefined,
        tagged: false,
        restorable: false,
        candidateSince: undefined,
        parents: [],
        referrers: [],
      });
    }
    const present = rows.map((r) => ({ repository: r.repository, digest: r.digest }));
    await fillManifestFacts(ctx.db, present, found, restorableSince);
    nodes.push(...found.values());
  }
  return nodes;
}

async function fillManifestFacts(
  ex: Executor,
  present: ManifestKey[],
  found: Map<string, ManifestNode>,
  restorableSince: Date,
): Promise<void> {
  const at = (repository: string, digest: string): ManifestNode | undefined => found.get(pairKey(repository, digest));
  const tags = await ex
    .selectFrom('tags')
    .select(['repository', 'digest'])
    .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', present.map((k) => eb.tuple(k.repository, k.digest))))
    .execute();
  for (const t of tags) {
    const node = at(t.repository, t.digest);
    if (node) node.tagged = true;
  }
  const deleted = await ex
    .selectFrom('deleted_tags')
    .select(['repository', 'digest'])
    .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', present.map((k) => eb.tuple(k.repository, k.digest))))
    .where('deleted_at', '>=', restorableSince.getTime())
    .execute();
  for (const d of deleted) {
    const node = at(d.repository, d.digest);
    if (node) node.restorable = true;
  }
  const candidates = await ex
    .selectFrom('gc_candidates')
    .select(['repository', 'digest', 'since'])
    .where('kind', '=', 'manifest')
    .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', present.map((k) => eb.tuple(k.repository, k.digest))))
    .execute();
  for (const c of candidates) {
    const node = at(c.repository, c.digest);
    if (node) node.candidateSince = toDate(c.since);
  }
  const parents = await ex
    .selectFrom('manifest_manifest_refs')
    .select(['repository', 'parent', 'child'])
    .where((eb) => eb(eb.refTuple('repository', 'child'), 'in', present.map((k) => eb.tuple(k.repository, k.digest))))
    .execute();
  for (const p of parents) at(p.repository, p.child)?.parents.push(p.parent);
  const referrers = await ex
    .selectFrom('manifests')
    .select(['repository', 'digest', 'subject'])
    .where((eb) => eb(eb.refTuple('repository', 'subject'), 'in', present.map((k) => eb.tuple(k.repository, k.digest))))
    .execute();
  for (const r of referrers) if (r.subject !== null) at(r.repository, r.subject)?.referrers.push(r.digest);
}

export async function manifestOutgoing(ctx: LifecycleContext, keys: ManifestKey[]): Promise<ManifestOutgoing[]> {
  const out = new Map<string, ManifestOutgoing>();
  const entry = (repository: string, digest: string): ManifestOutgoing => {
    const k = pairKey(repository, digest);
    let e = out.get(k);
    if (e === undefined) {
      e = { repository, digest, children: [], blobs: [] };
      out.set(k, e);
    }
    return e;
  };
  for (const chunk of chunked(uniquePairs(keys), PAIR_CHUNK)) {
    const children = await ctx.db
      .selectFrom('manifest_manifest_refs')
      .select(['repository', 'parent', 'child'])
      .where((eb) => eb(eb.refTuple('repository', 'parent'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    for (const c of children) entry(c.repository, c.parent).children.push(c.child);
    const blobs = await ctx.db
      .selectFrom('manifest_blob_refs')
      .select(['repository', 'manifest', 'blob'])
      .where((eb) => eb(eb.refTuple('repository', 'manifest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    for (const b of blobs) entry(b.repository, b.manifest).blobs.push(b.blob);
  }
  return [...out.values()];
}

export async function blobNodes(ctx: LifecycleContext, digests: string[]): Promise<BlobNode[]> {
  const nodes: BlobNode[] = [];
  for (const chunk of chunked([...new Set(digests)], VALUE_CHUNK)) {
    const rows = await ctx.db
      .selectFrom('blobs')
      .select(['digest', 'size', 'created_at', 'deleting_at'])
      .where('digest', 'in', chunk)
      .execute();
    if (rows.length === 0) continue;
    const present = rows.map((r) => r.digest);
    const links = await ctx.db
      .selectFrom('repository_blobs')
      .select(['digest', 'repository', 'created_at'])
      .where('digest', 'in', present)
      .execute();
    const references = await ctx.db
      .selectFrom('manifest_blob_refs')
      .select(['blob', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('blob', 'in', present)
      .groupBy('blob')
      .execute();
    const claims = await ctx.db.selectFrom('uploads').select('digest').where('digest', 'in', present).execute();
    const counts = new Map(references.map((r) => [r.blob, Number(r.n)]));
    const claimed = new Set(claims.map((c) => c.digest));
    const linksOf = groupBy(links, (l) => l.digest);
    for (const r of rows) {
      const own = linksOf.get(r.digest) ?? [];
      const newest = own.reduce((max, l) => Math.max(max, Number(l.created_at)), -Infinity);
      nodes.push({
        digest: r.digest,
        size: Number(r.size),
        createdAt: toDate(r.created_at),
        lastLinkedAt: own.length === 0 ? undefined : new Date(newest),
        links: own.map((l) => l.repository).sort(),
        references: counts.get(r.digest) ?? 0,
        claimed: claimed.has(r.digest),
        deleting: r.deleting_at !== null,
      });
    }
  }
  return nodes;
}

export async function repositoryNodes(ctx: LifecycleContext, names: string[], restorableSince: Date): Promise<RepositoryNode[]> {
  const nodes: RepositoryNode[] = [];
  for (const chunk of chunked([...new Set(names)], VALUE_CHUNK)) {
    const rows = await ctx.db.selectFrom('repositories').select('name').where('name', 'in', chunk).execute();
    if (rows.length === 0) continue;
    const present = rows.map((r) => r.name);
    const manifests = await ctx.db
      .selectFrom('manifests')
      .select(['repository', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('repository', 'in', present)
      .groupBy('repository')
      .execute();
    const tagged = await ctx.db.selectFrom('tags').select('repository').distinct().where('repository', 'in', present).execute();
    const restorable = await ctx.db
      .selectFrom('deleted_tags')
      .select('repository')
      .distinct()
      .where('repository', 'in', present)
      .where('deleted_at', '>=', restorableSince.getTime())
      .execute();
    const uploading = await ctx.db.selectFrom('uploads').select('repository').distinct().where('repository', 'in', present).execute();
    const links = await ctx.db
      .selectFrom('repository_blobs')
      .select(['repository', 'digest'])
      .where('repository', 'in', present)
      .orderBy('repository')
      .orderBy('digest')
      .execute();
    const counts = new Map(manifests.map((m) => [m.repository, Number(m.n)]));
    const has = (list: Array<{ repository: string }>) => new Set(list.map((x) => x.repository));
    const [isTagged, isRestorable, isUploading] = [has(tagged), has(restorable), has(uploading)];
    const linksOf = groupBy(links, (l) => l.repository);
    for (const name of present) {
      nodes.push({
        name,
        manifests: counts.get(name) ?? 0,
        tagged: isTagged.has(name),
        restorable: isRestorable.has(name),
        uploading: isUploading.has(name),
        links: (linksOf.get(name) ?? []).map((l) => l.digest),
      });
    }
  }
  return nodes;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

export async function tombstonedBlobs(ctx: LifecycleContext): Promise<Array<{ digest: string; size: number }>> {
  // No ORDER BY: SQLite would walk the primary key for it instead of the partial index.
  const rows = await ctx.db.selectFrom('blobs').select(['digest', 'size']).where('deleting_at', 'is not', null).execute();
  return rows.map((r) => ({ digest: r.digest, size: Number(r.size) })).sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

/** Full mode's scan: everything that could be garbage becomes a candidate. */
export async function rebuildGcCandidates(ctx: LifecycleContext, since: Date): Promise<number> {
  const at = since.getTime();
  return ctx.db.transaction().execute(async (trx) => {
    const untagged = await trx
      .selectFrom('manifests as m')
      .select(['m.repository', 'm.digest'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('tags as t')
              .select(sql.lit(1).as('one'))
              .whereRef('t.repository', '=', 'm.repository')
              .whereRef('t.digest', '=', 'm.digest'),
          ),
        ),
      )
      .execute();
    const unreferenced = await trx
      .selectFrom('blobs as b')
      .select('b.digest')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('manifest_blob_refs as r').select(sql.lit(1).as('one')).whereRef('r.blob', '=', 'b.digest'))),
      )
      .execute();
    const empty = await trx
      .selectFrom('repositories as p')
      .select('p.name')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('manifests as m').select(sql.lit(1).as('one')).whereRef('m.repository', '=', 'p.name'))),
      )
      .execute();
    return addCandidatesKeepingSince(
      trx,
      [
        ...untagged.map((m) => ({ kind: 'manifest' as const, repository: m.repository, digest: m.digest })),
        ...unreferenced.map((b) => ({ kind: 'blob' as const, repository: '', digest: b.digest })),
        ...empty.map((p) => ({ kind: 'repository' as const, repository: p.name, digest: '' })),
      ],
      at,
    );
  });
}
