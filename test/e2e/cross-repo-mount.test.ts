/**
 * A real client mounting blobs across repositories of the same registry: `skopeo copy` from
 * one repository to another with a developer's login. containers/image asks the token service
 * for pull on the source itself before it mounts; Berth's challenge for a mount whose source
 * the token lacks names that scope too (as Distribution does), for clients that follow the
 * challenge instead. Either way the blobs must be mounted (201), not uploaded again, and only
 * from a source the caller may read.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { berthAccounts, type Credentials } from './support/berth-accounts.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { registryKind, startTarget, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const secret = () => `pw-${randomBytes(12).toString('base64url')}`;

interface RequestLine {
  msg?: string;
  method?: string;
  route?: string;
  repository?: string;
  status?: number;
}

describe('cross-repository mounts with skopeo (built-in accounts)', { skip: registryKind() === 'berth' ? false : 'built-in accounts are Berth’s' }, () => {
  let ws: Workspace;
  let target: Target;
  let tools: ContainersTools;
  let dev: Credentials;

  before(async () => {
    ws = await createWorkspace('mount');
    // Request lines (level info) show what was answered on the wire.
    target = await startTarget('plain', ws.ca, { auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: secret(), REGISTRY_LOG_LEVEL: 'info' } });
    const accounts = berthAccounts(target.process.root);
    await accounts.project('team', 'private');
    dev = await accounts.user('dev', secret());
    await accounts.member('team', 'dev', 'developer');
    tools = await containersTools(ws.subdir('skopeo'), target);
  });
  after(async () => {
    await target?.stop();
    await ws?.cleanup();
  });

  const requests = (since: number): RequestLine[] =>
    target.process
      .output()
      .slice(since)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as RequestLine)
      .filter((entry) => entry.msg === 'request');

  it('copies between two repositories by mounting every blob', async () => {
    const { single } = ws.images;
    const creds = `${dev.username}:${dev.password}`;
    await tools.skopeo(['copy', '--quiet', '--dest-creds', creds, `oci:${single.dir}:${single.ref}`, `docker://${target.host}/team/a:v1`]);
    const since = target.process.output().length;
    await tools.skopeo(['copy', '--quiet', '--src-creds', creds, '--dest-creds', creds, `docker://${target.host}/team/a:v1`, `docker://${target.host}/team/b:v1`]);
    // The request line is written as the answer goes out, and may reach us just after skopeo exits.
    const deadline = Date.now() + 3000;
    let toB = requests(since).filter((r) => r.repository === 'team/b');
    while (!toB.some((r) => r.method === 'PUT' && r.route === 'manifest') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      toB = requests(since).filter((r) => r.repository === 'team/b');
    }
    // The request log has no query string: a POST answered 201 with no body is a mount.
    const layers = 3; // the single-platform test image has three layers
    const mounted = toB.filter((r) => r.method === 'POST' && r.route === 'upload-start' && r.status === 201);
    assert.equal(mounted.length, layers, `every layer is mounted: ${JSON.stringify(toB.map((r) => [r.method, r.route, r.status]))}`);
    // containers/image never tries to reuse a config blob: it uploads that one itself.
    const uploaded = toB.filter((r) => r.method === 'PUT' && r.route === 'upload');
    assert.equal(uploaded.length, 1, 'only the config is uploaded');
    assert.equal((await target.headManifest('team/b', 'v1')).status, 401, 'team/b is private');
  });
});
