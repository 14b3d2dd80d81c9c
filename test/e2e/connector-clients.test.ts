/**
 * Real clients through a connector port (`http.connectors`): `berth serve` binds an extra
 * address to the group `all` (a private hosted project `team`, then a public proxy `hub` of an
 * open Distribution behind a counting proxy), and skopeo and the Docker engine use names
 * relative to it — `HOST:PORT/app:1` is `team/app:1`, `HOST:PORT/library/ubuntu-e2e:1` comes
 * from the upstream. Both sign in through the connector's own token service.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';
import { assertLayoutMatches } from './support/assertions.js';
import { berthAccounts, type Credentials } from './support/berth-accounts.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import type { Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const ADMIN_PASSWORD = 'connector-e2e-admin-password';

describe('real clients through a connector port', () => {
  let ws: Workspace;
  let berth: RegistryProcess;
  let upstream: UpstreamUnderTest;
  let tools: ContainersTools;
  let containerd: Containerd;
  let dockerd: Dockerd;
  let dev: Credentials;
  let connector: string;
  const admin = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  const creds = () => `${dev.username}:${dev.password}`;
  /** What Berth holds (its own metadata, never the upstream). */
  const stored = (repository: string, reference: string) =>
    fetch(`${berth.url}/api/v1/repositories/${encodeURIComponent(repository)}/-/manifests/${reference}`, { headers: { authorization: admin } });

  before(async () => {
    ws = await createWorkspace('connector');
    const port = await freePort();
    connector = `127.0.0.1:${port}`;
    [upstream, berth] = await Promise.all([
      startOpenDistribution({ counted: true }),
      startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, REGISTRY_HTTP_CONNECTORS: `all=${connector}` } }),
    ]);
    const accounts = berthAccounts(berth.root);
    dev = await accounts.user('dev', 'dev-connector-password');
    await accounts.project('team', 'private');
    await accounts.member('team', 'dev', 'developer');
    await accounts.cli(['project', 'create', 'hub', '--public', '--proxy', upstream.url]);
    await accounts.cli(['project', 'create', 'all', '--public', '--group', 'team,hub', '--push-to', 'team']);
    await accounts.member('all', 'dev', 'developer');
    tools = await containersTools(ws.subdir('containers'), { transport: 'plain', host: berth.host, ca: undefined } as Target);
    const { single } = ws.images;
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-creds', 'admin:' + ADMIN_PASSWORD, `oci:${single.dir}:${single.ref}`, `docker://${berth.host}/team/app:1`]);
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${single.dir}:${single.ref}`, `docker://${upstream.process.host}/library/ubuntu-e2e:1`]);
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await berth?.stop();
    await upstream?.stop();
    await ws?.cleanup();
  });

  it('skopeo copies the hosted image and the upstream one by their relative names, and pushes to the push member', async () => {
    const { single } = ws.images;
    for (const name of ['app:1', 'library/ubuntu-e2e:1']) {
      const dir = join(tools.dir, `pulled-${name.replace(/[/:]/g, '_')}`);
      await tools.skopeo(['copy', '--quiet', '--preserve-digests', '--src-tls-verify=false', '--src-creds', creds(), `docker://${connector}/${name}`, `oci:${dir}:${single.ref}`]);
      await assertLayoutMatches(dir, single);
    }
    assert.equal(upstream.proxy!.count('GET', /^\/v2\/library\/ubuntu-e2e\/manifests\//), 1, 'the upstream image came through hub');
    assert.equal((await stored('hub/library/ubuntu-e2e', '1')).status, 200, 'and is cached there');
    const listed = await tools.skopeo(['list-tags', '--tls-verify=false', '--creds', creds(), `docker://${connector}/app`]);
    assert.deepEqual((JSON.parse(listed.stdout) as { Repository: string; Tags: string[] }).Tags, ['1']);
    await tools.skopeo(['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', creds(), `oci:${single.dir}:${single.ref}`, `docker://${connector}/pushed:1`]);
    assert.equal((await stored('team/pushed', '1')).status, 200, 'the push landed in team, the push member');
  });

  it('the Docker engine logs in to the connector and pulls both images by their relative names', async () => {
    const { single } = ws.images;
    await dockerd.docker(['login', '--username', dev.username, '--password-stdin', connector], { input: dev.password });
    for (const name of ['app', 'library/ubuntu-e2e']) {
      await dockerd.docker(['image', 'prune', '--all', '--force']);
      await dockerd.docker(['pull', '--quiet', `${connector}/${name}:1`]);
      const [image] = JSON.parse((await dockerd.docker(['image', 'inspect', `${connector}/${name}:1`])).stdout) as Array<{ RepoDigests: string[] }>;
      assert.deepEqual(image!.RepoDigests, [`${connector}/${name}@${single.top.digest}`], `${name}: the connector's name, the image's digest`);
    }
  });
});
