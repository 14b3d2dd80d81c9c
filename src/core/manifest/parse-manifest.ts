/**
 * Parses and validates a pushed manifest. The bytes are never rewritten: parsing only extracts
 * what the registry must know (kind, references, subject, artifactType) and refuses what it
 * cannot serve correctly. Validation messages name the offending field so a client's user can
 * fix the push.
 */
import { ManifestInvalidError } from '../errors.js';
import { assertDigest } from '../reference/reference.js';
import {
  DOCKER_FOREIGN_LAYER,
  OCI_MANIFEST,
  OCI_NONDISTRIBUTABLE_PREFIX,
  bareMediaType,
  manifestKinds,
  schema1Types,
  type ManifestKind,
} from './media-types.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ParsedManifest {
  mediaType: string;
  kind: ManifestKind;
  artifactType: string | undefined;
  subject: string | undefined;
  annotations: Record<string, string> | undefined;
  /** Blobs that must exist in the repository (config and distributable layers). */
  blobs: string[];
  /** Child manifests that must exist in the repository (index entries). */
  manifests: string[];
}

type Json = Record<string, unknown>;

export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ManifestInvalidError(`manifest is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ManifestInvalidError('manifest must be a JSON object');
  }
  const json = doc as Json;
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = bareMediaType(contentType);
  if (json.schemaVersion === 1 || schema1Types.has(declared ?? '') || schema1Types.has(header ?? '')) {
    throw new ManifestInvalidError(
      'Docker schema1 manifests are not supported; push with a current client (schema2 or OCI)',
    );
  }
  if (json.schemaVersion !== 2) {
    throw new ManifestInvalidError('schemaVersion must be 2', { schemaVersion: json.schemaVersion ?? null });
  }
  const mediaType = resolveMediaType(declared, header, json);
  const kind = manifestKinds[mediaType];
  if (!kind) {
    throw new ManifestInvalidError(`unsupported manifest media type "${mediaType}"`, {
      supported: Object.keys(manifestKinds),
    });
  }
  const subject = json.subject === undefined ? undefined : descriptor(json.subject, 'subject').digest;
  const annotations = stringMap(json.annotations, 'annotations');
  const artifactType = optionalString(json.artifactType, 'artifactType');
  if (kind === 'index') {
    const entries = array(json.manifests, 'manifests').map((m, i) => descriptor(m, `manifests[${i}]`));
    return { mediaType, kind, artifactType, subject, annotations, blobs: [], manifests: entries.map((m) => m.digest) };
  }
  const config = descriptor(json.config, 'config');
  const layers = array(json.layers, 'layers').map((l, i) => descriptor(l, `layers[${i}]`));
  const blobs = [config.digest, ...layers.filter(isDistributable).map((l) => l.digest)];
  return {
    mediaType,
    kind,
    // The referrers API reports an image manifest's config type when it has no artifactType.
    artifactType: artifactType ?? (mediaType === OCI_MANIFEST ? config.mediaType : undefined),
    subject,
    annotations,
    blobs: [...new Set(blobs)],
    manifests: [],
  };
}

function resolveMediaType(declared: string | undefined, header: string | undefined, json: Json): string {
  if (declared && header && manifestKinds[header] && header !== declared) {
    throw new ManifestInvalidError(`Content-Type "${header}" does not match the manifest's mediaType "${declared}"`);
  }
  if (declared) return declared;
  if (header && header !== 'application/json' && header !== 'application/octet-stream') return header;
  // Without either, the shape decides: umoci and some tools omit mediaType in OCI manifests.
  if (Array.isArray(json.manifests)) return 'application/vnd.oci.image.index.v1+json';
  if (json.config !== undefined) return OCI_MANIFEST;
  throw new ManifestInvalidError('manifest has no mediaType and the Content-Type does not name one');
}

function isDistributable(layer: Descriptor): boolean {
  return layer.mediaType !== DOCKER_FOREIGN_LAYER && !layer.mediaType.startsWith(OCI_NONDISTRIBUTABLE_PREFIX);
}

function descriptor(value: unknown, field: string): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestInvalidError(`${field} must be a descriptor object`);
  }
  const d = value as Json;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') {
    throw new ManifestInvalidError(`${field}.mediaType must be a non-empty string`);
  }
  if (typeof d.digest !== 'string') throw new ManifestInvalidError(`${field}.digest must be a string`);
  try {
    assertDigest(d.digest);
  } catch (error) {
    throw new ManifestInvalidError(`${field}.digest: ${(error as Error).message}`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new ManifestInvalidError(`${field}.size must be a non-negative integer`);
  }
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    artifactType: optionalString(d.artifactType, `${field}.artifactType`),
    annotations: stringMap(d.annotations, `${field}.annotations`),
  };
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new ManifestInvalidError(`${field} must be an array`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ManifestInvalidError(`${field} must be a string`);
  return value;
}

function stringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestInvalidError(`${field} must be an object of strings`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new ManifestInvalidError(`${field}.${key} must be a string`);
  }
  return value as Record<string, string>;
}
