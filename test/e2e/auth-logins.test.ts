/**
 * Logging in with real clients to Berth's built-in accounts, over TLS with the test CA: each
 * client signs in the way its users do (`skopeo login`, `podman login`, `docker login` through
 * dockerd, `ctr --user` through containerd, a robot's `--creds` in a CI job), then does what its
 * account's role allows and is refused what it does not. A wrong password must end in a clear
 * authentication error, and after `logout` the private project is closed again.
 *
 * Accounts are made with the `berth` CLI on the running server's data directory, as an
 * operator would. Roles: `dev` develops (pull, push) and `viewer` is a guest (pull) of the
 * private project `team`; `maint` maintains it; `robot$team+ci` may pull and push there.
 * `pub` is a public project none of them belongs to.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertLayoutMatches } from './support/assertions.js';
import { berthAccounts, type Credentials } from './support/berth-accounts.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { writeDockerArchive, type DockerArchive } from './support/docker-archive.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import { manifestAccept, type HttpResponse } from './support/registry-http.js';
import { registryKind, startTarget, type Target } from './support/registry-under-test.js';
import type { RunResult } from './support/run.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

/**
 * What clients print when the registry answered 401 (or their login was refused). containerd
 * words a 401 carrying `error="insufficient_scope"` as "may require authorization".
 */
const AUTH_ERROR = /unauthorized|authentication required|invalid username|no basic auth credentials|may require authorization|\b401\b/i;
/** What they print when it answered 403 DENIED. */
const DENIED = /denied|\b403\b/i;

function assertFailed(result: RunResult, pattern: RegExp, what: string): void {
  assert.notEqual(result.code, 0, `${what} should fail, but exited 0:\n${result.stdout}\n${result.stderr}`);
  assert.match(`${result.stderr}\n${result.stdout}`, pattern, `${what}: unexpected error`);
}

const secret = () => `pw-${randomBytes(12).toString('base64url')}`;

describe('logins with real clients (built-in accounts, TLS)', { skip: registryKind() === 'berth' ? false : 'built-in accounts are Berth’s' }, () => {
  let ws: Workspace;
  let target: Target;
  let containerd: Containerd;
  const admin: Credentials = { username: 'admin', password: secret() };
  let dev: Credentials;
  let viewer: Credentials;
  let maint: Credentials;
  let robot: Credentials;

  before(async () => {
    ws = await createWorkspace('auth');
    // Request lines (level info) show what was answered on the wire, whatever a client prints.
    target = await startTarget('tls', ws.ca, { auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: admin.password, REGISTRY_LOG_LEVEL: 'info' } });
    const accounts = berthAccounts(target.process.root);
    await accounts.project('team', 'private');
    await accounts.project('pub', 'public');
    dev = await accounts.user('dev', secret());
    viewer = await accounts.user('viewer', secret());
    maint = await accounts.user('maint', secret());
    await accounts.member('team', 'dev', 'developer');
    await accounts.member('team', 'viewer', 'guest');
    await accounts.member('team', 'maint', 'maintainer');
    robot = await accounts.robot('team', 'ci', ['pull', 'push']);
    // The bootstrap admin seeds both projects.
    const seed = await containersTools(ws.subdir('seed'), target);
    const { single } = ws.images;
    for (const name of ['team/base:v1', 'pub/base:v1']) {
      await seed.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-creds', `${admin.username}:${admin.password}`, `oci:${single.dir}:${single.ref}`, `docker://${target.host}/${name}`]);
    }
    containerd = await startContainerd(ws.subdir('containerd'));
  });
  after(async () => {
    await containerd?.stop();
    await target?.stop();
    await ws?.cleanup();
  });

  /** Where Berth's output stands now, to read only what it logs after. */
  const mark = () => target.process.output().length;
  /** Statuses Berth answered for `repository` after `since` (a mark), from its request log. */
  const wireStatuses = (since: number, repository: string): number[] =>
    target.process
      .output()
      .slice(since)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; repository?: string; status?: number })
      .filter((entry) => entry.msg === 'request' && entry.repository === repository && typeof entry.status === 'number')
      .map((entry) => entry.status!);
  /**
   * What a client's failure was on the wire, since clients word 401 and 403 alike ("denied"):
   * 401 for a caller who is not signed in (a challenge, never a 403), 403 DENIED for a known one.
   */
  const assertWire = async (since: number, repository: string, status: 401 | 403, what: string) => {
    // The request line is written as the answer goes out, and may reach us just after the client exits.
    const deadline = Date.now() + 3000;
    let statuses = wireStatuses(since, repository);
    while (!statuses.includes(status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      statuses = wireStatuses(since, repository);
    }
    assert.ok(statuses.includes(status), `${what}: Berth answered ${JSON.stringify(statuses)} for ${repository}, no ${status}`);
    if (status === 401) assert.ok(!statuses.includes(403), `${what}: a caller who is not signed in got 403: ${JSON.stringify(statuses)}`);
  };
  /** What the registry holds, asked with the admin's Basic credentials (not through any client). */
  const manifestAsAdmin = (name: string, reference: string): Promise<HttpResponse> =>
    target.request(`/v2/${name}/manifests/${reference}`, {
      method: 'HEAD',
      headers: { accept: manifestAccept, authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}` },
    });
  const assertStored = async (name: string, reference: string, digest: string) => {
    const head = await manifestAsAdmin(name, reference);
    assert.equal(head.status, 200, `${name}:${reference} should be in the registry`);
    assert.equal(head.headers['docker-content-digest'], digest);
  };
  const assertAbsent = async (name: string, reference: string) => {
    assert.equal((await manifestAsAdmin(name, reference)).status, 404, `${name}:${reference} should not be in the registry`);
  };

  describe('skopeo login as a developer', () => {
    let tools: ContainersTools;
    before(async () => {
      tools = await containersTools(ws.subdir('skopeo'), target);
    });
    const ref = (name: string) => `docker://${target.host}/${name}`;
    const push = (name: string) =>
      tools.skopeo(['copy', '--quiet', '--preserve-digests', `oci:${ws.images.single.dir}:${ws.images.single.ref}`, ref(name)], { allowFailure: true });

    it('refuses a wrong password with an authentication error', async () => {
      const result = await tools.skopeo(['login', '--authfile', join(tools.dir, 'wrong.json'), '--username', dev.username, '--password-stdin', target.host], {
        input: 'not-the-password',
        allowFailure: true,
      });
      assertFailed(result, AUTH_ERROR, 'skopeo login with a wrong password');
    });

    it('logs in', async () => {
      const result = await tools.skopeo(['login', '--username', dev.username, '--password-stdin', target.host], { input: dev.password });
      assert.match(result.stdout, /Login Succeeded/i);
    });

    it('pushes to its project and pulls the image back', async () => {
      const pushed = await push('team/skopeo:v1');
      assert.equal(pushed.code, 0, pushed.stderr);
      await assertStored('team/skopeo', 'v1', ws.images.single.top.digest);
      const dir = join(tools.dir, 'pulled');
      await tools.skopeo(['copy', '--quiet', '--preserve-digests', ref('team/skopeo:v1'), `oci:${dir}:v1`]);
      await assertLayoutMatches(dir, { ...ws.images.single, ref: 'v1' });
    });

    it('is denied a delete (developers push but do not delete)', async () => {
      const since = mark();
      assertFailed(await tools.skopeo(['delete', ref('team/skopeo:v1')], { allowFailure: true }), DENIED, 'skopeo delete as a developer');
      await assertWire(since, 'team/skopeo', 403, 'skopeo delete as a developer');
      await assertStored('team/skopeo', 'v1', ws.images.single.top.digest);
    });

    it('is denied a push to a public project it is not a member of', async () => {
      const since = mark();
      assertFailed(await push('pub/skopeo:v1'), DENIED, 'push to another project');
      await assertWire(since, 'pub/skopeo', 403, 'push to another project');
      await assertAbsent('pub/skopeo', 'v1');
    });

    it('after logout, the private project is closed and the public one still open', async () => {
      await tools.skopeo(['logout', target.host]);
      const since = mark();
      assertFailed(await push('team/skopeo:v2'), AUTH_ERROR, 'push after logout');
      await assertWire(since, 'team/skopeo', 401, 'skopeo push after logout');
      await assertAbsent('team/skopeo', 'v2');
      assertFailed(await tools.skopeo(['inspect', '--raw', ref('team/base:v1')], { allowFailure: true }), AUTH_ERROR, 'private read after logout');
      const anonymous = await tools.skopeo(['inspect', '--raw', ref('pub/base:v1')]);
      assert.equal(anonymous.stdout, ws.images.single.bytes.toString('utf8'), 'anyone may pull a public project');
    });
  });

  describe('podman login as a guest', () => {
    let tools: ContainersTools;
    before(async () => {
      tools = await containersTools(ws.subdir('podman'), target);
    });
    const image = (name: string) => `${target.host}/${name}`;

    it('refuses a wrong password with an authentication error', async () => {
      const result = await tools.podman(['login', '--authfile', join(tools.dir, 'wrong.json'), '--username', viewer.username, '--password-stdin', target.host], {
        input: 'not-the-password',
        allowFailure: true,
      });
      assertFailed(result, AUTH_ERROR, 'podman login with a wrong password');
    });

    it('logs in and pulls from the private project', async () => {
      const login = await tools.podman(['login', '--username', viewer.username, '--password-stdin', target.host], { input: viewer.password });
      assert.match(login.stdout, /Login Succeeded/i);
      await tools.podman(['pull', '--quiet', image('team/base:v1')]);
      const [inspected] = JSON.parse((await tools.podman(['image', 'inspect', image('team/base:v1')])).stdout) as { Digest: string }[];
      assert.equal(inspected?.Digest, ws.images.single.top.digest);
    });

    it('is denied a push (guests only pull)', async () => {
      await tools.podman(['tag', image('team/base:v1'), image('team/podman:v1')]);
      const since = mark();
      assertFailed(await tools.podman(['push', '--quiet', image('team/podman:v1')], { allowFailure: true }), DENIED, 'podman push as a guest');
      await assertWire(since, 'team/podman', 403, 'podman push as a guest');
      await assertAbsent('team/podman', 'v1');
    });

    it('after logout, pulling from the private project fails', async () => {
      await tools.podman(['logout', target.host]);
      const since = mark();
      assertFailed(await tools.podman(['pull', '--quiet', image('team/base:v1')], { allowFailure: true }), AUTH_ERROR, 'podman pull after logout');
      await assertWire(since, 'team/base', 401, 'podman pull after logout');
    });
  });

  describe('docker login as a maintainer (dockerd)', () => {
    let dockerd: Dockerd;
    let dir: string;
    let archive: DockerArchive;
    before(async () => {
      dir = ws.subdir('dockerd');
      dockerd = await startDockerd(dir, { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
      archive = await writeDockerArchive(join(ws.dir, 'archive.tar'), 'e2e/loaded:1');
      await dockerd.docker(['load', '--quiet', '--input', archive.path]);
    });
    after(async () => {
      await dockerd?.stop();
    });
    const remote = (tag: string) => `${target.host}/team/docker:${tag}`;

    it('refuses a wrong password with an authentication error', async () => {
      const result = await dockerd.docker(['login', '--username', maint.username, '--password-stdin', target.host], {
        input: 'not-the-password',
        allowFailure: true,
      });
      assertFailed(result, AUTH_ERROR, 'docker login with a wrong password');
    });

    it('logs in and keeps the credentials, not an identity token the containers tools would refuse', async () => {
      const result = await dockerd.docker(['login', '--username', maint.username, '--password-stdin', target.host], { input: maint.password });
      assert.match(result.stdout, /Login Succeeded/i);
      const config = await readFile(join(dir, 'cfg', 'config.json'), 'utf8');
      const entry = (JSON.parse(config) as { auths: Record<string, { auth?: string; identitytoken?: string }> }).auths[target.host];
      assert.equal(entry?.identitytoken, undefined, `docker stored an identity token: ${config}`);
      assert.equal(entry?.auth, Buffer.from(`${maint.username}:${maint.password}`).toString('base64'), 'podman, buildah and skopeo read this entry too');
    });

    it('pushes with the stored login and pulls the image back', async () => {
      await dockerd.docker(['tag', archive.repoTag, remote('v1')]);
      const { stdout } = await dockerd.docker(['push', remote('v1')]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
      assert.ok(digest, `docker push printed no digest:\n${stdout}`);
      await assertStored('team/docker', 'v1', digest);
      await dockerd.docker(['rmi', remote('v1')]);
      await dockerd.docker(['pull', '--quiet', remote('v1')]);
      const [image] = JSON.parse((await dockerd.docker(['image', 'inspect', remote('v1')])).stdout) as { Id: string }[];
      assert.equal(image?.Id, archive.imageId);
    });

    it('after logout, a push to the private project fails', async () => {
      await dockerd.docker(['logout', target.host]);
      await dockerd.docker(['tag', archive.repoTag, remote('v2')]);
      const since = mark();
      // docker renders a 401 with error="insufficient_scope" as "denied: requested access to
      // the resource is denied", so the wire is checked too: a challenge, never a 403.
      assertFailed(await dockerd.docker(['push', remote('v2')], { allowFailure: true }), /denied|unauthorized|authentication required/i, 'docker push after logout');
      await assertWire(since, 'team/docker', 401, 'docker push after logout');
      await assertAbsent('team/docker', 'v2');
    });
  });

  describe('ctr --user as a developer (containerd)', () => {
    let registryArgs: string[];
    before(async () => {
      registryArgs = await containerd.registryArgs(target);
    });
    const ref = (name: string) => `${target.host}/${name}`;
    const user = (login: Credentials) => ['--user', `${login.username}:${login.password}`];

    it('refuses a wrong password with an authentication error', async () => {
      const result = await containerd.ctr(['images', 'pull', ...registryArgs, ...user({ ...dev, password: 'not-the-password' }), ref('team/base:v1')], {
        allowFailure: true,
      });
      assertFailed(result, AUTH_ERROR, 'ctr pull with a wrong password');
    });

    it('cannot pull from the private project without credentials', async () => {
      const since = mark();
      const result = await containerd.ctr(['images', 'pull', ...registryArgs, ref('team/base:v1')], { allowFailure: true });
      assertFailed(result, AUTH_ERROR, 'anonymous ctr pull of a private image');
      await assertWire(since, 'team/base', 401, 'anonymous ctr pull');
    });

    it('pulls and pushes with --user', async () => {
      await containerd.ctr(['images', 'pull', ...registryArgs, ...user(dev), ref('team/base:v1')]);
      await containerd.ctr(['images', 'push', ...registryArgs, ...user(dev), ref('team/ctr:v1'), ref('team/base:v1')]);
      await assertStored('team/ctr', 'v1', ws.images.single.top.digest);
    });

    it('is denied a push to a project it is not a member of', async () => {
      const since = mark();
      const result = await containerd.ctr(['images', 'push', ...registryArgs, ...user(dev), ref('pub/ctr:v1'), ref('team/base:v1')], { allowFailure: true });
      assertFailed(result, DENIED, 'ctr push to another project');
      await assertWire(since, 'pub/ctr', 403, 'ctr push to another project');
      await assertAbsent('pub/ctr', 'v1');
    });
  });

  describe('a robot account in a CI job (skopeo --creds)', () => {
    let tools: ContainersTools;
    before(async () => {
      tools = await containersTools(ws.subdir('ci'), target);
    });
    const ref = (name: string) => `docker://${target.host}/${name}`;
    const creds = (login: Credentials) => `${login.username}:${login.password}`;
    const push = (name: string, login: Credentials) =>
      tools.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-creds', creds(login), `oci:${ws.images.single.dir}:${ws.images.single.ref}`, ref(name)], {
        allowFailure: true,
      });

    it('pushes a build and reads it back', async () => {
      const pushed = await push('team/ci:build-1', robot);
      assert.equal(pushed.code, 0, pushed.stderr);
      await assertStored('team/ci', 'build-1', ws.images.single.top.digest);
      const raw = await tools.skopeo(['inspect', '--raw', '--creds', creds(robot), ref('team/ci:build-1')]);
      assert.equal(raw.stdout, ws.images.single.bytes.toString('utf8'));
    });

    it('is denied outside its grant: another project, or a delete', async () => {
      let since = mark();
      assertFailed(await push('pub/ci:build-1', robot), DENIED, 'robot push to another project');
      await assertWire(since, 'pub/ci', 403, 'robot push to another project');
      await assertAbsent('pub/ci', 'build-1');
      since = mark();
      assertFailed(await tools.skopeo(['delete', '--creds', creds(robot), ref('team/ci:build-1')], { allowFailure: true }), DENIED, 'robot delete');
      await assertWire(since, 'team/ci', 403, 'robot delete');
      await assertStored('team/ci', 'build-1', ws.images.single.top.digest);
    });

    it('a wrong secret is an authentication error', async () => {
      assertFailed(await push('team/ci:build-2', { ...robot, password: 'not-the-secret' }), AUTH_ERROR, 'robot with a wrong secret');
      await assertAbsent('team/ci', 'build-2');
    });
  });
});
