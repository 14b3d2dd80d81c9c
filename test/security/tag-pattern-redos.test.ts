// Finding 4 of issue 9: a project admin's immutable-tag pattern was turned into a RegExp, and
// `a*a*…*b` against a tag of many `a` backtracked for seconds to minutes on the event loop,
// freezing every other request. A real server process, the pattern set through /api/v1, the
// pathological tag pushed over /v2, and /healthz asked meanwhile.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { startBerth } from '../support/registry-process.js';
import { probeWhile } from '../support/healthz-probe.js';
import { basic, withHeaders } from '../http/support/auth.js';
import { OCI_MANIFEST } from '../http/support/content.js';
import { client, expectStatus } from '../http/support/http-client.js';
import { pushImage } from '../http/support/push.js';

const PASSWORD = 'redos-admin-password';

test('an immutable pattern built to backtrack neither blocks the server nor mismatches', async () => {
  const server = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: PASSWORD } });
  try {
    const admin = withHeaders(client(server.url), { authorization: basic('admin', PASSWORD) });
    const json = { 'content-type': 'application/json' };
    expectStatus(await admin.post('/api/v1/projects', { headers: json, body: JSON.stringify({ name: 'redos' }) }), 201, 'create project');
    const patterns = ['a*a*a*a*a*a*a*a*a*a*b', `${'a*'.repeat(63)}b`];
    const policy = await admin.request('PATCH', '/api/v1/projects/redos/policy', { headers: json, body: JSON.stringify({ immutableTags: patterns }) });
    expectStatus(policy, 200, `set patterns: ${policy.text}`);

    const image = await pushImage(admin, 'redos/app', 'base');
    for (const length of [40, 60, 128]) {
      const tag = 'a'.repeat(length);
      const put = admin.put(`/v2/redos/app/manifests/${tag}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.body });
      const probes = await probeWhile(server.url, put, { everyMs: 50, timeoutMs: 2000 });
      const slowest = Math.max(...probes.latencies);
      assert.ok(slowest < 2000, `/healthz took ${slowest} ms while a ${length}-character tag was checked against the patterns`);
      expectStatus(await put, 201, `push ${length} a`);
    }

    // The patterns still mean what they say: a matching tag, once pushed, cannot move.
    const other = await pushImage(admin, 'redos/app', 'other');
    const matching = `${'a'.repeat(64)}b`;
    expectStatus(await admin.put(`/v2/redos/app/manifests/${matching}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.body }), 201);
    const moved = await admin.put(`/v2/redos/app/manifests/${matching}`, { headers: { 'content-type': OCI_MANIFEST }, body: other.body });
    assert.equal(moved.status, 403, 'a tag matching an immutable pattern cannot be moved');
    assert.match(moved.text, /immutable/);
    const free = await admin.put(`/v2/redos/app/manifests/${'a'.repeat(40)}`, { headers: { 'content-type': OCI_MANIFEST }, body: other.body });
    expectStatus(free, 201, 'a tag matching no pattern moves');
  } finally {
    await server.stop({ signal: 'SIGKILL' });
  }
});
