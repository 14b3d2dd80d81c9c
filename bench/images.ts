/**
 * Whole images for the lifecycle rows: distinct layers of fixed sizes, a distinct config and an
 * OCI manifest, pushed the way a client does (blobs, then the manifest by tag) and deleted by
 * digest. Everything is derived from (salt, index), so both registries get identical bytes.
 */
import { BlobFamily, sha256, type Blob } from './data.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, ProtocolError, type Registry, type UploadMode } from './oci.js';

export interface Image {
  repo: string;
  tag: string;
  /** Config first, then the layers. */
  blobs: Blob[];
  manifest: Buffer;
  digest: string;
  /** Blob and manifest bytes together: what a push moves. */
  bytes: number;
}

export class ImageSet {
  private readonly families: BlobFamily[];

  /** `salt` keeps sets apart (at most 8 characters count); one layer per entry of `layerSizes`. */
  constructor(
    private readonly salt: string,
    private readonly layerSizes: readonly number[],
    /** Images are spread over this many repositories, `<prefix>/r00`… */
    private readonly repos: number,
    private readonly prefix: string,
  ) {
    // One family per position: same-sized layers of one image must still differ.
    this.families = layerSizes.map((size, position) => new BlobFamily(`${salt.slice(0, 7)}${position}`, size));
  }

  get layerBytes(): number {
    return this.layerSizes.reduce((a, b) => a + b, 0);
  }

  image(index: number): Image {
    const layers = this.families.map((family) => family.blob(index));
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'org.berth.bench': `${this.salt}-${index}` } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    );
    const { configBlob, manifest } = ociImage(config, layers);
    const blobs = [configBlob, ...layers];
    return {
      repo: `${this.prefix}/r${String(index % this.repos).padStart(2, '0')}`,
      tag: `${this.salt}-${index}`,
      blobs,
      manifest,
      digest: sha256(manifest),
      bytes: blobs.reduce((sum, b) => sum + b.body.length, 0) + manifest.length,
    };
  }

  images(count: number): Image[] {
    return Array.from({ length: count }, (_, i) => this.image(i));
  }
}

/** A config blob and the OCI manifest naming it and `layers`, as every bench image is made. */
export function ociImage(config: Buffer, layers: readonly Blob[]): { configBlob: Blob; manifest: Buffer } {
  const configBlob: Blob = { digest: sha256(config), body: { parts: [config], length: config.length } };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: config.length },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.body.length })),
    }),
  );
  return { configBlob, manifest };
}

/** Blobs one by one (as a client with one upload slot would), then the manifest by tag. */
export async function pushImage(registry: Registry, mode: UploadMode, image: Image): Promise<number> {
  for (const blob of image.blobs) await registry.pushBlob(image.repo, blob, mode);
  await registry.putManifest(image.repo, image.tag, image.manifest, OCI_MANIFEST);
  return image.bytes;
}

/** What went wrong on the way, by kind, for a row's note. */
export class PushErrors {
  /** 5xx answers: never acceptable, always reported. */
  serverErrors = 0;
  /** BLOB_UNKNOWN / MANIFEST_BLOB_UNKNOWN: a collector took a blob the push had uploaded. */
  blobUnknown = 0;
  /** Resets, refused connections. */
  network = 0;
  /** The first message of each kind, for the note. */
  readonly samples: string[] = [];

  get retries(): number {
    return this.serverErrors + this.blobUnknown + this.network;
  }

  summary(): string {
    const parts = [`${this.serverErrors} 5xx`];
    if (this.blobUnknown > 0) parts.push(`${this.blobUnknown} blob-unknown retries`);
    if (this.network > 0) parts.push(`${this.network} network errors`);
    if (this.samples.length > 0) parts.push(`first: ${this.samples.join('; ')}`);
    return parts.join(', ');
  }

  /** Records a retryable failure; rethrows anything else (a 4xx that is not about a blob). */
  record(error: unknown): void {
    const sample = (text: string): void => {
      if (this.samples.length < 2 && !this.samples.includes(text)) this.samples.push(text);
    };
    if (error instanceof ProtocolError && error.status !== undefined) {
      if (error.status >= 500) {
        this.serverErrors++;
        sample(error.message);
        return;
      }
      if (error.code === 'BLOB_UNKNOWN' || error.code === 'MANIFEST_BLOB_UNKNOWN') {
        this.blobUnknown++;
        sample(error.message);
        return;
      }
      throw error;
    }
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+/.test(error.code)) {
      this.network++;
      sample(`${error.code} on a push`);
      return;
    }
    throw error;
  }
}

const ATTEMPTS = 4;

/**
 * pushImage, pushing the whole image again after a 5xx, a reset or a blob the registry no longer
 * has (what clients do: they start the push over). Every retry is counted in `errors`.
 */
export async function pushImageCounting(registry: Registry, mode: UploadMode, image: Image, errors: PushErrors): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pushImage(registry, mode, image);
    } catch (error) {
      if (attempt === ATTEMPTS) throw error;
      errors.record(error);
    }
  }
}
