/**
 * Issue 10, finding 5: every client works after any other client's login on the same machine.
 * podman, buildah and skopeo read docker's `~/.docker/config.json` when their own auth file has
 * no entry; this suite points them straight at it (REGISTRY_AUTH_FILE, as the fallback does).
 *
 * - `docker login` (through dockerd), then skopeo, podman and buildah push and pull with the file
 *   docker wrote, and `podman login` on top of it works. docker used to store a refresh token as
 *   `identitytoken` there, which the containers tools refuse ("auth file contains an Identity
 *   token"); now it stores the credentials, as with Distribution's and Harbor's token servers.
 * - `podman login` writing docker's config.json, then docker pushes and pulls with it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthAccounts, type Credentials } from './support/berth-accounts.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { writeDockerArchive, type DockerArchive } from './support/docker-archive.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import { registryKind, startTarget, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const secret = () => `pw-${randomBytes(12).toString('base64url')}`;

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

describe('one auth file, every client (docker login then the containers tools, and back)', { skip: registryKind() === 'berth' ? false : 'built-in accounts are Berth’s' }, () => {
  let ws: Workspace;
  let target: Target;
  let containerd: Containerd;
  let dockerd: Dockerd;
  let dockerDir: string;
  let archive: DockerArchive;
  let tools: ContainersTools;
  let dev: Credentials;
  const admin: Credentials = { username: 'admin', password: secret() };

  /** docker's config.json, the file every client shares in this suite. */
  const dockerConfig = () => join(dockerDir, 'cfg', 'config.json');
  const shared = () => ({ env: { REGISTRY_AUTH_FILE: dockerConfig() } });
  const entry = async (): Promise<AuthEntry | undefined> =>
    (JSON.parse(await readFile(dockerConfig(), 'utf8')) as { auths?: Record<string, AuthEntry> }).auths?.[target.host];

  before(async () => {
    ws = await createWorkspace('mix');
    target = await startTarget('tls', ws.ca, { auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: admin.password } });
    const accounts = berthAccounts(target.process.root);
    await accounts.project('team', 'private');
    dev = await accounts.user('dev', secret());
    await accounts.member('team', 'dev', 'developer');
    tools = await containersTools(ws.subdir('tools'), target);
    const { single } = ws.images;
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-creds', `${admin.username}:${admin.password}`, `oci:${single.dir}:${single.ref}`, `docker://${target.host}/team/base:v1`]);
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerDir = ws.subdir('dockerd');
    dockerd = await startDockerd(dockerDir, { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
    archive = await writeDockerArchive(join(ws.dir, 'archive.tar'), 'e2e/loaded:1');
    await dockerd.docker(['load', '--quiet', '--input', archive.path]);
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await target?.stop();
    await ws?.cleanup();
  });

  describe('after docker login', () => {
    before(async () => {
      const login = await dockerd.docker(['login', '--username', dev.username, '--password-stdin', target.host], { input: dev.password });
      assert.match(login.stdout, /Login Succeeded/i);
    });

    it('docker pushes', async () => {
      await dockerd.docker(['tag', archive.repoTag, `${target.host}/team/docker:v1`]);
      await dockerd.docker(['push', `${target.host}/team/docker:v1`]);
    });

    it('docker kept the credentials, not an identity token', async () => {
      const stored = await entry();
      assert.equal(stored?.identitytoken, undefined, `an identity token locks the containers tools out: ${JSON.stringify(stored)}`);
      assert.equal(stored?.auth, Buffer.from(`${dev.username}:${dev.password}`).toString('base64'));
    });

    it('skopeo copies in and out of the private project with docker’s auth file', async () => {
      const pushed = await tools.skopeo(['copy', '--quiet', `oci:${ws.images.single.dir}:${ws.images.single.ref}`, `docker://${target.host}/team/skopeo:v1`], { ...shared(), allowFailure: true });
      assert.equal(pushed.code, 0, `skopeo push after docker login: ${pushed.stderr}`);
      const raw = await tools.skopeo(['inspect', '--raw', `docker://${target.host}/team/docker:v1`], { ...shared(), allowFailure: true });
      assert.equal(raw.code, 0, `skopeo read of docker's push: ${raw.stderr}`);
    });

    it('podman pulls and pushes with it', async () => {
      const pulled = await tools.podman(['pull', '--quiet', `${target.host}/team/base:v1`], { ...shared(), allowFailure: true });
      assert.equal(pulled.code, 0, `podman pull after docker login: ${pulled.stderr}`);
      await tools.podman(['tag', `${target.host}/team/base:v1`, `${target.host}/team/podman:v1`]);
      const pushed = await tools.podman(['push', '--quiet', `${target.host}/team/podman:v1`], { ...shared(), allowFailure: true });
      assert.equal(pushed.code, 0, `podman push after docker login: ${pushed.stderr}`);
    });

    it('buildah pulls and pushes with it', async () => {
      const pulled = await tools.buildah(['pull', '--quiet', `${target.host}/team/docker:v1`], { ...shared(), allowFailure: true });
      assert.equal(pulled.code, 0, `buildah pull after docker login: ${pulled.stderr}`);
      const pushed = await tools.buildah(['push', '--quiet', `${target.host}/team/docker:v1`, `docker://${target.host}/team/buildah:v1`], { ...shared(), allowFailure: true });
      assert.equal(pushed.code, 0, `buildah push after docker login: ${pushed.stderr}`);
    });

    it('podman login and skopeo login succeed on top of it', async () => {
      for (const login of [tools.podman, tools.skopeo]) {
        const result = await login(['login', '--username', dev.username, '--password-stdin', target.host], { ...shared(), input: dev.password, allowFailure: true });
        assert.equal(result.code, 0, `login after docker login: ${result.stderr}`);
      }
    });
  });

  describe('after podman login', () => {
    before(async () => {
      await dockerd.docker(['logout', target.host]);
      assert.equal(await entry(), undefined, 'docker logout removed the entry');
      const login = await tools.podman(['login', '--username', dev.username, '--password-stdin', target.host], { ...shared(), input: dev.password });
      assert.match(login.stdout, /Login Succeeded/i);
    });

    it('docker pushes and pulls with what podman stored', async () => {
      await dockerd.docker(['tag', archive.repoTag, `${target.host}/team/docker:v2`]);
      const pushed = await dockerd.docker(['push', `${target.host}/team/docker:v2`], { allowFailure: true });
      assert.equal(pushed.code, 0, `docker push after podman login: ${pushed.stderr}`);
      await dockerd.docker(['rmi', `${target.host}/team/docker:v2`]);
      const pulled = await dockerd.docker(['pull', '--quiet', `${target.host}/team/docker:v2`], { allowFailure: true });
      assert.equal(pulled.code, 0, `docker pull after podman login: ${pulled.stderr}`);
    });
  });
});
