import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { expectError, expectStatus, json } from '../support/http-client.js';
import { adminApi, api, basic, startApiServer, userApi, type Api } from './api-support.js';

interface Event {
  id: number;
  time: string;
  actor: string;
  action: string;
  result: string;
  repository?: string;
  detail?: string;
  clientIp?: string;
}

let server: TestServer;
let admin: Api;
before(async () => {
  server = await startApiServer();
  admin = await adminApi(server);
  await userApi(server, admin, 'kim');
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'logs' }), 201);
  expectStatus(await admin.send('PUT', '/api/v1/projects/logs/members/kim', { role: 'guest' }), 200);
  await api(server, basic('kim', 'not her password')).get('/api/v1/me');
});
after(() => server.close());

test('management changes are in the audit log with actor, client address and target', async () => {
  const reply = await admin.get('/api/v1/audit?actor=admin&limit=10');
  expectStatus(reply, 200);
  // Basic credentials are a login on every request, audited as such; the changes are the rest.
  const events = json<{ events: Event[] }>(reply).events.filter((e) => e.action !== 'login');
  const summary = events.map((e) => `${e.action} ${e.result} ${e.repository ?? '-'} ${e.detail ?? '-'}`);
  assert.deepEqual(summary.slice(0, 3), [
    'member.set success logs user=kim role=guest',
    'project.create success logs visibility=private admin=admin',
    'user.create success - user=kim systemAdmin=false',
  ]);
  assert.equal(events[0]!.clientIp, '127.0.0.1');
  const failed = json<{ events: Event[] }>(await admin.get('/api/v1/audit?actor=kim&action=login')).events;
  assert.ok(failed.some((e) => e.result === 'failure'), 'a wrong password is recorded');
});

test('pages run newest first and link by `next`', async () => {
  const first = json<{ events: Event[]; next?: number }>(await admin.get('/api/v1/audit?limit=2'));
  assert.equal(first.events.length, 2);
  assert.ok(first.next !== undefined);
  const second = json<{ events: Event[] }>(await admin.get(`/api/v1/audit?limit=2&before=${first.next}`));
  assert.ok(second.events.every((e) => e.id < first.next!));
  const future = json<{ events: Event[]; next?: number }>(await admin.get('/api/v1/audit?since=2999-01-01T00:00:00Z'));
  assert.deepEqual(future, { events: [] });
});

test('the export is JSON lines, by Accept header or ?format=jsonl', async () => {
  const page = json<{ events: Event[] }>(await admin.get('/api/v1/audit?limit=1000')).events;
  for (const reply of [await admin.get('/api/v1/audit', { accept: 'application/x-ndjson' }), await admin.get('/api/v1/audit?format=jsonl')]) {
    expectStatus(reply, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const lines = reply.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Event);
    // Reading the log adds only the reader's own sign-ins (newer than the page), so up to the
    // page's newest event the export holds exactly the page's events.
    const newest = page[0]!.id;
    assert.deepEqual(lines.filter((e) => e.id <= newest).map((e) => e.id), page.map((e) => e.id));
  }
  const filtered = (await admin.get('/api/v1/audit?format=jsonl&action=member.set')).text.trimEnd().split('\n');
  assert.equal(filtered.length, 1);
});

test('only system admins read it; bad parameters are 400s', async () => {
  const kim = api(server, basic('kim', 'kim-password'));
  expectError(await kim.get('/api/v1/audit'), 403, 'DENIED');
  expectError(await kim.get('/api/v1/audit?format=jsonl'), 403, 'DENIED');
  expectError(await api(server, undefined).get('/api/v1/audit'), 401, 'UNAUTHORIZED');
  expectError(await admin.get('/api/v1/audit?since=yesterday'), 400, 'BAD_REQUEST');
  expectError(await admin.get('/api/v1/audit?limit=0'), 400, 'BAD_REQUEST');
  expectError(await admin.get('/api/v1/audit?limit=ten'), 400, 'BAD_REQUEST');
  expectError(await admin.get('/api/v1/audit?format=xml'), 400, 'BAD_REQUEST');
});
