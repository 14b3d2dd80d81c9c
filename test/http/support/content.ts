/** Digests, unique repository names and manifest builders for the API tests. */
import { createHash, randomBytes } from 'node:crypto';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function sha512(bytes: Buffer | string): string {
  return `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
}

/** Random bytes: content no other test (or run) can have pushed. */
export function randomBlob(size = 256): Buffer {
  return randomBytes(size);
}

/** A well-formed digest of content that was never pushed anywhere. */
export function unknownDigest(): string {
  return sha256(randomBytes(32));
}

let counter = 0;
/** A repository name unique to this process and run, under `prefix` (may contain slashes). */
export function uniqueRepo(prefix: string): string {
  counter += 1;
  return `${prefix}/r${counter}-${randomBytes(4).toString('hex')}`;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export function descriptorOf(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

export interface ImageManifestParts {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function imageManifest(parts: ImageManifestParts): Buffer {
  const doc: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: parts.mediaType ?? OCI_MANIFEST,
    ...(parts.artifactType !== undefined ? { artifactType: parts.artifactType } : {}),
    config: parts.config,
    layers: parts.layers,
    ...(parts.subject !== undefined ? { subject: parts.subject } : {}),
    ...(parts.annotations !== undefined ? { annotations: parts.annotations } : {}),
  };
  return Buffer.from(JSON.stringify(doc));
}

export function indexManifest(
  manifests: Descriptor[],
  options: { mediaType?: string; subject?: Descriptor; artifactType?: string; annotations?: Record<string, string> } = {},
): Buffer {
  const doc: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: options.mediaType ?? OCI_INDEX,
    ...(options.artifactType !== undefined ? { artifactType: options.artifactType } : {}),
    manifests,
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
    ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
  };
  return Buffer.from(JSON.stringify(doc));
}
