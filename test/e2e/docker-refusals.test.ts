/**
 * What the real docker engine prints when Berth refuses a push, as a newcomer meets it: the
 * first `docker push 127.0.0.1:PORT/my_busybox` before any login (access control is on by
 * default), then pushes after `docker login` as a guest of a project and to a project that
 * does not exist. Each must print Berth's message saying what to do, not docker's generic
 * "requested access to the resource is denied".
 *
 * docker prints a 401 that carries `error="insufficient_scope"` by the challenge's
 * `error_description`, and a 403 by the body's `message`: both are covered here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthAccounts, type Credentials } from './support/berth-accounts.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { writeDockerArchive, type DockerArchive } from './support/docker-archive.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import { registryKind, startTarget, type Target } from './support/registry-under-test.js';
import type { RunResult } from './support/run.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const secret = () => `pw-${randomBytes(12).toString('base64url')}`;

/** What docker printed for a push that must fail, both streams. */
function failure(result: RunResult, what: string): string {
  assert.notEqual(result.code, 0, `${what} should fail, but exited 0:\n${result.stdout}\n${result.stderr}`);
  return `${result.stdout}\n${result.stderr}`;
}

describe('docker push refusals say what to do (built-in accounts, plain HTTP on loopback)', { skip: registryKind() === 'berth' ? false : 'built-in accounts are Berth’s' }, () => {
  let ws: Workspace;
  let target: Target;
  let containerd: Containerd;
  let dockerd: Dockerd;
  let archive: DockerArchive;
  let guest: Credentials;

  before(async () => {
    ws = await createWorkspace('refusals');
    target = await startTarget('plain', ws.ca, { auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: secret() } });
    const accounts = berthAccounts(target.process.root);
    await accounts.project('team', 'private');
    guest = await accounts.user('gus', secret());
    await accounts.member('team', 'gus', 'guest');
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
    archive = await writeDockerArchive(join(ws.dir, 'archive.tar'), 'e2e/refusals:1');
    await dockerd.docker(['load', '--quiet', '--input', archive.path]);
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await target?.stop();
    await ws?.cleanup();
  });

  const push = async (name: string) => {
    const ref = `${target.host}/${name}`;
    await dockerd.docker(['tag', archive.repoTag, ref]);
    return dockerd.docker(['push', ref], { allowFailure: true });
  };

  it('before login, says that access control is on and how to log in', async () => {
    const signIn = `authentication required: access control is on; log in with \`docker login ${target.host}\``;
    for (const name of ['my_busybox', 'team/app:v1']) {
      const printed = failure(await push(name), `docker push ${name} before login`);
      assert.ok(printed.includes(signIn), `docker push ${name} printed:\n${printed}`);
    }
    const pulled = failure(await dockerd.docker(['pull', `${target.host}/team/app:v1`], { allowFailure: true }), 'docker pull before login');
    assert.ok(pulled.includes(signIn), `docker pull before login printed:\n${pulled}`);
  });

  it('after login as a guest, says the role allows pulls only', async () => {
    await dockerd.docker(['login', '--username', guest.username, '--password-stdin', target.host], { input: guest.password });
    const printed = failure(await push('team/app:v2'), 'docker push as a guest');
    assert.ok(
      printed.includes('denied: your role in project team is guest, which may pull only; ask a project admin for developer'),
      `docker push as a guest printed:\n${printed}`,
    );
  });

  it('after login, a push to a project that does not exist says who may create it', async () => {
    const printed = failure(await push('newproj/app:v1'), 'docker push to a missing project');
    assert.ok(
      printed.includes('denied: project newproj does not exist or you have no access to it; if it does not exist, a system admin can create it (berth project add newproj / POST /api/v1/projects)'),
      `docker push to a missing project printed:\n${printed}`,
    );
  });
});
