/**
 * Reads and writes OCI image layouts (image-spec `image-layout.md`): content-addressed blobs
 * under blobs/sha256, an `oci-layout` marker and an index.json naming the tops by
 * `org.opencontainers.image.ref.name`, which is what skopeo's `oci:DIR:REF` resolves.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const refNameAnnotation = 'org.opencontainers.image.ref.name';

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Serialises JSON once, so the bytes that are hashed are the bytes that are stored and pushed. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export class OciLayoutWriter {
  private readonly tops: Descriptor[] = [];

  constructor(readonly dir: string) {}

  async addBlob(mediaType: string, bytes: Buffer, extra: Omit<Descriptor, 'mediaType' | 'digest' | 'size'> = {}): Promise<Descriptor> {
    const digest = sha256(bytes);
    const blobs = join(this.dir, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }

  /** Lists a manifest or index in index.json under a ref name. */
  tag(descriptor: Descriptor, ref: string): void {
    this.tops.push({
      ...descriptor,
      annotations: { ...descriptor.annotations, [refNameAnnotation]: ref },
    });
  }

  async finish(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, 'oci-layout'), jsonBytes({ imageLayoutVersion: '1.0.0' }));
    await writeFile(
      join(this.dir, 'index.json'),
      jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: this.tops }),
    );
  }
}

export interface LayoutContents {
  /** index.json's entries, in order. */
  tops: Descriptor[];
  /** Digests of every blob file present under blobs/. */
  blobs: Set<string>;
  readBlob(digest: string): Promise<Buffer>;
}

export async function readLayout(dir: string): Promise<LayoutContents> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  const blobs = new Set<string>();
  for (const algorithm of await readdir(join(dir, 'blobs'))) {
    for (const hex of await readdir(join(dir, 'blobs', algorithm))) blobs.add(`${algorithm}:${hex}`);
  }
  return {
    tops: index.manifests ?? [],
    blobs,
    readBlob: (digest) => {
      const [algorithm, hex] = digest.split(':');
      return readFile(join(dir, 'blobs', algorithm, hex));
    },
  };
}
