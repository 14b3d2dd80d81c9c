/**
 * The mark phase: from the recorded candidates, decide what is garbage without changing
 * anything. Only candidates, their supporters (to decide liveness) and what garbage points at
 * (which may have lived only through it) are ever loaded, so the work follows the garbage.
 *
 * The plan holds the whole decision in memory (a few hundred bytes per examined manifest or
 * blob): a dry run must report exactly what the real run removes, and deciding in pages would
 * let the two differ (a blob referenced by garbage from two pages looks alive to each page).
 */
import type {
  BlobNode,
  CandidateKind,
  GcCandidate,
  ManifestKey,
  ManifestNode,
  ManifestOutgoing,
  RepositoryNode,
} from '../../ports/metadata-lifecycle.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { compare } from './gc-report.js';
import { decideLiveness, isRoot, manifestKey, supporterKeys, type YouthRule } from './liveness.js';

const CANDIDATE_PAGE = 2000;

export interface GcPlan {
  /** Garbage manifests in removal order: an index before its children, a referrer before its subject. */
  manifests: ManifestKey[];
  garbage: Set<string>;
  repositories: RepositoryNode[];
  /** Garbage blobs (not tombstoned yet). */
  blobs: BlobNode[];
  /** Blobs an earlier, interrupted run tombstoned: their deletion is finished first. */
  pending: Array<{ digest: string; size: number }>;
  /**
   * What was examined and found alive for good (through a tag, or a live manifest's
   * reference): its candidate row is forgotten after the sweep, unless touched again since.
   */
  drop: GcCandidate[];
  examined: number;
  /** Every manifest loaded to decide (garbage and what supports it). */
  nodes: ReadonlyMap<string, ManifestNode>;
}

export interface PlanContext {
  metadata: MetadataStore;
  cutoff: Date;
  restorableSince: Date;
  /** `berth gc --now`: youth protects only what a push may still build on (see YouthRule). */
  purge?: boolean;
  signal?: AbortSignal;
  onExamined?: (examined: number, known: number) => void;
}

export async function planCollection(ctx: PlanContext): Promise<GcPlan> {
  const { metadata, signal } = ctx;
  const rule = youthRule(ctx);
  const candidates = {
    manifest: await allCandidates(metadata, 'manifest', signal),
    blob: await allCandidates(metadata, 'blob', signal),
    repository: await allCandidates(metadata, 'repository', signal),
  };
  const known = candidates.manifest.length + candidates.blob.length + candidates.repository.length;
  const graph = new ManifestGraph(ctx);
  await graph.expand(candidates.manifest.map(({ repository, digest }) => ({ repository, digest })));
  // Garbage makes what it points at examinable; repeat until nothing new is reached.
  for (;;) {
    signal?.throwIfAborted();
    ctx.onExamined?.(graph.nodes.size, known);
    const { live } = decideLiveness(graph.nodes, rule);
    const fresh = [...graph.nodes.keys()].filter((k) => !live.has(k) && !graph.outgoing.has(k));
    if (fresh.length === 0) break;
    const children = await graph.loadOutgoing(fresh);
    await graph.expand(children);
  }
  const { live, permanent } = decideLiveness(graph.nodes, rule);
  const garbage = new Set([...graph.nodes.keys()].filter((k) => !live.has(k)));
  const drop: GcPlan['drop'] = [];
  const sinceOf = new Map(candidates.manifest.map((c) => [manifestKey(c.repository, c.digest), c.since]));
  for (const c of candidates.manifest) if (!graph.nodes.has(manifestKey(c.repository, c.digest))) drop.push(c);
  // Children of garbage get a candidate row from the sweep; those alive for good lose it again.
  for (const key of permanent) drop.push({ kind: 'manifest', ...fromKey(key), since: sinceOf.get(key) ?? COLLECTOR_SINCE });

  const blobs = await planBlobs(ctx, candidates.blob, graph, garbage, drop);
  const repositories = await planRepositories(ctx, candidates.repository, graph, garbage, drop);
  const pending = await metadata.tombstonedBlobs({ signal });
  return {
    manifests: removalOrder(graph, garbage),
    garbage,
    repositories,
    blobs: blobs.chosen,
    pending,
    drop,
    examined: graph.nodes.size + blobs.examined + candidates.repository.length,
    nodes: graph.nodes,
  };
}

function youthRule(ctx: PlanContext): YouthRule {
  return { cutoff: ctx.cutoff.getTime(), purge: ctx.purge === true };
}

/** The `since` of candidate rows the collector records for itself (see deleteGarbageManifests). */
const COLLECTOR_SINCE = new Date(0);

async function allCandidates(metadata: MetadataStore, kind: CandidateKind, signal?: AbortSignal): Promise<GcCandidate[]> {
  const all: GcCandidate[] = [];
  for (let page = await metadata.gcCandidates(kind, undefined, CANDIDATE_PAGE, { signal }); page.length > 0; ) {
    all.push(...page);
    if (page.length < CANDIDATE_PAGE) break;
    page = await metadata.gcCandidates(kind, page[page.length - 1], CANDIDATE_PAGE, { signal });
  }
  return all;
}

/** The loaded part of the reference graph. */
class ManifestGraph {
  readonly nodes = new Map<string, ManifestNode>();
  readonly outgoing = new Map<string, ManifestOutgoing>();
  private readonly absent = new Set<string>();

  constructor(private readonly ctx: PlanContext) {}

  /** Loads `keys` and, for every one that is not a root, its supporters, transitively. */
  async expand(keys: ManifestKey[]): Promise<void> {
    const rule = youthRule(this.ctx);
    let frontier = this.unknown(keys);
    while (frontier.length > 0) {
      const found = await this.ctx.metadata.manifestNodes(frontier, this.ctx.restorableSince, { signal: this.ctx.signal });
      for (const node of found) this.nodes.set(manifestKey(node.repository, node.digest), node);
      const next: ManifestKey[] = [];
      for (const k of frontier) {
        const node = this.nodes.get(manifestKey(k.repository, k.digest));
        if (node === undefined) {
          this.absent.add(manifestKey(k.repository, k.digest));
          continue;
        }
        if (isRoot(node, rule)) continue;
        for (const s of supporterKeys(node)) next.push(fromKey(s));
      }
      frontier = this.unknown(next);
    }
  }

  /** Records what `keys` point at; resolves to their children, to be examined next. */
  async loadOutgoing(keys: string[]): Promise<ManifestKey[]> {
    const found = await this.ctx.metadata.manifestOutgoing(keys.map(fromKey), { signal: this.ctx.signal });
    for (const k of keys) this.outgoing.set(k, { ...fromKey(k), children: [], blobs: [] });
    const children: ManifestKey[] = [];
    for (const o of found) {
      this.outgoing.set(manifestKey(o.repository, o.digest), o);
      for (const child of o.children) children.push({ repository: o.repository, digest: child });
    }
    return children;
  }

  private unknown(keys: ManifestKey[]): ManifestKey[] {
    const seen = new Set<string>();
    return keys.filter((k) => {
      const key = manifestKey(k.repository, k.digest);
      if (seen.has(key) || this.nodes.has(key) || this.absent.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

function fromKey(key: string): ManifestKey {
  const at = key.indexOf('\u0000');
  return { repository: key.slice(0, at), digest: key.slice(at + 1) };
}

async function planBlobs(
  ctx: PlanContext,
  candidates: GcCandidate[],
  graph: ManifestGraph,
  garbage: Set<string>,
  drop: GcPlan['drop'],
): Promise<{ chosen: BlobNode[]; examined: number }> {
  const cutoff = ctx.cutoff.getTime();
  // References from garbage manifests go with them; count them to see what else remains.
  const doomedRefs = new Map<string, number>();
  // Newest garbage manifest referencing each blob: a manifest put after the blob's last link
  // means the push that linked it finished, so the blob is not one a push is building on.
  const newestReferrer = new Map<string, number>();
  for (const key of garbage) {
    const created = graph.nodes.get(key)?.createdAt.getTime() ?? 0;
    for (const blob of new Set(graph.outgoing.get(key)?.blobs ?? [])) {
      doomedRefs.set(blob, (doomedRefs.get(blob) ?? 0) + 1);
      newestReferrer.set(blob, Math.max(newestReferrer.get(blob) ?? 0, created));
    }
  }
  const candidateSince = new Map(candidates.map((c) => [c.digest, c.since.getTime()]));
  const digests = [...new Set([...candidates.map((c) => c.digest), ...doomedRefs.keys()])];
  const nodes = await ctx.metadata.blobNodes(digests, { signal: ctx.signal });
  const byDigest = new Map(nodes.map((n) => [n.digest, n]));
  const chosen: BlobNode[] = [];
  const alive = new Set<string>();
  for (const node of nodes) {
    if (node.deleting) continue;
    if (node.references > (doomedRefs.get(node.digest) ?? 0)) {
      alive.add(node.digest);
      continue;
    }
    const touched = Math.max(node.createdAt.getTime(), node.lastLinkedAt?.getTime() ?? 0);
    let young = touched >= cutoff;
    if (young && ctx.purge === true) {
      // Released after its last upload or link: a manifest referencing it was put since (and is
      // garbage now), or a delete dropped a reference since (its candidate row says when).
      const released = (newestReferrer.get(node.digest) ?? -1) >= touched || (candidateSince.get(node.digest) ?? -1) > touched;
      young = !released;
    }
    if (!node.claimed && !young) chosen.push(node);
  }
  const sinceOf = new Map(candidates.map((c) => [c.digest, c.since]));
  for (const c of candidates) if (!byDigest.has(c.digest)) drop.push(c);
  for (const digest of alive) drop.push({ kind: 'blob', repository: '', digest, since: sinceOf.get(digest) ?? COLLECTOR_SINCE });
  return { chosen: chosen.sort((a, b) => compare(a.digest, b.digest)), examined: digests.length };
}

async function planRepositories(
  ctx: PlanContext,
  candidates: GcCandidate[],
  graph: ManifestGraph,
  garbage: Set<string>,
  drop: GcPlan['drop'],
): Promise<RepositoryNode[]> {
  if (candidates.length === 0) return [];
  const doomed = new Map<string, number>();
  for (const key of garbage) {
    const node = graph.nodes.get(key);
    if (node) doomed.set(node.repository, (doomed.get(node.repository) ?? 0) + 1);
  }
  const nodes = await ctx.metadata.repositoryNodes(
    candidates.map((c) => c.repository),
    ctx.restorableSince,
    { signal: ctx.signal },
  );
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const chosen: RepositoryNode[] = [];
  for (const c of candidates) {
    const node = byName.get(c.repository);
    // Tagged again: someone uses the name; the candidate is stale for good.
    if (node === undefined || node.tagged) {
      drop.push(c);
      continue;
    }
    const remaining = node.manifests - (doomed.get(node.name) ?? 0);
    if (remaining === 0 && !node.restorable && !node.uploading) chosen.push(node);
  }
  return chosen.sort((a, b) => compare(a.name, b.name));
}

/** Containers before what they contain, so a kept container never points at a removed manifest. */
function removalOrder(graph: ManifestGraph, garbage: Set<string>): ManifestKey[] {
  const edges = new Map<string, string[]>();
  const indegree = new Map<string, number>([...garbage].map((k) => [k, 0]));
  const edge = (from: string, to: string) => {
    if (!garbage.has(to) || from === to) return;
    const list = edges.get(from);
    if (list === undefined) edges.set(from, [to]);
    else list.push(to);
    indegree.set(to, (indegree.get(to) ?? 0) + 1);
  };
  for (const key of garbage) {
    const node = graph.nodes.get(key);
    if (node === undefined) continue;
    for (const child of graph.outgoing.get(key)?.children ?? []) edge(key, manifestKey(node.repository, child));
    if (node.subject !== undefined) edge(key, manifestKey(node.repository, node.subject));
  }
  const ready = [...garbage].filter((k) => indegree.get(k) === 0).sort(compare);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const key = ready[i]!;
    order.push(key);
    for (const to of edges.get(key) ?? []) {
      const left = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  // Digests make containment acyclic; anything left would be a store inconsistency. Keep it last.
  if (order.length < garbage.size) {
    const placed = new Set(order);
    order.push(...[...garbage].filter((k) => !placed.has(k)).sort(compare));
  }
  return order.map(fromKey);
}
