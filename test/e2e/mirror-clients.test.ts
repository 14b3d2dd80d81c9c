/**
 * Real clients configured with Berth as a transparent mirror, each asking for names unchanged:
 * the Docker engine's `registry-mirrors` (it asks for `library/NAME` of docker.io), containerd's
 * hosts.toml mirror for a made-up host (it adds `?ns=HOST`), and podman's registries.conf
 * mirror. Two open Distributions play the upstreams: one stands in for docker.io, the other for
 * `registry.example.test`; each sits behind a counting proxy, and each holds images the other
 * does not, so a pull that succeeds proves Berth routed it to the right project. Nothing comes
 * from the internet: when a mirror misses, the clients fall back to the real host, which this
 * machine cannot reach, so every assertion is on what crossed the counted upstream.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';
import { berthAccounts } from './support/berth-accounts.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import type { TestImage } from './support/image-layouts.js';
import type { Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const ADMIN_PASSWORD = 'mirror-e2e-admin-password';
const FAKE_HOST = 'registry.example.test';

describe('real clients through transparent mirrors', () => {
  let ws: Workspace;
  let berth: RegistryProcess;
  let dockerHub: UpstreamUnderTest;
  let example: UpstreamUnderTest;
  let tools: ContainersTools;
  let containerd: Containerd;
  let dockerd: Dockerd;
  const admin = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

  const pushTo = (upstream: UpstreamUnderTest, image: TestImage, name: string) =>
    tools.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${image.dir}:${image.ref}`, `docker://${upstream.process.host}/${name}`]);
  /** Manifest GETs and blob GETs that reached an upstream for one repository. */
  const fetched = (upstream: UpstreamUnderTest, repository: string) => ({
    manifests: upstream.proxy!.count('GET', new RegExp(`^/v2/${repository}/manifests/`)),
    blobs: upstream.proxy!.count('GET', new RegExp(`^/v2/${repository}/blobs/`)),
  });
  /** What Berth holds in a project (its own metadata, never the upstream). */
  const cached = (repository: string, reference: string) =>
    fetch(`${berth.url}/api/v1/repositories/${encodeURIComponent(repository)}/-/manifests/${reference}`, { headers: { authorization: admin } });

  before(async () => {
    ws = await createWorkspace('mirror');
    [dockerHub, example, berth] = await Promise.all([
      startOpenDistribution({ counted: true }),
      startOpenDistribution({ counted: true }),
      startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD } }),
    ]);
    const cli = berthAccounts(berth.root).cli;
    await cli(['project', 'create', 'hub', '--public', '--proxy', dockerHub.url, '--mirror-of', 'docker.io']);
    await cli(['project', 'create', 'example', '--public', '--proxy', example.url, '--mirror-of', FAKE_HOST]);
    tools = await containersTools(ws.subdir('containers'), { transport: 'plain', host: berth.host, ca: undefined } as Target);
    const { single } = ws.images;
    // The same image under different names: each name exists at one upstream only.
    await pushTo(dockerHub, single, 'library/busybox-e2e:1');
    await pushTo(dockerHub, single, 'library/podman-e2e:1');
    await pushTo(example, single, 'team/app:1');
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), {
      containerdAddress: containerd.address,
      caBundle: ws.ca.bundle,
      daemonJson: { 'registry-mirrors': [berth.url] },
    });
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await berth?.stop();
    await dockerHub?.stop();
    await example?.stop();
    await ws?.cleanup();
  });

  it('the Docker engine with registry-mirrors pulls `busybox-e2e:1` through the docker.io mirror project', async () => {
    const { single } = ws.images;
    dockerHub.proxy!.reset();
    example.proxy!.reset();
    await dockerd.docker(['pull', '--quiet', 'busybox-e2e:1']);
    const [image] = JSON.parse((await dockerd.docker(['image', 'inspect', 'busybox-e2e:1'])).stdout) as Array<{ RepoDigests: string[] }>;
    assert.deepEqual(image!.RepoDigests, [`busybox-e2e@${single.top.digest}`], 'the docker.io name, unchanged, with the upstream digest');
    assert.deepEqual(fetched(dockerHub, 'library/busybox-e2e'), { manifests: 1, blobs: single.reachable.length }, 'everything came through Berth from the upstream once');
    const stored = await cached('hub/library/busybox-e2e', '1');
    assert.equal(stored.status, 200, 'cached in the mirror project under the unprefixed name');
    assert.equal(((await stored.json()) as { digest: string }).digest, single.top.digest);
    assert.equal(example.proxy!.requests.length, 0, 'the other upstream was never asked');
  });

  it(`ctr with a hosts.toml mirror for ${FAKE_HOST} is routed by ?ns= to the project mirroring that host`, async () => {
    const { single } = ws.images;
    const hostsDir = join(ws.dir, 'ctr-hosts');
    await mkdir(join(hostsDir, FAKE_HOST), { recursive: true });
    await writeFile(
      join(hostsDir, FAKE_HOST, 'hosts.toml'),
      `server = "https://${FAKE_HOST}"\n\n[host."http://${berth.host}"]\n  capabilities = ["pull", "resolve"]\n`,
    );
    example.proxy!.reset();
    dockerHub.proxy!.reset();
    const ref = `${FAKE_HOST}/team/app:1`;
    await containerd.ctr(['images', 'pull', '--hosts-dir', hostsDir, ref]);
    const listed = (await containerd.ctr(['images', 'ls'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
    assert.equal(listed.find((cols) => cols[0] === ref)?.[2], single.top.digest, 'ctr holds the image under its own name');
    assert.deepEqual(fetched(example, 'team/app'), { manifests: 1, blobs: single.reachable.length }, `fetched from the ${FAKE_HOST} upstream once`);
    assert.equal(dockerHub.proxy!.requests.length, 0, 'the docker.io mirror was not asked');
    assert.equal((await cached('example/team/app', '1')).status, 200, 'cached in the project mirroring the host');
    assert.equal((await cached('hub/team/app', '1')).status, 404);
  });

  it('podman with a registries.conf mirror for docker.io pulls `docker.io/library/podman-e2e:1` through Berth', async () => {
    const { single } = ws.images;
    await writeFile(
      tools.env.CONTAINERS_REGISTRIES_CONF!,
      `unqualified-search-registries = []\n\n[[registry]]\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "${berth.host}"\ninsecure = true\n`,
    );
    dockerHub.proxy!.reset();
    await tools.podman(['pull', '--quiet', 'docker.io/library/podman-e2e:1']);
    const [image] = JSON.parse((await tools.podman(['image', 'inspect', 'docker.io/library/podman-e2e:1'])).stdout) as Array<{ Digest: string }>;
    assert.equal(image!.Digest, single.top.digest);
    assert.deepEqual(fetched(dockerHub, 'library/podman-e2e'), { manifests: 1, blobs: single.reachable.length }, 'fetched from the docker.io upstream through Berth');
    assert.equal((await cached('hub/library/podman-e2e', '1')).status, 200);
  });
});
