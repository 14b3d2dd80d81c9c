/**
 * Helpers for the storage-accounting tests (quotas, retention, usage): a settable storage
 * clock, images whose every byte count is known before they are pushed, and the usage numbers
 * the metadata store keeps.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetadataStore } from '../../../src/ports/metadata-store.js';
import type { ProjectUsage } from '../../../src/ports/metadata-usage.js';
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, descriptorOf, imageManifest, sha256, type Descriptor } from './content.js';
import type { Client } from './http-client.js';
import { pushBlob, pushManifest } from './push.js';

export const DAY = 24 * 3600 * 1000;

/** The storage clock the server is started with; only moves when told to. */
export class ManualClock {
  constructor(public ms = Date.UTC(2030, 0, 1)) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A fresh project name (a repository's first path segment). */
export function newProject(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** An image config of a fixed length (the nonce is always 16 hex digits). */
export function configBlob(): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }));
}

export interface BuiltImage {
  body: Buffer;
  digest: string;
  config: Descriptor;
  configBytes: Buffer;
  layers: Descriptor[];
  layerBytes: Buffer[];
  /** Config plus layers, each distinct blob once. */
  blobBytes: number;
}

/** An image manifest over `layers` and a fresh config, built but not pushed. */
export function buildImage(layers: Buffer[], options: { subject?: Descriptor; configBytes?: Buffer } = {}): BuiltImage {
  const configBytes = options.configBytes ?? configBlob();
  const config = descriptorOf(OCI_CONFIG, configBytes);
  const layerDescriptors = layers.map((l) => descriptorOf(OCI_LAYER, l));
  const body = imageManifest({ config, layers: layerDescriptors, subject: options.subject });
  const distinct = new Map<string, number>([[config.digest, config.size]]);
  for (const l of layerDescriptors) distinct.set(l.digest, l.size);
  return {
    body,
    digest: sha256(body),
    config,
    configBytes,
    layers: layerDescriptors,
    layerBytes: layers,
    blobBytes: [...distinct.values()].reduce((a, b) => a + b, 0),
  };
}

/** Uploads the image's blobs (monolithic POSTs) into `repo`. */
export async function pushBlobsOf(c: Client, repo: string, image: BuiltImage): Promise<void> {
  await pushBlob(c, repo, image.configBytes);
  for (const bytes of image.layerBytes) await pushBlob(c, repo, bytes);
}

/** Uploads the blobs and puts the manifest under `reference` (a tag or its digest). */
export async function pushBuilt(c: Client, repo: string, image: BuiltImage, reference: string = image.digest): Promise<BuiltImage> {
  await pushBlobsOf(c, repo, image);
  await pushManifest(c, repo, reference, image.body, OCI_MANIFEST);
  return image;
}

export function zeroUsage(project: string): ProjectUsage {
  return { project, blobs: 0, blobBytes: 0, manifests: 0, manifestBytes: 0 };
}

/** The kept counters of one project (zeros when it holds nothing). */
export async function usageOf(metadata: MetadataStore, project: string): Promise<ProjectUsage> {
  const rows = await metadata.projectUsage(project);
  assert.ok(rows.length <= 1, `one usage row per project: ${JSON.stringify(rows)}`);
  return rows[0] ?? zeroUsage(project);
}

/** Counters and a recount from the manifests agree, for every project. */
export async function assertUsageInStep(metadata: MetadataStore, context: string): Promise<void> {
  const kept = await metadata.projectUsage();
  const recount = await metadata.recountProjectUsage();
  assert.deepEqual(kept, recount, `${context}: kept usage counters differ from a recount`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function blobFile(root: string, digest: string): string {
  return join(root, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7));
}

/** Staging files under the root and their sizes, by upload id. */
export async function stagingFiles(root: string): Promise<Record<string, number>> {
  const dir = join(root, 'uploads');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return {};
  }
  const files: Record<string, number> = {};
  for (const name of names.sort()) files[name] = (await stat(join(dir, name))).size;
  return files;
}
