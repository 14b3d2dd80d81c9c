/**
 * Checks of what a registry holds, phrased as a user would see it: the digest a tag resolves
 * to, whether a manifest is still there, which tags a repository lists.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readLayout, type Descriptor } from './oci-layout.js';
import type { Target } from './registry-under-test.js';
import type { TestImage } from './image-layouts.js';

export async function assertManifestServed(target: Target, name: string, reference: string, expected: Descriptor): Promise<void> {
  const head = await target.headManifest(name, reference);
  assert.equal(head.status, 200, `HEAD /v2/${name}/manifests/${reference} → ${head.status}`);
  assert.equal(head.headers['docker-content-digest'], expected.digest, `digest of ${name}:${reference}`);
  assert.equal(head.headers['content-type'], expected.mediaType, `Content-Type of ${name}:${reference}`);
  assert.equal(Number(head.headers['content-length']), expected.size, `Content-Length of ${name}:${reference}`);
}

export async function assertManifestGone(target: Target, name: string, reference: string): Promise<void> {
  const head = await target.headManifest(name, reference);
  assert.equal(head.status, 404, `HEAD /v2/${name}/manifests/${reference} after delete → ${head.status}`);
  const get = await target.getManifest(name, reference);
  assert.equal(get.status, 404, `GET /v2/${name}/manifests/${reference} after delete → ${get.status}`);
  const body = get.json<{ errors?: { code: string }[] }>();
  assert.ok(
    body.errors?.some((e) => e.code === 'MANIFEST_UNKNOWN'),
    `404 body should carry MANIFEST_UNKNOWN, got ${get.text()}`,
  );
}

export async function tagsOf(target: Target, name: string): Promise<string[]> {
  const response = await target.request(`/v2/${name}/tags/list`);
  assert.equal(response.status, 200, `GET /v2/${name}/tags/list → ${response.status} ${response.text()}`);
  const body = response.json<{ name: string; tags: string[] | null }>();
  assert.equal(body.name, name);
  return body.tags ?? [];
}

/**
 * A layout pulled back from the registry holds the same top manifest and every blob it reaches,
 * each file's bytes hashing to its name.
 */
export async function assertLayoutMatches(dir: string, image: TestImage): Promise<void> {
  const layout = await readLayout(dir);
  assert.equal(layout.tops.length, 1, `${dir}/index.json should list one manifest`);
  assert.equal(layout.tops[0].digest, image.top.digest, 'pulled manifest digest');
  assert.equal(layout.tops[0].mediaType, image.top.mediaType, 'pulled manifest media type');
  for (const digest of [image.top.digest, ...image.reachable]) {
    assert.ok(layout.blobs.has(digest), `pulled layout is missing ${digest}`);
    const bytes = await layout.readBlob(digest);
    assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, digest, `content of ${digest}`);
  }
  assert.deepEqual((await layout.readBlob(image.top.digest)).toString('utf8'), image.bytes.toString('utf8'));
}
