/**
 * Real clients against `berth serve --workers 2`: skopeo pushes an image (its requests spread
 * over both workers) and pulls it back byte-identical; and a proxy (registry:2 `proxy:` mode,
 * Debian's Distribution upstream behind a counting proxy) fetches an uncached layer from the
 * upstream once when two clients on different workers ask for it at the same time.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { assertLayoutMatches } from '../e2e/support/assertions.js';
import { containersTools } from '../e2e/support/containers-tools.js';
import { hostPlatform, type TestImage } from '../e2e/support/image-layouts.js';
import { jsonBytes, mediaTypes, OciLayoutWriter } from '../e2e/support/oci-layout.js';
import type { Target } from '../e2e/support/registry-under-test.js';
import { sha256 } from '../http/support/content.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';
import { startWorkers, type WorkersServer } from './support/workers-server.js';

const MiB = 1024 * 1024;
let dir: string;
const stops: Array<() => Promise<void>> = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-workers-clients-'));
});
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('real clients against two workers', () => {
  test('skopeo pushes a multi-layer image through both workers and pulls it back byte-identical', async () => {
    const server = await startWorkers({ env: { REGISTRY_AUTH: 'none' } });
    stops.push(() => server.registry.stop());
    const layout = new OciLayoutWriter(join(dir, 'image'));
    const layers = [];
    for (let i = 0; i < 4; i++) layers.push(await layout.addBlob(mediaTypes.ociLayerGzip, gzipSync(randomBytes(i === 0 ? 6 * MiB : 64 * 1024), { level: 1 })));
    const config = await layout.addBlob(mediaTypes.ociConfig, jsonBytes({ ...hostPlatform(), rootfs: { type: 'layers', diff_ids: [] } }));
    const bytes = jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config, layers });
    const top = await layout.addBlob(mediaTypes.ociManifest, bytes);
    layout.tag(top, 'v1');
    await layout.finish();
    const image: TestImage = { dir: layout.dir, ref: 'v1', top, bytes, children: [], reachable: [config.digest, ...layers.map((l) => l.digest)] };
    const target = { host: server.registry.host, transport: 'plain', ca: undefined } as unknown as Target;
    const tools = await containersTools(join(dir, 'containers'), target);
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', `oci:${image.dir}:v1`, `docker://${server.registry.host}/workers/app:v1`]);
    const back = join(dir, 'pulled');
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', `docker://${server.registry.host}/workers/app:v1`, `oci:${back}:v1`]);
    await assertLayoutMatches(back, image);
    const writes = await server.logged((r) => r.method === 'PUT' || r.method === 'PATCH' || r.method === 'POST', 2);
    const workers = new Set(writes.map((r) => r.worker));
    assert.equal(workers.size, 2, 'the push reached both workers');
  });

  test('two clients on different workers pulling one uncached layer through the proxy cost the upstream one blob GET', async () => {
    const upstream: UpstreamUnderTest = await startOpenDistribution({ counted: true });
    stops.push(() => upstream.stop());
    const image = await upstream.pushImage('library/big', 'v1', 1, 24 * MiB);
    const server = await startWorkers({ env: { REGISTRY_PROXY_REMOTEURL: upstream.url, REGISTRY_PROXY_TTL: '1h' } });
    stops.push(() => server.registry.stop());
    const manifest = await server.fresh('GET', '/v2/library/big/manifests/v1', { headers: { accept: mediaTypes.ociManifest } });
    assert.equal(manifest.status, 200, manifest.body.toString());
    const layer = image.layers[0]!.digest;
    upstream.proxy!.reset();
    // Two fresh connections in a row are dealt to the two workers.
    const pulls = await Promise.all([server.fresh('GET', `/v2/library/big/blobs/${layer}`), server.fresh('GET', `/v2/library/big/blobs/${layer}`)]);
    for (const pull of pulls) {
      assert.equal(pull.status, 200);
      assert.equal(sha256(pull.body), layer);
    }
    // The filling worker ends its response only after the cache commit, which follows the
    // client's last byte: a client that has every byte may hang up first, logged as 499.
    const served = await server.logged((r) => r.method === 'GET' && r.route === 'blob' && (r.status === 200 || r.status === 499), 2);
    assert.equal(new Set(served.map((r) => r.worker)).size, 2, `the pulls were answered by workers ${served.map((r) => r.worker).join(', ')}; the log: ${JSON.stringify(server.requests())}`);
    assert.equal(upstream.proxy!.count('GET', new RegExp(`/blobs/${layer}$`)), 1, 'one upstream GET for the layer');
  });
});
