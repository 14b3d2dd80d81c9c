/**
 * A repository's tags as the UI lists them: one page from the store, then, for that page only,
 * sizes (an index's per platform), and markers for signatures, SBOMs and attestations from
 * referrers and cosign's tag scheme. The page's cost follows its size, not the repository's.
 */
import type { TagSort } from '../../ports/metadata-browse.js';
import type { Actor } from '../access/admin-context.js';
import { readableRepository, type BrowseDeps, type PageRequest } from './browse-deps.js';
import { readManifestDocument } from './manifest-document.js';
import { cosignTags, marksOf, referrerKind, type Marks, type ReferrerKind } from './referrer-kinds.js';

export interface PlatformView {
  os: string;
  architecture: string;
  variant: string | null;
  digest: string;
  size: number;
}

export interface TagView extends Marks {
  tag: string;
  digest: string;
  mediaType: string;
  artifactType: string | undefined;
  size: number;
  pushedAt: Date;
  lastPulledAt: Date | undefined;
  platforms: PlatformView[];
}

export class TagListing {
  constructor(private readonly deps: BrowseDeps) {}

  async tags(actor: Actor, repository: string, query: PageRequest & { sort: TagSort; q: string }): Promise<{ items: TagView[]; total: number }> {
    await readableRepository(this.deps, actor, repository);
    const { metadata } = this.deps;
    const { total, tags } = await metadata.tagPage(repository, { sort: query.sort, q: query.q, offset: (query.page - 1) * query.n, limit: query.n });
    if (tags.length === 0) return { total, items: [] };
    const digests = [...new Set(tags.map((t) => t.digest))];
    const [sizes, details] = await Promise.all([
      metadata.manifestSizes(repository, digests),
      platformsOf(this.deps, repository, digests, new Set(tags.filter((t) => isIndexType(t.mediaType)).map((t) => t.digest))),
    ]);
    const kinds = await kindsOf(this.deps, repository, digests);
    const sizeOf = new Map(sizes.map((s) => [s.digest, s.size + s.blobBytes]));
    const items = tags.map((t) => {
      const index = details.get(t.digest);
      const own = sizeOf.get(t.digest) ?? 0;
      const marks = marksOf([...(kinds.get(t.digest) ?? []), ...(index?.attested === true ? (['attestation'] as const) : [])]);
      return {
        ...t,
        ...marks,
        size: own + (index?.childBytes ?? 0),
        platforms: index?.platforms ?? [],
      };
    });
    return { total, items };
  }
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType);
}

interface IndexDetails {
  platforms: PlatformView[];
  /** Bytes of every child (attestation manifests too): what pulling them all costs. */
  childBytes: number;
  /** It carries buildx attestation manifests. */
  attested: boolean;
}

/** Each index's platforms with their sizes (children stored in the repository). */
export async function platformsOf(deps: BrowseDeps, repository: string, digests: string[], indexes: ReadonlySet<string>): Promise<Map<string, IndexDetails>> {
  const out = new Map<string, IndexDetails>();
  const wanted = digests.filter((d) => indexes.has(d));
  if (wanted.length === 0) return out;
  const records = await Promise.all(wanted.map((d) => deps.metadata.manifest(repository, d)));
  const documents = records.map((r) => (r === undefined ? undefined : readManifestDocument(r.body)));
  const children = documents.flatMap((d) => d?.children.map((c) => c.digest) ?? []);
  const sizes = new Map((await deps.metadata.manifestSizes(repository, children)).map((s) => [s.digest, s.size + s.blobBytes]));
  wanted.forEach((digest, i) => {
    const doc = documents[i];
    if (doc === undefined) return;
    out.set(digest, {
      platforms: doc.children
        .filter((c) => !c.attestation)
        .map((c) => ({ os: c.os, architecture: c.architecture, variant: c.variant, digest: c.digest, size: sizes.get(c.digest) ?? 0 })),
      childBytes: doc.children.reduce((sum, c) => sum + (sizes.get(c.digest) ?? 0), 0),
      attested: doc.children.some((c) => c.attestation),
    });
  });
  return out;
}

/** Referrer kinds per subject digest, OCI referrers and cosign's tags alike. */
export async function kindsOf(deps: BrowseDeps, repository: string, digests: string[]): Promise<Map<string, ReferrerKind[]>> {
  const kinds = new Map<string, ReferrerKind[]>();
  const add = (digest: string, kind: ReferrerKind) => kinds.set(digest, [...(kinds.get(digest) ?? []), kind]);
  const byTag = new Map<string, { digest: string; kind: ReferrerKind }>();
  for (const digest of digests) {
    const tags = cosignTags(digest);
    if (tags === undefined) continue;
    for (const [kind, tag] of Object.entries(tags)) byTag.set(tag, { digest, kind: kind as ReferrerKind });
  }
  const [referrers, existing] = await Promise.all([
    deps.metadata.referrersOf(repository, digests),
    byTag.size === 0 ? Promise.resolve([]) : deps.metadata.existingTags(repository, [...byTag.keys()]),
  ]);
  for (const r of referrers) add(r.subject, referrerKind(r.artifactType));
  for (const tag of existing) {
    const hit = byTag.get(tag);
    if (hit !== undefined) add(hit.digest, hit.kind);
  }
  return kinds;
}
