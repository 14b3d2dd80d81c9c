/**
 * `docker search HOST/term` through the real Docker engine against Berth with built-in
 * accounts: the engine sends the login's credentials to /v1/search, and the results carry each
 * repository's description (an edit through the API) and star count, and never a repository of
 * a private project the searching user is not a member of.
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
import { createWorkspace, type Workspace } from './support/workspace.js';

const secret = () => `pw-${randomBytes(12).toString('base64url')}`;

describe('docker search with descriptions and stars (built-in accounts)', { skip: registryKind() === 'berth' ? false : 'stars are Berth’s' }, () => {
  let ws: Workspace;
  let target: Target;
  let containerd: Containerd;
  let dockerd: Dockerd;
  let archive: DockerArchive;
  const admin: Credentials = { username: 'admin', password: secret() };
  let viewer: Credentials;
  let fan: Credentials;

  const apiCall = async (who: Credentials, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${target.url}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${who.username}:${who.password}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.status < 300, `${method} ${path} as ${who.username}: ${response.status} ${await response.text()}`);
  };

  before(async () => {
    ws = await createWorkspace('search-stars');
    target = await startTarget('plain', ws.ca, { auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: admin.password } });
    const accounts = berthAccounts(target.process.root);
    await accounts.project('pub', 'public');
    await accounts.project('team', 'private');
    viewer = await accounts.user('viewer', secret());
    fan = await accounts.user('fan', secret());
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
    archive = await writeDockerArchive(join(ws.dir, 'archive.tar'), 'e2e/search:1');
    await dockerd.docker(['load', '--quiet', '--input', archive.path]);
    await dockerd.docker(['login', '--username', admin.username, '--password-stdin', target.host], { input: admin.password });
    for (const name of ['pub/webapp', 'pub/webtool', 'team/websecret']) {
      await dockerd.docker(['tag', archive.repoTag, `${target.host}/${name}:v1`]);
      await dockerd.docker(['push', '--quiet', `${target.host}/${name}:v1`]);
    }
    await apiCall(admin, 'PUT', '/api/v1/repositories/pub%2Fwebapp/-/description', { description: 'The public web app' });
    for (const who of [viewer, fan]) await apiCall(who, 'PUT', '/api/v1/repositories/pub%2Fwebapp/-/star');
    await apiCall(fan, 'PUT', '/api/v1/repositories/pub%2Fwebtool/-/star');
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await target?.stop();
    await ws?.cleanup();
  });

  const search = async (term: string) => {
    const { stdout } = await dockerd.docker(['search', '--no-trunc', '--format', '{{.Name}}|{{.Description}}|{{.StarCount}}', `${target.host}/${term}`]);
    return stdout.trim().split('\n').filter((line) => line !== '').sort();
  };

  it('a user outside the private project sees public repositories with descriptions and stars, and nothing private', async () => {
    await dockerd.docker(['login', '--username', viewer.username, '--password-stdin', target.host], { input: viewer.password });
    assert.deepEqual(await search('web'), ['pub/webapp|The public web app|2', 'pub/webtool||1']);
    assert.deepEqual(await search('websecret'), []);
  });

  it('the system admin sees the private repository too', async () => {
    await dockerd.docker(['login', '--username', admin.username, '--password-stdin', target.host], { input: admin.password });
    assert.deepEqual(await search('web'), ['pub/webapp|The public web app|2', 'pub/webtool||1', 'team/websecret||0']);
  });
});
