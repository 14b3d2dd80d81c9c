/**
 * Pushing generated images the way every registry accepts: POST an upload, PUT it with the
 * digest (Distribution 2.8 answers a single-POST monolithic upload with 202 and ignores it).
 */
import { strict as assert } from 'node:assert';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, descriptorOf, imageManifest, indexManifest, randomBlob, sha256, type Descriptor } from '../../http/support/content.js';
import { expectStatus, type Client } from '../../http/support/http-client.js';
import type { PushedImage, PushedManifest } from '../../http/support/push.js';

export async function putBlob(c: Client, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await c.post(`/v2/${repository}/blobs/uploads/`);
  expectStatus(start, 202, `start an upload in ${repository}`);
  const location = start.headers.get('location');
  assert.ok(location, 'an upload start sends a Location');
  const url = new URL(location, c.base);
  url.searchParams.set('digest', digest);
  const put = await c.put(url.toString(), { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  expectStatus(put, 201, `finish the upload of ${digest} to ${repository}`);
  return digest;
}

export async function putManifest(c: Client, repository: string, reference: string, body: Buffer, mediaType: string): Promise<PushedManifest> {
  const reply = await c.put(`/v2/${repository}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body });
  expectStatus(reply, 201, `push manifest ${reference} to ${repository}`);
  return { digest: sha256(body), body, mediaType };
}

/** A config, `layerCount` random layers (the first `layerSize` bytes long) and an OCI image manifest. */
export async function putImage(c: Client, repository: string, tag: string, layerCount = 2, layerSize = 512): Promise<PushedImage> {
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBlob(8).toString('hex') }));
  const config = descriptorOf(OCI_CONFIG, configBytes);
  await putBlob(c, repository, configBytes);
  const layerBytes: Buffer[] = [];
  const layers: Descriptor[] = [];
  for (let i = 0; i < layerCount; i++) {
    const bytes = randomBlob(i === 0 ? layerSize : 512 + i);
    await putBlob(c, repository, bytes);
    layerBytes.push(bytes);
    layers.push(descriptorOf(OCI_LAYER, bytes));
  }
  const pushed = await putManifest(c, repository, tag, imageManifest({ config, layers }), OCI_MANIFEST);
  return { ...pushed, config, layers, layerBytes };
}

/** An OCI index over `images` (amd64 first, then arm64) under `tag`. */
export function putIndex(c: Client, repository: string, tag: string, images: PushedImage[]): Promise<PushedManifest> {
  const manifests = images.map((image, i) => ({
    mediaType: OCI_MANIFEST,
    digest: image.digest,
    size: image.body.length,
    platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
  }));
  return putManifest(c, repository, tag, indexManifest(manifests), OCI_INDEX);
}
