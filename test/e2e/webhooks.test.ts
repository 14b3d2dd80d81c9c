/**
 * Project webhooks end to end: a listener started here receives Harbor-shaped, HMAC-signed
 * PUSH_ARTIFACT from a real skopeo push and DELETE_ARTIFACT from a management API delete; with
 * the listener down, events wait in the durable queue through a Berth restart and arrive in
 * order; only system admins and the project's admins manage webhooks; the secret is never
 * echoed; URLs pointing into private networks are refused unless the operator allows them.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startEventListener, type EventListener, type ReceivedRequest } from '../support/event-listener.js';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import type { Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const adminPassword = randomBytes(12).toString('hex');
const SECRET = 'webhook-secret-0123456789';
const SECRET2 = 'rotated-secret-9876543210';
const ALLOW_PRIVATE = { REGISTRY_NOTIFICATIONS_WEBHOOKS_ALLOWPRIVATETARGETS: 'true' };

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function api(berth: RegistryProcess, method: string, path: string, auth: string | undefined, body?: unknown) {
  const response = await fetch(`${berth.url}/api/v1${path}`, {
    method,
    headers: { ...(auth === undefined ? {} : { authorization: auth }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text === '' ? undefined : (JSON.parse(text) as any) };
}

/** Checks the signature as a receiver would: HMAC-SHA256 of `<t>.<body>`, within 5 minutes. */
function verify(request: ReceivedRequest, secret: string): void {
  const header = String(request.headers['x-berth-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  assert.ok(match, `signature header: ${header}`);
  assert.ok(Math.abs(Date.now() / 1000 - Number(match[1])) < 300, 'a fresh timestamp');
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.raw}`).digest('hex');
  assert.equal(match[2], expected, 'the HMAC matches the body');
  const wrong = createHmac('sha256', 'another-secret-entirely').update(`${match[1]}.${request.raw}`).digest('hex');
  assert.notEqual(match[2], wrong);
}

async function waitForRequests(listener: EventListener, path: string, count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = listener.received.filter((r) => r.path === path);
    if (got.length >= count) return got;
    if (Date.now() > until) throw new Error(`${got.length} of ${count} webhook requests on ${path} arrived`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('project webhooks', () => {
  let ws: Workspace;
  let listener: EventListener;
  let berth: RegistryProcess | undefined;
  let tools: ContainersTools;
  const admin = basic('admin', adminPassword);

  before(async () => {
    ws = await createWorkspace('webhooks');
    listener = await startEventListener();
    berth = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: adminPassword, ...ALLOW_PRIVATE } });
    tools = await containersTools(ws.subdir('tools'), { transport: 'plain', host: berth.host, ca: undefined } as Target);
    assert.equal((await api(berth, 'POST', '/projects', admin, { name: 'team' })).status, 201);
    assert.equal((await api(berth, 'POST', '/projects', admin, { name: 'other' })).status, 201);
    for (const name of ['dev', 'otheradmin']) {
      assert.equal((await api(berth, 'POST', '/users', admin, { name, password: `${name}-password-123` })).status, 201);
    }
    assert.equal((await api(berth, 'PUT', '/projects/team/members/dev', admin, { role: 'developer' })).status, 200);
    assert.equal((await api(berth, 'PUT', '/projects/other/members/otheradmin', admin, { role: 'admin' })).status, 200);
  });
  after(async () => {
    await berth?.stop().catch(() => undefined);
    await listener?.stop();
    await ws?.cleanup();
  });

  const push = (tag: string) => {
    const { single } = ws.images;
    return tools.skopeo([
      'copy', '--quiet', '--preserve-digests', '--dest-creds', `admin:${adminPassword}`,
      `oci:${single.dir}:${single.ref}`, `docker://${berth!.host}/team/app:${tag}`,
    ]);
  };

  let webhookId: number;

  it('creates a webhook without ever returning its secret', async () => {
    const created = await api(berth!, 'POST', '/projects/team/webhooks', admin, { url: `${listener.url}/wh`, secret: SECRET });
    assert.equal(created.status, 201, created.text);
    assert.ok(!created.text.includes(SECRET), 'the secret is not echoed');
    assert.equal(created.json.secret, undefined);
    assert.deepEqual(created.json.events, ['PUSH_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED'], 'pulls are off by default');
    webhookId = created.json.id;
    for (const path of ['/projects/team/webhooks', `/projects/team/webhooks/${webhookId}`]) {
      const read = await api(berth!, 'GET', path, admin);
      assert.equal(read.status, 200);
      assert.ok(!read.text.includes(SECRET), `${path} does not show the secret`);
    }
    // Without a secret, Berth makes one and shows it once.
    const generated = await api(berth!, 'POST', '/projects/other/webhooks', admin, { url: `${listener.url}/other`, events: ['PULL_ARTIFACT'] });
    assert.equal(generated.status, 201);
    assert.equal(typeof generated.json.secret, 'string');
    const again = await api(berth!, 'GET', `/projects/other/webhooks/${generated.json.id}`, admin);
    assert.ok(!again.text.includes(generated.json.secret));
  });

  it('sends a signed PUSH_ARTIFACT for a skopeo push', async () => {
    await push('v1');
    const [request] = await waitForRequests(listener, '/wh', 1);
    verify(request!, SECRET);
    assert.equal(request!.headers['content-type'], 'application/json');
    const event = request!.body as any;
    assert.equal(event.type, 'PUSH_ARTIFACT');
    assert.equal(event.operator, 'admin');
    assert.equal(typeof event.occur_at, 'number');
    assert.deepEqual(event.event_data.repository, { name: 'app', namespace: 'team', repo_full_name: 'team/app', repo_type: 'private' });
    const [resource] = event.event_data.resources;
    assert.equal(resource.tag, 'v1');
    assert.match(resource.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(resource.resource_url, `${berth!.host}/team/app:v1`);
    // The other project's webhook (pulls only) heard nothing of team's push.
    assert.equal(listener.received.filter((r) => r.path === '/other').length, 0);
  });

  it('sends DELETE_ARTIFACT for a delete through the management API', async () => {
    const pushed = (listener.received.find((r) => r.path === '/wh')!.body as any).event_data.resources[0].digest as string;
    const deleted = await api(berth!, 'DELETE', `/repositories/team/app/-/manifests/${pushed}`, admin);
    assert.equal(deleted.status, 204, deleted.text);
    const requests = await waitForRequests(listener, '/wh', 2);
    verify(requests[1]!, SECRET);
    const event = requests[1]!.body as any;
    assert.equal(event.type, 'DELETE_ARTIFACT');
    assert.equal(event.event_data.resources[0].digest, pushed);
    assert.equal(event.event_data.resources[0].resource_url, `${berth!.host}/team/app@${pushed}`);
  });

  it('keeps the log of deliveries', async () => {
    const log = await api(berth!, 'GET', `/projects/team/webhooks/${webhookId}/deliveries`, admin);
    assert.equal(log.status, 200);
    assert.equal(log.json.pending, 0);
    assert.equal(log.json.deliveries.length, 2);
    assert.ok(log.json.deliveries.every((d: any) => d.status === 200 && d.attempt === 1 && typeof d.latencyMs === 'number'));
  });

  it('lets only system admins and the project admins manage webhooks', async () => {
    const robot = await api(berth!, 'POST', '/projects/team/robots', admin, { name: 'ci', actions: ['pull', 'push'] });
    assert.equal(robot.status, 201, robot.text);
    const callers: Array<[string, string | undefined, number]> = [
      ['anonymous', undefined, 401],
      ['a developer of the project', basic('dev', 'dev-password-123'), 403],
      ["another project's admin", basic('otheradmin', 'otheradmin-password-123'), 403],
      ['a robot of the project', basic(robot.json.name, robot.json.secret), 403],
    ];
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/projects/team/webhooks'],
      ['POST', '/projects/team/webhooks', { url: `${listener.url}/evil` }],
      ['GET', `/projects/team/webhooks/${webhookId}`],
      ['PATCH', `/projects/team/webhooks/${webhookId}`, { url: `${listener.url}/evil` }],
      ['DELETE', `/projects/team/webhooks/${webhookId}`],
      ['GET', `/projects/team/webhooks/${webhookId}/deliveries`],
    ];
    for (const [who, auth, status] of callers) {
      for (const [method, path, body] of routes) {
        const answer = await api(berth!, method, path, auth, body);
        assert.equal(answer.status, status, `${who}: ${method} ${path} → ${answer.text}`);
        assert.ok(answer.json.errors[0].code, 'the OCI error envelope');
        // A project that does not exist is refused the same way: no existence leaks.
        const missing = await api(berth!, method, path.replace('/projects/team/', '/projects/nosuch/'), auth, body);
        assert.equal(missing.status, status, `${who}: ${method} ${path} on a missing project`);
      }
    }
    assert.equal((await api(berth!, 'GET', '/projects/nosuch/webhooks', admin)).status, 404);
    assert.equal((await api(berth!, 'GET', '/projects/team/webhooks/999', admin)).status, 404);
    assert.equal((await api(berth!, 'GET', '/projects/team/webhooks/abc', admin)).status, 404);
    // The project's own admin may.
    assert.equal((await api(berth!, 'GET', '/projects/other/webhooks', basic('otheradmin', 'otheradmin-password-123'))).status, 200);
    const still = await api(berth!, 'GET', `/projects/team/webhooks/${webhookId}`, admin);
    assert.equal(still.json.url, `${listener.url}/wh`, 'no refused change went through');
  });

  it('refuses bad input with a 400', async () => {
    const bad: unknown[] = [
      { url: 'ftp://example.com/' },
      { url: 'not a url' },
      { url: `${listener.url}/wh`, events: ['PUSH_IMAGE'] },
      { url: `${listener.url}/wh`, events: [] },
      { url: `${listener.url}/wh`, secret: 'short' },
      { url: 'http://user:pw@example.com/' },
      { url: `${listener.url}/wh`, extra: 1 },
    ];
    for (const body of bad) {
      const answer = await api(berth!, 'POST', '/projects/team/webhooks', admin, body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.text}`);
    }
  });

  it('delivers queued events in order after an outage that spans a restart', async () => {
    await listener.stop();
    await push('v2');
    await push('v3');
    await new Promise((r) => setTimeout(r, 1500));
    // A new secret, set while the events wait, signs every later attempt; it is not echoed.
    const rotated = await api(berth!, 'PATCH', `/projects/team/webhooks/${webhookId}`, admin, { secret: SECRET2 });
    assert.equal(rotated.status, 200, rotated.text);
    assert.ok(!rotated.text.includes(SECRET2));
    const root = berth!.root;
    const port = berth!.port;
    await berth!.stop({ keepData: true });
    berth = await startBerth({ auth: 'builtin', root, port, env: { BERTH_ADMIN_PASSWORD: adminPassword, ...ALLOW_PRIVATE } });
    await new Promise((r) => setTimeout(r, 1000));
    const waiting = await api(berth, 'GET', `/projects/team/webhooks/${webhookId}/deliveries`, admin);
    assert.equal(waiting.json.pending, 2, 'both events wait in the queue after the restart');
    assert.ok(waiting.json.deliveries.some((d: any) => d.status === 0 && d.error), 'failed attempts are logged');
    await listener.start();
    const requests = await waitForRequests(listener, '/wh', 4);
    await new Promise((r) => setTimeout(r, 1000));
    const all = listener.received.filter((r) => r.path === '/wh');
    assert.equal(all.length, 4, 'each event once');
    assert.deepEqual(all.slice(2).map((r) => (r.body as any).event_data.resources[0].tag), ['v2', 'v3']);
    for (const request of requests.slice(2)) verify(request, SECRET2);
  });

  it('refuses private targets unless the operator allows them', async () => {
    const strict = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: adminPassword } });
    try {
      assert.equal((await api(strict, 'POST', '/projects', admin, { name: 'team' })).status, 201);
      for (const url of ['http://127.0.0.1:9/', 'http://localhost/', 'http://[::1]/', 'http://169.254.169.254/latest', 'http://10.0.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/']) {
        const answer = await api(strict, 'POST', '/projects/team/webhooks', admin, { url });
        assert.equal(answer.status, 400, `${url} → ${answer.text}`);
        assert.match(answer.json.errors[0].message, /allowprivatetargets|resolve/);
      }
      assert.equal((await api(strict, 'GET', '/projects/team/webhooks', admin)).json.webhooks.length, 0);
    } finally {
      await strict.stop();
    }
  });

  it('removes a webhook and its queue', async () => {
    const removed = await api(berth!, 'DELETE', `/projects/team/webhooks/${webhookId}`, admin);
    assert.equal(removed.status, 204);
    assert.equal((await api(berth!, 'GET', `/projects/team/webhooks/${webhookId}`, admin)).status, 404);
    await push('v4');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(listener.received.filter((r) => r.path === '/wh').length, 4, 'nothing after removal');
  });

  it('sends QUOTA_EXCEED when a push is refused by the quota', async () => {
    assert.equal((await api(berth!, 'POST', '/projects', admin, { name: 'tiny' })).status, 201);
    assert.equal((await api(berth!, 'PATCH', '/projects/tiny/policy', admin, { quota: 1 })).status, 200);
    const created = await api(berth!, 'POST', '/projects/tiny/webhooks', admin, { url: `${listener.url}/quota`, secret: SECRET, events: ['QUOTA_EXCEED'] });
    assert.equal(created.status, 201, created.text);
    const { single } = ws.images;
    const refused = await tools.skopeo(
      ['copy', '--quiet', '--retry-times', '0', '--dest-creds', `admin:${adminPassword}`, `oci:${single.dir}:${single.ref}`, `docker://${berth!.host}/tiny/app:v1`],
      { allowFailure: true },
    );
    assert.notEqual(refused.code, 0, 'the push is refused');
    const [request] = await waitForRequests(listener, '/quota', 1);
    verify(request!, SECRET);
    const event = request!.body as any;
    assert.equal(event.type, 'QUOTA_EXCEED');
    assert.equal(event.event_data.repository.repo_full_name, 'tiny/app');
    assert.match(event.event_data.custom_attributes.details, /quota/);
  });

  it('checks the target again at delivery: allowed once, refused after the operator turns it off', async () => {
    // Added while private targets were allowed; one by IP literal, one by a name (localhost),
    // which only the connection-time DNS check can catch.
    const byName = await api(berth!, 'POST', '/projects/tiny/webhooks', admin, { url: `http://localhost:${listener.port}/dns`, secret: SECRET, events: ['QUOTA_EXCEED'] });
    assert.equal(byName.status, 201, byName.text);
    const hooks = (await api(berth!, 'GET', '/projects/tiny/webhooks', admin)).json.webhooks as Array<{ id: number; url: string }>;
    const root = berth!.root;
    const port = berth!.port;
    await berth!.stop({ keepData: true });
    berth = await startBerth({ auth: 'builtin', root, port, env: { BERTH_ADMIN_PASSWORD: adminPassword } });
    const before = listener.received.length;
    const { single } = ws.images;
    await tools.skopeo(
      ['copy', '--quiet', '--retry-times', '0', '--dest-creds', `admin:${adminPassword}`, `oci:${single.dir}:${single.ref}`, `docker://${berth.host}/tiny/app:v2`],
      { allowFailure: true },
    );
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(listener.received.length, before, 'nothing reached the private listener');
    for (const hook of hooks) {
      const log = await api(berth, 'GET', `/projects/tiny/webhooks/${hook.id}/deliveries`, admin);
      assert.ok(log.json.pending >= 1, `${hook.url}: the event waits`);
      assert.equal(log.json.deliveries[0].status, 0, hook.url);
      assert.match(log.json.deliveries[0].error, /not a public address/, hook.url);
    }
  });
});
