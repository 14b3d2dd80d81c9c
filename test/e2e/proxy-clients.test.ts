/**
 * Real clients through a proxy project (`HOST/hub/...`) in front of two real upstreams: Debian's
 * Distribution 2.8 (open) and a second Berth with its token service (the Bearer dance, the
 * proxy holding the upstream admin's credentials). Each upstream sits behind a counting proxy,
 * so the tests see what a client's pull cost it. Content goes into the upstream with skopeo
 * first; then skopeo copies a single image and an index through the proxy byte-exact, and the
 * Docker engine pulls cold, then warm after `docker rmi`, then one platform of an index.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startBerthUpstream, startOpenDistribution, BERTH_UPSTREAM_PROJECT, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';
import { assertLayoutMatches } from './support/assertions.js';
import { berthAccounts } from './support/berth-accounts.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import { hostPlatform, type TestImage } from './support/image-layouts.js';
import type { Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const ADMIN_PASSWORD = 'proxy-e2e-admin-password';
/** Short, so the warm pull below is past it and must re-validate (one HEAD) instead of costing nothing. */
const TTL_SECONDS = 1;

const upstreams: Array<{ label: string; start: () => Promise<UpstreamUnderTest>; prefix: string }> = [
  { label: 'Distribution 2.8', start: () => startOpenDistribution({ counted: true }), prefix: '' },
  { label: 'a Berth with its token service', start: () => startBerthUpstream({ counted: true }), prefix: `${BERTH_UPSTREAM_PROJECT}/` },
];

interface ApiManifest {
  digest: string;
}

describe('proxy project with real clients', () => {
  let ws: Workspace;
  let containerd: Containerd;
  let dockerd: Dockerd;
  before(async () => {
    ws = await createWorkspace('proxy');
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await ws?.cleanup();
  });

  for (const { label, start, prefix } of upstreams) {
    describe(`upstream: ${label}`, () => {
      let upstream: UpstreamUnderTest;
      let berth: RegistryProcess;
      let tools: ContainersTools;
      const counted = () => upstream.proxy!;
      const admin = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

      before(async () => {
        upstream = await start();
        berth = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD } });
        const creds = upstream.credentials;
        await berthAccounts(berth.root).cli(
          ['project', 'create', 'hub', '--public', '--proxy', upstream.url, '--ttl', `${TTL_SECONDS}s`, ...(creds ? ['--username', creds.username, '--password-stdin'] : [])],
          creds?.password,
        );
        // Only Berth's host is in registries.conf (insecure, plain HTTP); the upstream is written
        // to with explicit flags.
        tools = await containersTools(ws.subdir(`containers-${upstream.kind}`), { transport: 'plain', host: berth.host, ca: undefined } as Target);
      });
      after(async () => {
        await berth?.stop();
        await upstream?.stop();
      });

      const pushUpstream = (image: TestImage, name: string, all = false) =>
        tools.skopeo([
          'copy', '--quiet', '--preserve-digests', ...(all ? ['--all'] : []), '--dest-tls-verify=false',
          ...(upstream.credentials ? ['--dest-creds', `${upstream.credentials.username}:${upstream.credentials.password}`] : []),
          `oci:${image.dir}:${image.ref}`, `docker://${upstream.process.host}/${prefix}${name}`,
        ]);
      // Both upstreams serve the same generated images: the engine must hold none of their layers
      // before a cold pull, or it would skip fetching them.
      const forgetImages = () => dockerd.docker(['image', 'prune', '--all', '--force']);
      const throughProxy = (name: string) => `docker://${berth.host}/hub/${prefix}${name}`;
      const pullThrough = async (image: TestImage, name: string, all = false) => {
        const dir = join(tools.dir, `pulled-${name.replace(/[/:@]/g, '_')}`);
        await tools.skopeo(['copy', '--quiet', '--preserve-digests', ...(all ? ['--all'] : []), throughProxy(name), `oci:${dir}:${image.ref}`]);
        await assertLayoutMatches(dir, image);
      };
      const upstreamDigest = async (name: string) => {
        const raw = await tools.skopeo([
          'inspect', '--tls-verify=false', '--format', '{{.Digest}}',
          ...(upstream.credentials ? ['--creds', `${upstream.credentials.username}:${upstream.credentials.password}`] : []),
          `docker://${upstream.process.host}/${prefix}${name}`,
        ]);
        return raw.stdout.trim();
      };
      /** What Berth holds (the API reads its own metadata, never the upstream). */
      const cached = (repository: string, reference: string) =>
        fetch(`${berth.url}/api/v1/repositories/${encodeURIComponent(`hub/${prefix}${repository}`)}/-/manifests/${reference}`, { headers: { authorization: admin } });

      it('skopeo copies a single image through the proxy, digests identical to the upstream', async () => {
        const { single } = ws.images;
        await pushUpstream(single, 'app:1.0');
        await pullThrough(single, 'app:1.0');
        const raw = await tools.skopeo(['inspect', '--raw', throughProxy('app:1.0')]);
        assert.equal(raw.stdout, single.bytes.toString('utf8'), 'manifest bytes as the upstream has them');
        assert.equal(await upstreamDigest('app:1.0'), single.top.digest);
      });

      it('skopeo copies a multi-arch index with --all, every child byte-exact', async () => {
        const { index } = ws.images;
        await pushUpstream(index, 'multi:1.0', true);
        await pullThrough(index, 'multi:1.0', true);
        const raw = await tools.skopeo(['inspect', '--raw', throughProxy('multi:1.0')]);
        assert.equal(raw.stdout, index.bytes.toString('utf8'));
      });

      it('docker pulls cold, and after docker rmi the second pull is warm: one HEAD upstream, no blob GET', async () => {
        const ref = `${berth.host}/hub/${prefix}engine:1.0`;
        const { single } = ws.images;
        await pushUpstream(single, 'engine:1.0');
        await forgetImages();
        counted().reset();
        await dockerd.docker(['pull', '--quiet', ref]);
        assert.equal(counted().count('GET', /\/blobs\//), single.reachable.length, 'cold: each blob fetched once');
        const [image] = JSON.parse((await dockerd.docker(['image', 'inspect', ref])).stdout) as Array<{ RepoDigests: string[] }>;
        assert.ok(image!.RepoDigests.some((d) => d.endsWith(`@${single.top.digest}`)), `RepoDigests: ${image!.RepoDigests.join(', ')}`);

        await dockerd.docker(['rmi', '--force', ref]);
        await sleep(TTL_SECONDS * 1000 + 500);
        counted().reset();
        await dockerd.docker(['pull', '--quiet', ref]);
        assert.equal(counted().count('HEAD', /\/manifests\//), 1, 'the tag re-validated with one HEAD');
        assert.equal(counted().count('GET', /\/manifests\//), 0, 'no manifest fetched');
        assert.equal(counted().count('GET', /\/blobs\//), 0, 'no blob fetched');
        assert.equal(counted().count('HEAD', /\/blobs\//), 0);
      });

      it('docker pulling one platform of an index caches the index and that platform only', async () => {
        const { index } = ws.images;
        const ref = `${berth.host}/hub/${prefix}plat:1.0`;
        await pushUpstream(index, 'plat:1.0', true);
        await forgetImages();
        counted().reset();
        await dockerd.docker(['pull', '--quiet', ref]);
        const host = hostPlatform();
        const mine = index.children.find((c) => c.platform?.architecture === host.architecture);
        assert.ok(mine, `the index has a ${host.architecture} child`);
        const others = index.children.filter((c) => c !== mine);
        const asked = counted()
          .requests.filter((r) => r.method === 'GET' && r.url.includes('/manifests/'))
          .map((r) => r.url.split('/manifests/')[1]!.split('?')[0]);
        assert.deepEqual(asked.sort(), ['1.0', mine.digest].sort(), 'the upstream was asked for the index and one child');

        const top = await cached('plat', '1.0');
        assert.equal(top.status, 200, 'the index is cached under its tag');
        assert.equal(((await top.json()) as ApiManifest).digest, index.top.digest);
        assert.equal((await cached('plat', mine.digest)).status, 200, 'the pulled platform is cached');
        for (const other of others) {
          assert.equal((await cached('plat', other.digest)).status, 404, `${other.platform?.architecture} is not cached`);
        }
        assert.equal(counted().requests.filter((r) => r.method === 'GET' && r.url.includes('/manifests/')).length, 2, 'asking Berth cost the upstream nothing');
      });
    });
  }
});
