/** The wire shapes of the web UI's read API (see openapi-schemas.ts): null for "none". */
import type { RepositoryListItem, RepositorySummary, Overview } from '../../core/browse/repository-browser.js';
import type { ManifestDetails } from '../../core/browse/manifest-details.js';
import type { TagView } from '../../core/browse/tag-listing.js';
import { gcStatusJson } from './api-json.js';

type Json = Record<string, unknown>;

const iso = (date: Date | undefined): string | null => date?.toISOString() ?? null;

export function overviewJson(overview: Overview): Json {
  return {
    totalBytes: overview.totalBytes,
    projects: overview.projects.map((p) => ({ ...p, quotaBytes: p.quotaBytes ?? null })),
    biggestRepositories: overview.biggestRepositories,
    recentPushes: overview.recentPushes.map((p) => ({ ...p, pushedAt: p.pushedAt.toISOString() })),
    gc: overview.gc === undefined ? null : gcStatusJson(overview.gc),
  };
}

export function repositoryItemJson(item: RepositoryListItem): Json {
  return {
    name: item.name,
    description: item.description,
    tagCount: item.tagCount,
    bytes: item.bytes,
    lastPushedAt: iso(item.lastPushedAt),
    stars: item.stars,
    starred: item.starred,
  };
}

export function repositorySummaryJson(summary: RepositorySummary, host: string): Json {
  const target = `${host}/${summary.name}:${summary.pullTag}`;
  return {
    name: summary.name,
    project: summary.project,
    description: summary.description,
    descriptionSource: summary.descriptionSource ?? null,
    stars: summary.stars,
    starred: summary.starred,
    tagCount: summary.tagCount,
    bytes: summary.bytes,
    lastPushedAt: iso(summary.lastPushedAt),
    pullCommand: { docker: `docker pull ${target}`, podman: `podman pull ${target}` },
    canPush: summary.canPush,
    canDelete: summary.canDelete,
  };
}

export function tagJson(tag: TagView): Json {
  return {
    tag: tag.tag,
    digest: tag.digest,
    mediaType: tag.mediaType,
    artifactType: tag.artifactType ?? null,
    size: tag.size,
    pushedAt: tag.pushedAt.toISOString(),
    lastPulledAt: iso(tag.lastPulledAt),
    platforms: tag.platforms,
    signed: tag.signed,
    sbom: tag.sbom,
    attestations: tag.attestations,
  };
}

export function manifestJson(m: ManifestDetails): Json {
  return {
    digest: m.digest,
    mediaType: m.mediaType,
    artifactType: m.artifactType ?? null,
    size: m.size,
    tags: m.tags,
    raw: m.raw,
    platforms: m.platforms,
    config: m.config ?? null,
    layers: m.layers,
    history: m.history,
    referrers: m.referrers.map((r) => ({ ...r, artifactType: r.artifactType ?? null })),
    subject: m.subject ?? null,
  };
}
