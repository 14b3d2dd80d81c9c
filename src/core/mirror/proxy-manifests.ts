/**
 * Manifests through a proxy project.
 *   by digest  immutable: served from the cache, else fetched once and cached.
 *   by tag     cached and checked within the TTL → served; past the TTL → one HEAD upstream:
 *              same digest → the check is stamped and the cache served; another digest → GET,
 *              cache, serve. Never cached → GET.
 * Upstream down, 5xx, 429 (any failure) while something is cached → the cache is served and the
 * failure logged (stale-if-error); with nothing cached the client gets the upstream's error. A
 * 404 upstream is remembered briefly (negative cache). A tag gone upstream keeps being served
 * from the cache, as a mirror that outlives its source should.
 *
 * Manifests are cached before their content (a client asks for the blobs afterwards): their
 * blobs are recorded at their declared sizes and referenced lazily (MetadataStore's
 * `lazyReferences`), and an index is cached without its children, so pulling one platform
 * caches the index and that platform only.
 */
import { MetadataBlobUnavailableError, MetadataMissingReferencesError } from '../../ports/metadata-lifecycle.js';
import type { ManifestRecord } from '../../ports/metadata-store.js';
import { MetadataQuotaExceededError } from '../../ports/metadata-usage.js';
import type { UpstreamManifest } from '../../ports/upstream-registry.js';
import { ManifestUnknownError } from '../errors.js';
import { quotaExceeded } from '../lifecycle/quota.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import { looksLikeDigest } from '../reference/reference.js';
import type { MirrorDeps } from './mirror-deps.js';
import type { NegativeCache } from './negative-cache.js';
import type { ProxyTarget } from './proxy-target.js';
import type { SingleFlight } from './single-flight.js';
import { isUpstreamFailure, upstreamFailure } from './upstream-failure.js';

export class ProxyManifests {
  constructor(
    private readonly deps: MirrorDeps,
    private readonly flights: SingleFlight<ManifestRecord>,
    private readonly misses: NegativeCache,
  ) {}

  async get(target: ProxyTarget, repository: string, reference: string): Promise<ManifestRecord> {
    const { metadata } = this.deps;
    const byDigest = looksLikeDigest(reference);
    const cached = byDigest ? await metadata.manifest(repository, reference) : await metadata.manifestByTag(repository, reference);
    if (cached !== undefined && (byDigest || (await this.fresh(target, repository, reference)))) {
      this.deps.stats.count(target.upstream.name, 'hit');
      return cached;
    }
    const missKey = `${target.project}\0${repository}\0${reference}`;
    if (cached === undefined && this.misses.has(missKey)) throw unknown(target, repository, reference);
    // Concurrent pulls of one tag or digest share one upstream exchange.
    return this.flights.run(`${repository}\0${reference}`, () => this.refresh(target, repository, reference, missKey)).promise;
  }

  private async fresh(target: ProxyTarget, repository: string, tag: string): Promise<boolean> {
    const checked = await this.deps.proxies.tagCheckedAt(repository, tag);
    return checked !== undefined && this.deps.now().getTime() - checked.getTime() < target.ttlMs;
  }

  private async refresh(target: ProxyTarget, repository: string, reference: string, missKey: string): Promise<ManifestRecord> {
    const { metadata, stats } = this.deps;
    const upstream = target.upstream;
    const byDigest = looksLikeDigest(reference);
    // Read again: the flight this one follows may have just cached it.
    const cached = byDigest ? await metadata.manifest(repository, reference) : await metadata.manifestByTag(repository, reference);
    if (cached !== undefined && (byDigest || (await this.fresh(target, repository, reference)))) {
      stats.count(upstream.name, 'hit');
      return cached;
    }
    try {
      if (cached !== undefined) {
        const head = await upstream.headManifest(target.name, reference);
        if (head === undefined || head.digest === cached.digest) {
          await this.deps.proxies.markTagChecked(repository, reference, this.deps.now());
          if (head === undefined) {
            this.deps.log('warn', { repository, tag: reference, upstream: upstream.name }, 'tag no longer exists upstream; serving the cached copy');
          }
          stats.count(upstream.name, 'revalidated');
          return cached;
        }
      }
      const fetched = await upstream.getManifest(target.name, reference);
      if (fetched === undefined) {
        this.misses.add(missKey);
        throw unknown(target, repository, reference);
      }
      stats.count(upstream.name, 'miss');
      stats.addBytes(upstream.name, fetched.body.length);
      return await this.store(target, repository, byDigest ? undefined : reference, fetched);
    } catch (error) {
      if (!isUpstreamFailure(error)) throw error;
      if (cached !== undefined) {
        stats.count(upstream.name, 'stale');
        this.deps.log('warn', { repository, reference, upstream: upstream.name, reason: error.kind, err: error.message }, 'upstream failed; serving the cached manifest (stale-if-error)');
        return cached;
      }
      stats.count(upstream.name, 'error');
      this.deps.log('warn', { repository, reference, upstream: upstream.name, reason: error.kind, err: error.message }, 'upstream failed and nothing is cached');
      throw upstreamFailure(error);
    }
  }

  /**
   * Caches a manifest from upstream (its blobs recorded at their declared sizes, referenced
   * lazily). When it cannot be cached right now (a collector is removing one of its blobs), it
   * is served anyway and cached by a later pull; over the project's quota, the pull is refused.
   */
  private async store(target: ProxyTarget, repository: string, tag: string | undefined, fetched: UpstreamManifest): Promise<ManifestRecord> {
    const { metadata } = this.deps;
    const parsed = parseManifest(fetched.body, fetched.mediaType);
    const record: ManifestRecord = {
      repository,
      digest: fetched.digest,
      mediaType: parsed.mediaType,
      artifactType: parsed.artifactType,
      subject: parsed.subject,
      body: fetched.body,
      annotations: parsed.annotations,
      createdAt: this.deps.now(),
    };
    const sizes = declaredSizes(fetched.body, parsed.blobs);
    if (sizes === undefined) {
      this.deps.log('warn', { repository, digest: record.digest }, 'proxied manifest served without caching it (a blob descriptor has no size)');
      return record;
    }
    try {
      for (const [digest, size] of sizes) await metadata.recordBlob(digest, size, { declared: true });
      const policy = await this.deps.policies?.get(target.project);
      await metadata.putManifest(record, { blobs: parsed.blobs, manifests: parsed.manifests }, tag, {
        lazyReferences: true,
        quotaBytes: policy?.quotaBytes,
      });
      if (tag !== undefined) await this.deps.proxies.markTagChecked(repository, tag, this.deps.now());
    } catch (error) {
      if (error instanceof MetadataQuotaExceededError) {
        throw quotaExceeded(error.project, error.usedBytes, error.addingBytes, error.limitBytes);
      }
      if (!(error instanceof MetadataBlobUnavailableError) && !(error instanceof MetadataMissingReferencesError)) throw error;
      this.deps.log('warn', { repository, digest: record.digest, err: error.message }, 'proxied manifest served without caching it (its blobs are being collected)');
    }
    return record;
  }
}

/** Sizes of the blobs a manifest references, from its descriptors (config, layers, blobs). */
function declaredSizes(body: Buffer, blobs: readonly string[]): Map<string, number> | undefined {
  const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const sizes = new Map<string, number>();
  const take = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return;
    const { digest, size } = value as { digest?: unknown; size?: unknown };
    if (typeof digest === 'string' && typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) sizes.set(digest, size);
  };
  take(doc.config);
  for (const list of [doc.layers, doc.blobs]) if (Array.isArray(list)) list.forEach(take);
  const wanted = new Map<string, number>();
  for (const digest of blobs) {
    const size = sizes.get(digest);
    if (size === undefined) return undefined;
    wanted.set(digest, size);
  }
  return wanted;
}

function unknown(target: ProxyTarget, repository: string, reference: string) {
  return new ManifestUnknownError(`manifest unknown to registry (and to ${target.upstream.name}, upstream of proxy project ${target.project})`, {
    repository,
    reference,
  });
}
