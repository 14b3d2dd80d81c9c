/** Pushing content the way clients do, asserting each step succeeded. */
import { strict as assert } from 'node:assert';
import type { Client } from './http-client.js';
import { expectStatus } from './http-client.js';
import {
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  descriptorOf,
  imageManifest,
  randomBlob,
  sha256,
  type Descriptor,
} from './content.js';

/** Monolithic single-POST upload; resolves to the digest. */
export async function pushBlob(c: Client, repo: string, bytes: Buffer, digest = sha256(bytes)): Promise<string> {
  const reply = await c.post(`/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  expectStatus(reply, 201, `push blob ${digest} to ${repo}`);
  assert.equal(reply.headers.get('docker-content-digest'), digest);
  return digest;
}

/** Starts an upload session; resolves to its Location (relative or absolute, as the server sent it). */
export async function startUpload(c: Client, repo: string): Promise<string> {
  const reply = await c.post(`/v2/${repo}/blobs/uploads/`);
  expectStatus(reply, 202, `start upload in ${repo}`);
  const location = reply.headers.get('location');
  assert.ok(location, 'upload start must send a Location');
  return location;
}

/** Appends `digest=` to an upload Location, keeping any query parameters it carries. */
export function withDigest(location: string, digest: string, escape = true): string {
  const separator = location.includes('?') ? '&' : '?';
  return `${location}${separator}digest=${escape ? encodeURIComponent(digest) : digest}`;
}

export interface PushedManifest {
  digest: string;
  body: Buffer;
  mediaType: string;
}

export async function pushManifest(
  c: Client,
  repo: string,
  reference: string,
  body: Buffer,
  mediaType: string,
): Promise<PushedManifest> {
  const reply = await c.put(`/v2/${repo}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body });
  expectStatus(reply, 201, `push manifest ${reference} to ${repo}`);
  const digest = sha256(body);
  if (!reference.startsWith('sha512:')) assert.equal(reply.headers.get('docker-content-digest'), digest);
  return { digest: reply.headers.get('docker-content-digest') ?? digest, body, mediaType };
}

export interface PushedImage extends PushedManifest {
  config: Descriptor;
  layers: Descriptor[];
  layerBytes: Buffer[];
}

/** Config + `layerCount` random layers + an OCI image manifest under `reference`. */
export async function pushImage(
  c: Client,
  repo: string,
  reference: string,
  options: { layerCount?: number; subject?: Descriptor; artifactType?: string; annotations?: Record<string, string>; configMediaType?: string } = {},
): Promise<PushedImage> {
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBlob(8).toString('hex') }));
  const config = descriptorOf(options.configMediaType ?? OCI_CONFIG, configBytes);
  await pushBlob(c, repo, configBytes);
  const layerBytes: Buffer[] = [];
  const layers: Descriptor[] = [];
  for (let i = 0; i < (options.layerCount ?? 1); i++) {
    const bytes = randomBlob(512 + i);
    await pushBlob(c, repo, bytes);
    layerBytes.push(bytes);
    layers.push(descriptorOf(OCI_LAYER, bytes));
  }
  const body = imageManifest({
    config,
    layers,
    subject: options.subject,
    artifactType: options.artifactType,
    annotations: options.annotations,
  });
  const pushed = await pushManifest(c, repo, reference, body, OCI_MANIFEST);
  return { ...pushed, config, layers, layerBytes };
}
