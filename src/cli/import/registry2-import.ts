/**
 * Imports a registry:2 filesystem root (registry2-layout.ts) through the registry's own use
 * cases, as a client's push would go: every blob through an upload session (digest verified,
 * linked into its repository, the collector's claim protocol respected, usage counted), every
 * manifest and tag through ManifestService.put (references checked, quotas and write policies
 * applied). So it is safe while `berth serve` runs on the same data, and a re-run skips what
 * the registry already holds: blobs its repository links, manifests it stores, tags that
 * already name the same digest.
 *
 * Order inside a repository: layers, then manifests that reference no other manifest, then
 * indexes (their children first, until nothing more can be put), then tags from current/link.
 * Revisions without a tag are imported too, so they stay pullable by digest.
 */
import type { ParsedManifest } from '../../core/manifest/parse-manifest.js';
import { parseManifest } from '../../core/manifest/parse-manifest.js';
import { DigestInvalidError, RegistryError } from '../../core/errors.js';
import type { Registry } from '../../core/registry/registry.js';
import type { Registry2Layout, Registry2Repository } from './registry2-layout.js';

export type SkipReason = 'dangling link' | 'corrupt blob' | 'unknown media type' | 'invalid manifest' | 'missing reference' | 'malformed entry' | 'refused';

export interface Skipped {
  reason: SkipReason;
  repository: string;
  /** A digest, tag or path. */
  what: string;
  detail?: string;
}

export interface ImportSummary {
  repositories: number;
  tags: number;
  manifests: number;
  /** Blobs linked into repositories by this run (each repository counts its own). */
  blobs: number;
  /** Of those, how many were new to the store: hard-linked, or copied. */
  linked: number;
  copied: number;
  /** Bytes new to the store in this run. */
  bytes: number;
  /** Already imported (a re-run): blobs, manifests and tags left as they were. */
  alreadyThere: number;
  /** Unfinished uploads in the source, never imported. */
  uploadsSkipped: number;
  skipped: Skipped[];
  durationMs: number;
}

export interface ImportProgress {
  repositories: number;
  totalRepositories: number;
  tags: number;
  totalTags: number;
  bytes: number;
  totalBytes: number;
  /** Bytes actually hashed and stored in this run (for the rate behind the ETA). */
  moved: number;
}

export interface ImportOptions {
  /** Copy even when a hard link is possible. */
  copy: boolean;
  maxManifestBytes: number;
  /** Called before a repository's first write, to create its project. */
  ensureProject?: (repository: string) => Promise<void>;
  /** Called for each tag imported (to audit it as a push is). */
  onTag?: (repository: string, tag: string, digest: string) => Promise<void>;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

export async function importRegistry2(layout: Registry2Layout, registry: Registry, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const repos: Registry2Repository[] = [];
  for await (const repo of layout.repositories()) repos.push(repo);
  const sizes = new Map<string, number | undefined>();
  for (const repo of repos) for (const digest of repo.layers) if (!sizes.has(digest)) sizes.set(digest, await layout.blobSize(digest));
  const progress: ImportProgress = {
    repositories: 0,
    totalRepositories: repos.length,
    tags: 0,
    totalTags: repos.reduce((n, r) => n + r.tags.size, 0),
    bytes: 0,
    totalBytes: repos.reduce((n, r) => n + r.layers.reduce((m, d) => m + (sizes.get(d) ?? 0), 0), 0),
    moved: 0,
  };
  const summary: ImportSummary = {
    repositories: 0, tags: 0, manifests: 0, blobs: 0, linked: 0, copied: 0, bytes: 0, alreadyThere: 0, uploadsSkipped: 0, skipped: [], durationMs: 0,
  };
  /** Digests found corrupt in this run: not read twice. */
  const corrupt = new Set<string>();
  const report = () => options.onProgress?.({ ...progress });
  report();
  const { metadata } = registry.deps;
  for (const repo of repos) {
    options.signal?.throwIfAborted();
    const name = repo.name;
    const skip = (reason: SkipReason, what: string, detail?: string) => summary.skipped.push({ reason, repository: name, what, ...(detail === undefined ? {} : { detail }) });
    for (const m of repo.malformed) skip('malformed entry', m.path, m.why);
    summary.uploadsSkipped += repo.uploads;
    await options.ensureProject?.(name);

    for (const digest of repo.layers) {
      options.signal?.throwIfAborted();
      const size = sizes.get(digest);
      if (await metadata.linkedBlob(name, digest)) {
        summary.alreadyThere += 1;
      } else if (size === undefined) {
        skip('dangling link', digest, 'the layer link names a blob that is not in blobs/');
      } else if (corrupt.has(digest)) {
        skip('corrupt blob', digest, 'its bytes do not hash to its digest');
      } else if (await registry.blobs.mount(name, digest, undefined)) {
        summary.blobs += 1;
      } else {
        const path = layout.blobPath(digest);
        const local = layout.tree.localPath?.(path);
        try {
          const result = await registry.uploads.importFile(name, digest, local ?? '', () => layout.tree.open(path), {
            link: !options.copy && local !== undefined,
            size,
          });
          summary.blobs += 1;
          summary.bytes += result.size;
          if (result.linked) summary.linked += 1;
          else summary.copied += 1;
          progress.moved += result.size;
        } catch (error) {
          if (!(error instanceof DigestInvalidError)) throw error;
          corrupt.add(digest);
          skip('corrupt blob', digest, 'its bytes do not hash to its digest');
        }
      }
      progress.bytes += size ?? 0;
      report();
    }

    // Manifests: read and parse each revision, then put them children first.
    const pending = new Map<string, { body: Buffer; parsed: ParsedManifest }>();
    for (const digest of repo.revisions) {
      if (await metadata.manifest(name, digest)) {
        summary.alreadyThere += 1;
        continue;
      }
      const size = await layout.blobSize(digest);
      const body = size === undefined ? undefined : await layout.tree.read(layout.blobPath(digest), options.maxManifestBytes);
      if (body === undefined) {
        skip(size === undefined ? 'dangling link' : 'refused', digest, size === undefined ? 'the revision names a blob that is not in blobs/' : `manifest of ${size} bytes is over the limit`);
        continue;
      }
      try {
        pending.set(digest, { body, parsed: parseManifest(body, undefined) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        skip(/media type|schema1|schemaVersion/.test(message) ? 'unknown media type' : 'invalid manifest', digest, message);
      }
    }
    const failed = new Map<string, string>();
    for (let progressed = true; pending.size > 0 && progressed; ) {
      progressed = false;
      for (const [digest, { body, parsed }] of pending) {
        if (parsed.manifests.some((child) => pending.has(child))) continue;
        pending.delete(digest);
        progressed = true;
        try {
          await registry.manifests.put(name, digest, body, parsed.mediaType);
          summary.manifests += 1;
        } catch (error) {
          if (error instanceof DigestInvalidError) skip('corrupt blob', digest, 'the manifest does not hash to its digest');
          else if (error instanceof RegistryError) failed.set(digest, error.message);
          else throw error;
        }
      }
    }
    for (const digest of pending.keys()) failed.set(digest, 'its child manifests reference each other');
    for (const [digest, why] of failed) {
      skip(/unknown blob|manifest\(s\)/.test(why) ? 'missing reference' : 'refused', digest, why);
    }

    for (const [tag, digest] of repo.tags) {
      options.signal?.throwIfAborted();
      const current = await metadata.manifestByTag(name, tag);
      if (current?.digest === digest) {
        summary.alreadyThere += 1;
      } else {
        const record = await metadata.manifest(name, digest);
        if (record === undefined) {
          skip(repo.revisions.includes(digest) ? 'missing reference' : 'dangling link', tag, `the tag names ${digest}, which was not imported`);
        } else {
          try {
            await registry.manifests.put(name, tag, record.body, record.mediaType);
            summary.tags += 1;
            await options.onTag?.(name, tag, digest);
          } catch (error) {
            if (!(error instanceof RegistryError)) throw error;
            skip('refused', tag, error.message);
          }
        }
      }
      progress.tags += 1;
      report();
    }
    summary.repositories += 1;
    progress.repositories += 1;
    report();
  }
  summary.durationMs = Date.now() - started;
  return summary;
}
