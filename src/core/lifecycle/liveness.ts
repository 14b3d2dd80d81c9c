/**
 * Which manifests live, decided over the part of the reference graph the collector loaded.
 *
 * Liveness is reachability from roots along "supports" edges, all within one repository:
 *   - roots: a tag points at it (for good), or a restorable deleted tag does, or it was
 *     created or last untagged within the grace period (for now; see YouthRule);
 *   - an index supports each child it lists (the child lives while the index does);
 *   - a referrer and its subject support each other: a signature lives while the image it
 *     signs lives, and an image a live (say, tagged) referrer points at stays too.
 * A cycle of mutual support with no root (an untagged image and its untagged signature) is
 * garbage as a whole, which counting references could not see.
 *
 * The loader expands every node that is not a root to all its supporters, so the answer is
 * exact for every loaded node: a root's own supporters need not be known to know it lives.
 */
import type { ManifestNode } from '../../ports/metadata-lifecycle.js';

/** A map key for a manifest; NUL occurs in neither a name nor a digest. */
export function manifestKey(repository: string, digest: string): string {
  return `${repository}\u0000${digest}`;
}

/**
 * How youth counts. Normally anything created or unreferenced after `cutoff` lives. With
 * `purge` (`berth gc --now`) youth only protects what a push may still be building on: a
 * manifest nothing lists, that has no subject and never lost a tag or a parent (a child pushed
 * before its index, an index pushed by digest); what was deleted goes at once.
 */
export interface YouthRule {
  cutoff: number;
  purge: boolean;
}

export function isYoung(node: ManifestNode, rule: YouthRule): boolean {
  const created = node.createdAt.getTime();
  const since = node.candidateSince?.getTime();
  const young = created >= rule.cutoff || (since !== undefined && since >= rule.cutoff);
  if (!young || !rule.purge) return young;
  // Lost a tag or a parent after it was pushed: deleted, not in flight.
  const released = since !== undefined && since > created;
  return !released && node.parents.length === 0 && node.subject === undefined;
}

export function isRoot(node: ManifestNode, rule: YouthRule): boolean {
  return node.tagged || node.restorable || isYoung(node, rule);
}

/** Keys of the manifests whose life keeps `node` alive. */
export function supporterKeys(node: ManifestNode): string[] {
  const keys = [...node.parents, ...node.referrers].map((d) => manifestKey(node.repository, d));
  if (node.subject !== undefined) keys.push(manifestKey(node.repository, node.subject));
  return keys;
}

export interface Liveness {
  /** Alive through any root. */
  live: Set<string>;
  /** Alive through a tag: no need to look at it again until something changes. */
  permanent: Set<string>;
}

export function decideLiveness(nodes: ReadonlyMap<string, ManifestNode>, rule: YouthRule): Liveness {
  const dependents = new Map<string, string[]>();
  for (const [key, node] of nodes) {
    for (const supporter of supporterKeys(node)) {
      if (!nodes.has(supporter)) continue;
      const list = dependents.get(supporter);
      if (list === undefined) dependents.set(supporter, [key]);
      else list.push(key);
    }
  }
  const spread = (seeds: Iterable<string>): Set<string> => {
    const reached = new Set<string>(seeds);
    const queue = [...reached];
    for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
      for (const next of dependents.get(key) ?? []) {
        if (reached.has(next)) continue;
        reached.add(next);
        queue.push(next);
      }
    }
    return reached;
  };
  const all = [...nodes.entries()];
  return {
    live: spread(all.filter(([, n]) => isRoot(n, rule)).map(([k]) => k)),
    permanent: spread(all.filter(([, n]) => n.tagged).map(([k]) => k)),
  };
}
