/**
 * One manifest as the UI's manifest page shows it: its tags, raw JSON, the image config (read
 * from the config blob, capped, and empty when malformed), its layers with what built each and
 * which other repositories share them (only repositories the caller may pull, and never how
 * many others there are), an index's platforms, and its referrers.
 */
import type { Actor } from '../access/admin-context.js';
import { ManifestUnknownError } from '../errors.js';
import { isValidTag, looksLikeDigest, assertDigest } from '../reference/reference.js';
import { readableRepository, type BrowseDeps } from './browse-deps.js';
import { createdByPerLayer, parseImageConfig, readCapped, type HistoryEntry, type ImageConfigView } from './image-config.js';
import { readManifestDocument } from './manifest-document.js';
import { referrerKind, type ReferrerKind } from './referrer-kinds.js';
import { isIndexType, platformsOf, type PlatformView } from './tag-listing.js';

/** Repositories named per shared layer at most. */
export const MAX_SHARED_WITH = 20;
/** Rows looked at per layer when looking for repositories the caller may see. */
const SHARED_SCAN = 1000;

const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

export interface ManifestDetails {
  digest: string;
  mediaType: string;
  artifactType: string | undefined;
  size: number;
  tags: string[];
  raw: string;
  platforms: PlatformView[];
  config: (ImageConfigView & { digest: string }) | undefined;
  layers: Array<{ digest: string; mediaType: string; size: number; createdBy: string | null; sharedWith: string[] }>;
  history: HistoryEntry[];
  referrers: Array<{ digest: string; artifactType: string | undefined; mediaType: string; size: number; kind: ReferrerKind; annotations: Record<string, string> }>;
  subject: string | undefined;
}

export class ManifestDetailsView {
  constructor(private readonly deps: BrowseDeps) {}

  async manifest(actor: Actor, repository: string, reference: string): Promise<ManifestDetails> {
    await readableRepository(this.deps, actor, repository);
    const { metadata } = this.deps;
    const byDigest = looksLikeDigest(reference);
    if (byDigest) assertDigest(reference);
    else if (!isValidTag(reference)) throw new ManifestUnknownError('manifest unknown: not a valid tag or digest', { repository });
    const record = byDigest ? await metadata.manifest(repository, reference) : await metadata.manifestByTag(repository, reference);
    if (record === undefined) throw new ManifestUnknownError('manifest unknown to registry', { repository, reference });
    const { digest } = record;
    const document = readManifestDocument(record.body);
    const index = isIndexType(record.mediaType);
    const [tags, sizes, platforms, referrers, parsed] = await Promise.all([
      metadata.tagsOf(repository, digest),
      metadata.manifestSizes(repository, [digest]),
      index ? platformsOf(this.deps, repository, [digest], new Set([digest])) : Promise.resolve(new Map()),
      metadata.listReferrers(repository, digest, undefined),
      this.config(repository, document.config),
    ]);
    const own = sizes[0] === undefined ? record.body.length : sizes[0].size + sizes[0].blobBytes;
    const details = platforms.get(digest);
    const createdBy = createdByPerLayer(parsed?.history ?? [], document.layers.length);
    const layers = await Promise.all(
      document.layers.map(async (layer, i) => ({
        digest: layer.digest,
        mediaType: layer.mediaType,
        size: layer.size,
        createdBy: createdBy[i] ?? null,
        sharedWith: await this.sharedWith(actor, repository, layer.digest),
      })),
    );
    return {
      digest,
      mediaType: record.mediaType,
      artifactType: record.artifactType,
      size: own + (details?.childBytes ?? 0),
      tags,
      raw: record.body.toString('utf8'),
      platforms: details?.platforms ?? [],
      config: parsed === undefined || document.config === undefined ? undefined : { digest: document.config.digest, ...parsed.config },
      layers,
      history: parsed?.history ?? [],
      referrers: referrers.map((r) => ({
        digest: r.digest,
        artifactType: r.artifactType,
        mediaType: r.mediaType,
        size: r.size,
        kind: referrerKind(r.artifactType),
        annotations: r.annotations ?? {},
      })),
      subject: record.subject,
    };
  }

  /** The image config, when the manifest has one the repository links and it parses. */
  private async config(repository: string, descriptor: { digest: string; mediaType: string } | undefined) {
    if (descriptor === undefined || !IMAGE_CONFIG_TYPES.has(descriptor.mediaType)) return undefined;
    // Knowing a digest never reads a blob the repository does not hold.
    if ((await this.deps.metadata.linkedBlob(repository, descriptor.digest)) === undefined) return undefined;
    const bytes = await readCapped(this.deps.blobs, descriptor.digest);
    return bytes === undefined ? undefined : parseImageConfig(bytes);
  }

  /** Other repositories whose manifests use the layer and that the caller may pull, by name. */
  private async sharedWith(actor: Actor, repository: string, digest: string): Promise<string[]> {
    const found: string[] = [];
    let after: string | undefined;
    for (let scanned = 0; scanned < SHARED_SCAN && found.length < MAX_SHARED_WITH; ) {
      const rows = await this.deps.metadata.repositoriesWithBlob(digest, { after, limit: 200 });
      scanned += rows.length;
      const others = rows.filter((r) => r !== repository);
      found.push(...(await this.deps.ctx.deps.authorizer.pullable(actor, others)));
      if (rows.length < 200) break;
      after = rows[rows.length - 1];
    }
    return found.slice(0, MAX_SHARED_WITH);
  }
}
