/**
 * The collector's writes. Each re-checks, inside its own transaction, the facts the collector
 * decided on: between the decision and the write a push may have tagged, referenced, linked
 * or claimed what looked like garbage, and then the write leaves it alone. The rows read for
 * the re-check are locked first on PostgreSQL (see lifecycle-sql.ts).
 */
import {
  GC_MAX_BATCH,
  type GarbageCheck,
  type GarbageManifestResult,
  type ManifestKey,
  type TombstonedBlob,
} from '../../ports/metadata-lifecycle.js';
import {
  addCandidatesKeepingSince,
  blobCandidates,
  byChunks,
  chunked,
  forUpdate,
  pairKey,
  PAIR_CHUNK,
  uniquePairs,
  VALUE_CHUNK,
  type CandidateRow,
  type Executor,
  type LifecycleContext,
} from './lifecycle-sql.js';
import { removeManifestUsage } from './usage-counters.js';

/** Candidates the collector records for itself carry no grace of their own. */
const NO_GRACE = 0;

export async function deleteGarbageManifests(
  ctx: LifecycleContext,
  batch: ManifestKey[],
  check: GarbageCheck,
): Promise<GarbageManifestResult> {
  const keys = uniquePairs(batch);
  if (keys.length > GC_MAX_BATCH) throw new RangeError(`deleteGarbageManifests takes at most ${GC_MAX_BATCH} manifests`);
  if (keys.length === 0) return { deleted: [], kept: [] };
  return ctx.db.transaction().execute(async (trx) => {
    const facts = await readFacts(ctx, trx, keys, check.restorableSince);
    const kept = new Set<string>();
    const live = (repository: string, digest: string): boolean =>
      !check.isGarbage(repository, digest) || kept.has(pairKey(repository, digest));
    const accepted: ManifestKey[] = [];
    const keptKeys: ManifestKey[] = [];
    for (const k of keys) {
      const id = pairKey(k.repository, k.digest);
      const row = facts.rows.get(id);
      if (row === undefined) continue;
      const cutoff = check.cutoff.getTime();
      const since = facts.candidateSince.get(id);
      const supported =
        facts.tagged.has(id) ||
        facts.restorable.has(id) ||
        row.createdAt >= cutoff ||
        (since !== undefined && since >= cutoff) ||
        (facts.parents.get(id) ?? []).some((p) => live(k.repository, p)) ||
        (facts.referrers.get(id) ?? []).some((r) => live(k.repository, r)) ||
        (row.subject !== null && facts.subjects.has(pairKey(k.repository, row.subject)) && live(k.repository, row.subject));
      if (supported) {
        kept.add(id);
        keptKeys.push(k);
      } else {
        accepted.push(k);
      }
    }
    if (accepted.length > 0) await removeManifests(trx, accepted);
    return { deleted: accepted, kept: keptKeys };
  });
}

interface ManifestFacts {
  rows: Map<string, { createdAt: number; subject: string | null }>;
  tagged: Set<string>;
  restorable: Set<string>;
  candidateSince: Map<string, number>;
  parents: Map<string, string[]>;
  referrers: Map<string, string[]>;
  /** Subjects of the batch that exist as manifests. */
  subjects: Set<string>;
}

async function readFacts(ctx: LifecycleContext, trx: Executor, keys: ManifestKey[], restorableSince: Date): Promise<ManifestFacts> {
  const rows = await byChunks(keys, PAIR_CHUNK, (chunk) =>
    forUpdate(
      ctx.dialect,
      trx
        .selectFrom('manifests')
        .select(['repository', 'digest', 'subject', 'created_at'])
        .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest)))),
    ).execute(),
  );
  const facts: ManifestFacts = {
    rows: new Map(rows.map((r) => [pairKey(r.repository, r.digest), { createdAt: Number(r.created_at), subject: r.subject }])),
    tagged: new Set(),
    restorable: new Set(),
    candidateSince: new Map(),
    parents: new Map(),
    referrers: new Map(),
    subjects: new Set(),
  };
  const tags = await byChunks(keys, PAIR_CHUNK, (chunk) =>
    trx
      .selectFrom('tags')
      .select(['repository', 'digest'])
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute(),
  );
  for (const t of tags) facts.tagged.add(pairKey(t.repository, t.digest));
  const deleted = await byChunks(keys, PAIR_CHUNK, (chunk) =>
    trx
      .selectFrom('deleted_tags')
      .select(['repository', 'digest'])
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .where('deleted_at', '>=', restorableSince.getTime())
      .execute(),
  );
  for (const d of deleted) facts.restorable.add(pairKey(d.repository, d.digest));
  const candidates = await byChunks(keys, PAIR_CHUNK, (chunk) =>
    trx
      .selectFrom('gc_candidates')
      .select(['repository', 'digest', 'since'])
      .where('kind', '=', 'manifest')
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute(),
  );
  for (const c of candidates) facts.candidateSince.set(pairKey(c.repository, c.digest), Number(c.since));
  const parents = await byChunks(keys, PAIR_CHUNK, (chunk) =>
    trx
      .selectFrom('manifest_manifest_refs')
      .select(['repository', 'parent', 'child'])
      .where((eb) => eb(eb.refTuple('repository', 'child'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute(),
  );
  for (const p of parents) push(facts.parents, pairKey(p.repository, p.child), p.parent);
  const referrers = await byChunks(keys, PAIR_CHUNK, (chunk) =>
    trx
      .selectFrom('manifests')
      .select(['repository', 'digest', 'subject'])
      .where((eb) => eb(eb.refTuple('repository', 'subject'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute(),
  );
  for (const r of referrers) if (r.subject !== null) push(facts.referrers, pairKey(r.repository, r.subject), r.digest);
  const subjectKeys = uniquePairs(
    rows.flatMap((r) => (r.subject === null ? [] : [{ repository: r.repository, digest: r.subject }])),
  );
  const subjects = await byChunks(subjectKeys, PAIR_CHUNK, (chunk) =>
    trx
      .selectFrom('manifests')
      .select(['repository', 'digest'])
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute(),
  );
  for (const s of subjects) facts.subjects.add(pairKey(s.repository, s.digest));
  return facts;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Deletes manifests already re-checked, children first; records what they pointed at. */
async function removeManifests(trx: Executor, keys: ManifestKey[]): Promise<void> {
  const blobs = new Set<string>();
  const children: CandidateRow[] = [];
  const usage = new Map<string, { repository: string; blobs: string[]; manifestBytes: number }>();
  for (const chunk of chunked(keys, PAIR_CHUNK)) {
    const sizes = await trx
      .selectFrom('manifests')
      .select(['repository', 'digest', 'size'])
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    for (const m of sizes) usage.set(pairKey(m.repository, m.digest), { repository: m.repository, blobs: [], manifestBytes: Number(m.size) });
    const refs = await trx
      .selectFrom('manifest_blob_refs')
      .select(['repository', 'manifest', 'blob'])
      .where((eb) => eb(eb.refTuple('repository', 'manifest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    for (const r of refs) {
      blobs.add(r.blob);
      usage.get(pairKey(r.repository, r.manifest))?.blobs.push(r.blob);
    }
    const listed = await trx
      .selectFrom('manifest_manifest_refs')
      .select(['repository', 'child'])
      .where((eb) => eb(eb.refTuple('repository', 'parent'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    for (const c of listed) children.push({ kind: 'manifest', repository: c.repository, digest: c.child });
    await trx
      .deleteFrom('manifest_blob_refs')
      .where((eb) => eb(eb.refTuple('repository', 'manifest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    await trx
      .deleteFrom('manifest_manifest_refs')
      .where((eb) => eb(eb.refTuple('repository', 'parent'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    // Only expired records remain here (a restorable one kept the manifest alive).
    await trx
      .deleteFrom('deleted_tags')
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    await trx
      .deleteFrom('gc_candidates')
      .where('kind', '=', 'manifest')
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
    await trx
      .deleteFrom('manifests')
      .where((eb) => eb(eb.refTuple('repository', 'digest'), 'in', chunk.map((k) => eb.tuple(k.repository, k.digest))))
      .execute();
  }
  await removeManifestUsage(trx, [...usage.values()]);
  await addCandidatesKeepingSince(trx, [...blobCandidates(blobs), ...children], NO_GRACE);
}

export async function tombstoneBlobs(ctx: LifecycleContext, digests: string[], cutoff: Date): Promise<TombstonedBlob[]> {
  const unique = [...new Set(digests)];
  if (unique.length > GC_MAX_BATCH) throw new RangeError(`tombstoneBlobs takes at most ${GC_MAX_BATCH} digests`);
  if (unique.length === 0) return [];
  const now = ctx.now().getTime();
  const limit = cutoff.getTime();
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await byChunks(unique, VALUE_CHUNK, (chunk) =>
      forUpdate(ctx.dialect, trx.selectFrom('blobs').select(['digest', 'size', 'created_at', 'deleting_at']).where('digest', 'in', chunk)).execute(),
    );
    // Links are locked before references are read: a manifest put holds its links FOR SHARE.
    const links = await byChunks(unique, VALUE_CHUNK, (chunk) =>
      forUpdate(ctx.dialect, trx.selectFrom('repository_blobs').select(['digest', 'repository', 'created_at']).where('digest', 'in', chunk)).execute(),
    );
    const referenced = await byChunks(unique, VALUE_CHUNK, (chunk) =>
      trx.selectFrom('manifest_blob_refs').select('blob').distinct().where('blob', 'in', chunk).execute(),
    );
    const claimed = await byChunks(unique, VALUE_CHUNK, (chunk) =>
      trx.selectFrom('uploads').select('digest').distinct().where('digest', 'in', chunk).execute(),
    );
    const busy = new Set<string>([...referenced.map((r) => r.blob), ...claimed.flatMap((c) => (c.digest === null ? [] : [c.digest]))]);
    const linksOf = new Map<string, string[]>();
    for (const l of links) {
      if (Number(l.created_at) >= limit) busy.add(l.digest);
      const list = linksOf.get(l.digest);
      if (list === undefined) linksOf.set(l.digest, [l.repository]);
      else list.push(l.repository);
    }
    const accepted = rows.filter((r) => r.deleting_at === null && Number(r.created_at) < limit && !busy.has(r.digest));
    if (accepted.length === 0) return [];
    const chosen = accepted.map((r) => r.digest);
    for (const chunk of chunked(chosen, VALUE_CHUNK)) {
      await trx.deleteFrom('repository_blobs').where('digest', 'in', chunk).execute();
      await trx.updateTable('blobs').set({ deleting_at: now }).where('digest', 'in', chunk).execute();
    }
    // A crash before forgetBlobs leaves the tombstones for the next collector to finish.
    await addCandidatesKeepingSince(trx, blobCandidates(chosen), NO_GRACE);
    return accepted.map((r) => ({ digest: r.digest, size: Number(r.size), links: (linksOf.get(r.digest) ?? []).sort() }));
  });
}

export async function forgetBlobs(ctx: LifecycleContext, digests: string[]): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    for (const chunk of chunked([...new Set(digests)], VALUE_CHUNK)) {
      await trx.deleteFrom('gc_candidates').where('kind', '=', 'blob').where('repository', '=', '').where('digest', 'in', chunk).execute();
      await trx.deleteFrom('blobs').where('digest', 'in', chunk).where('deleting_at', 'is not', null).execute();
    }
  });
}

export async function removeRepository(
  ctx: LifecycleContext,
  name: string,
  restorableSince: Date,
): Promise<{ links: string[] } | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    const repo = await forUpdate(ctx.dialect, trx.selectFrom('repositories').select('name').where('name', '=', name)).executeTakeFirst();
    if (repo === undefined) return undefined;
    const inUse =
      (await trx.selectFrom('manifests').select('digest').where('repository', '=', name).limit(1).executeTakeFirst()) ??
      (await trx.selectFrom('tags').select('name').where('repository', '=', name).limit(1).executeTakeFirst()) ??
      (await trx.selectFrom('uploads').select('id').where('repository', '=', name).limit(1).executeTakeFirst()) ??
      (await trx
        .selectFrom('deleted_tags')
        .select('name')
        .where('repository', '=', name)
        .where('deleted_at', '>=', restorableSince.getTime())
        .limit(1)
        .executeTakeFirst());
    if (inUse !== undefined) return undefined;
    const links = await trx.selectFrom('repository_blobs').select('digest').where('repository', '=', name).orderBy('digest').execute();
    await trx.deleteFrom('repository_blobs').where('repository', '=', name).execute();
    await trx.deleteFrom('deleted_tags').where('repository', '=', name).execute();
    await trx.deleteFrom('gc_candidates').where('repository', '=', name).execute();
    // A repository pushed again under this name starts with no stars.
    await trx.deleteFrom('stars').where('repository', '=', name).execute();
    await trx.deleteFrom('repositories').where('name', '=', name).execute();
    return { links: links.map((l) => l.digest) };
  });
}
