/**
 * skopeo against Berth with its blobs in S3 (Ceph RGW): a real `berth serve` process configured
 * only through registry:2's variables (REGISTRY_STORAGE=s3, REGISTRY_STORAGE_S3_*). Pushes a
 * single-platform image, a 3-platform index and an image with a 12 MiB layer (several S3
 * parts), then pulls each back byte-exact. Blob GETs redirect to presigned bucket URLs
 * (storage.redirect is on by default, as in registry:2), so skopeo fetches layers from RGW.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { useRgw, type Rgw } from '../support/ceph-rgw.js';
import { assertLayoutMatches, assertManifestServed } from './support/assertions.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { hostPlatform, type TestImage } from './support/image-layouts.js';
import { jsonBytes, mediaTypes, OciLayoutWriter } from './support/oci-layout.js';
import { registryKind, startTarget, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

/** An image whose one layer spans several 5 MiB parts and a tail. */
async function largeImage(dir: string): Promise<TestImage> {
  const layout = new OciLayoutWriter(dir);
  const layer = await layout.addBlob(mediaTypes.ociLayerGzip, gzipSync(randomBytes(12 * 1024 * 1024), { level: 1 }));
  const config = await layout.addBlob(mediaTypes.ociConfig, jsonBytes({ ...hostPlatform(), rootfs: { type: 'layers', diff_ids: [] } }));
  const bytes = jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config, layers: [layer] });
  const top = await layout.addBlob(mediaTypes.ociManifest, bytes);
  layout.tag(top, 'big');
  await layout.finish();
  return { dir, ref: 'big', top, bytes, children: [], reachable: [config.digest, layer.digest] };
}

describe('skopeo against Berth on S3', { skip: registryKind() !== 'berth' && 'Berth-only: storage.s3 is its configuration' }, () => {
  let ws: Workspace;
  let rgw: Rgw;
  let target: Target;
  let tools: ContainersTools;
  let large: TestImage;

  before(async () => {
    ws = await createWorkspace('skopeo-s3');
    rgw = await useRgw();
    const bucket = await rgw.bucket('skopeo');
    target = await startTarget('plain', ws.ca, {
      env: {
        REGISTRY_STORAGE: 's3',
        REGISTRY_STORAGE_S3_REGION: rgw.settings.region,
        REGISTRY_STORAGE_S3_REGIONENDPOINT: rgw.settings.endpoint,
        REGISTRY_STORAGE_S3_BUCKET: bucket,
        REGISTRY_STORAGE_S3_ACCESSKEY: rgw.settings.accessKey,
        REGISTRY_STORAGE_S3_SECRETKEY: rgw.settings.secretKey,
        REGISTRY_STORAGE_S3_FORCEPATHSTYLE: 'true',
        REGISTRY_STORAGE_S3_ROOTDIRECTORY: '/e2e',
        REGISTRY_STORAGE_S3_CHUNKSIZE: String(5 * 1024 * 1024),
      },
    });
    tools = await containersTools(ws.subdir('containers'), target);
    large = await largeImage(ws.subdir('large'));
  });

  after(async () => {
    await target?.stop();
    await rgw?.cleanup();
    await ws?.cleanup();
  });

  const ref = (name: string) => `docker://${target.host}/${name}`;
  const push = (image: TestImage, name: string, extra: string[] = []) =>
    tools.skopeo(['copy', '--quiet', '--preserve-digests', ...extra, `oci:${image.dir}:${image.ref}`, ref(name)]);
  const pullBack = async (name: string, image: TestImage, extra: string[] = []) => {
    const dir = join(tools.dir, `pulled-${name.replace(/[/:@]/g, '_')}`);
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', ...extra, ref(name), `oci:${dir}:${image.ref}`]);
    await assertLayoutMatches(dir, image);
  };

  it('reports the object store as ready', async () => {
    const reply = await target.request('/readyz');
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body.toString('utf8')), { status: 'ready', checks: { database: 'ok', objectStore: 'ok' } });
  });

  it('pushes and pulls back a single-platform image', async () => {
    await push(ws.images.single, 's3/app:v1');
    await assertManifestServed(target, 's3/app', 'v1', ws.images.single.top);
    await pullBack('s3/app:v1', ws.images.single);
  });

  it('pushes and pulls back a 3-platform index with --all', async () => {
    await push(ws.images.index, 's3/multi:v1', ['--all']);
    await pullBack('s3/multi:v1', ws.images.index, ['--all']);
  });

  it('pushes and pulls back a 12 MiB layer that spans several parts; its blob GET redirects to the bucket', async () => {
    await push(large, 's3/big:v1');
    await pullBack('s3/big:v1', large);
    const layer = large.reachable[1];
    const reply = await target.request(`/v2/s3/big/blobs/${layer}`);
    assert.equal(reply.status, 307);
    assert.ok(String(reply.headers.location ?? '').startsWith(`${rgw.settings.endpoint}/`), `redirected to ${String(reply.headers.location)}`);
  });
});
