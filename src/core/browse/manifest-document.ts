/**
 * What the UI shows of a stored manifest, read leniently from its bytes: the store accepted
 * them (core/manifest validated the push), but old or foreign documents may lack optional
 * fields, so every field is checked for its type and a missing one is simply absent.
 */

export interface DescriptorView {
  digest: string;
  mediaType: string;
  size: number;
  annotations: Record<string, string>;
}

export interface PlatformEntry {
  digest: string;
  os: string;
  architecture: string;
  variant: string | null;
  /** The child's descriptor says it is an attestation manifest (buildx), not a platform image. */
  attestation: boolean;
}

export interface ManifestDocument {
  config: DescriptorView | undefined;
  layers: DescriptorView[];
  /** Index entries; [] for an image manifest. */
  children: PlatformEntry[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function readManifestDocument(body: Buffer): ManifestDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { config: undefined, layers: [], children: [] };
  }
  if (!isObject(doc)) return { config: undefined, layers: [], children: [] };
  const layers = Array.isArray(doc.layers) ? doc.layers.map(descriptorOf).filter((d): d is DescriptorView => d !== undefined) : [];
  const children = Array.isArray(doc.manifests) ? doc.manifests.map(platformOf).filter((p): p is PlatformEntry => p !== undefined) : [];
  return { config: descriptorOf(doc.config), layers, children };
}

function descriptorOf(value: unknown): DescriptorView | undefined {
  if (!isObject(value)) return undefined;
  const digest = text(value.digest);
  if (digest === undefined) return undefined;
  const size = typeof value.size === 'number' && Number.isSafeInteger(value.size) && value.size >= 0 ? value.size : 0;
  return { digest, mediaType: text(value.mediaType) ?? '', size, annotations: stringRecord(value.annotations) };
}

function platformOf(value: unknown): PlatformEntry | undefined {
  const descriptor = descriptorOf(value);
  if (descriptor === undefined || !isObject(value)) return undefined;
  const platform = isObject(value.platform) ? value.platform : {};
  return {
    digest: descriptor.digest,
    os: text(platform.os) ?? 'unknown',
    architecture: text(platform.architecture) ?? 'unknown',
    variant: text(platform.variant) ?? null,
    attestation: descriptor.annotations['vnd.docker.reference.type'] === 'attestation-manifest',
  };
}

/** The string-valued entries of an object; anything else is dropped. */
export function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
  return out;
}
