import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, test } from 'node:test';
import { adminFixture, type AdminFixture } from '../../../test/support/access-admin-fixture.js';
import { DeniedError, InvalidInputError } from '../errors.js';
import { auditJson, type StoredAuditEvent } from './audit-query.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await adminFixture();
});
afterEach(() => f.close());

async function seed(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await f.store.appendAudit({
      time: f.now(),
      actor: i % 2 === 0 ? 'alice' : 'bob',
      clientIp: '192.0.2.7',
      action: 'push',
      repository: `team/app${i % 3}`,
      reference: 'latest',
      result: 'success',
      detail: undefined,
    });
    f.advance(60);
  }
}

test('queries page newest first, with filters, until no next page', async () => {
  await seed(7);
  const first = await f.admin.audit.query(f.root, { actor: 'alice', limit: 2 });
  assert.deepEqual(first.events.map((e) => e.actor), ['alice', 'alice']);
  assert.ok(first.events[0]!.id > first.events[1]!.id);
  const second = await f.admin.audit.query(f.root, { actor: 'alice', limit: 2, before: first.next });
  assert.equal(second.events.length, 2);
  assert.equal(second.next, undefined, 'alice has exactly four events');
  const since = new Date(Date.parse('2030-01-01T00:05:00Z'));
  const recent = await f.admin.audit.query(f.root, { since });
  assert.deepEqual(recent.events.map((e) => e.time.toISOString()), ['2030-01-01T00:06:00.000Z', '2030-01-01T00:05:00.000Z']);
  assert.equal((await f.admin.audit.query(f.root, { repository: 'team/app0' })).events.length, 3);
});

test('the export reads every match, across internal pages', async () => {
  await seed(3);
  const [template] = await f.store.queryAudit({ limit: 1 });
  for (let i = 0; i < 1100; i++) await f.store.appendAudit({ ...template!, time: f.now() });
  const seen: StoredAuditEvent[] = [];
  for await (const event of await f.admin.audit.export(f.root, {})) seen.push(event);
  assert.equal(seen.length, 1103);
  assert.equal(new Set(seen.map((e) => e.id)).size, 1103, 'no event twice');
});

test('only system admins read or prune the log', async () => {
  const alice = await f.user('alice');
  await assert.rejects(f.admin.audit.query(alice, {}), DeniedError);
  await assert.rejects(f.admin.audit.export(alice, {}), DeniedError, 'refused before any event is read');
  await assert.rejects(f.admin.audit.prune(alice, 60), DeniedError);
  await assert.rejects(f.admin.audit.query(f.root, { limit: 0 }), InvalidInputError);
  await assert.rejects(f.admin.audit.query(f.root, { limit: 1001 }), /1 to 1000/);
});

test('prune removes events older than the retention and says how many', async () => {
  await seed(5);
  // The clock is now 5 minutes after the first event; keep the last 2.5 minutes.
  assert.equal(await f.admin.audit.prune(f.root, 150), 3);
  const left = await f.store.queryAudit({ limit: 10 });
  assert.deepEqual(left.map((e) => e.action), ['audit.prune', 'push', 'push']);
  assert.match(left[0]!.detail ?? '', /removed=3/);
});

test('the JSON shape leaves absent fields out and writes times as RFC 3339', () => {
  const json = auditJson({
    id: 4,
    time: new Date('2030-01-01T00:00:00Z'),
    actor: 'anonymous',
    clientIp: undefined,
    action: 'login',
    repository: undefined,
    reference: undefined,
    result: 'failure',
    detail: 'unknown user',
    count: 3,
  });
  assert.deepEqual(json, { id: 4, time: '2030-01-01T00:00:00.000Z', actor: 'anonymous', action: 'login', result: 'failure', count: 3, detail: 'unknown user' });
});
