/**
 * AccessStore suite: the audit log. Events are dated relative to the run's own stretch of the
 * 1970s (Fixtures.auditBase), and actors, actions and repositories carry the run's prefix, so
 * every filter can be checked alone without meeting anyone else's events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent, StoredAuditEvent as Stored } from '../access-store.js';
import type { Fixtures } from './access-store-fixtures.js';

export function auditTests(f: Fixtures): void {
  const event = (actor: string, offsetMs: number, fields: Partial<AuditEvent> = {}): AuditEvent => ({
    time: new Date(f.auditBase + offsetMs),
    actor,
    clientIp: undefined,
    action: `${f.run}.push`,
    repository: undefined,
    reference: undefined,
    result: 'success',
    detail: undefined,
    ...fields,
  });
  /** Appends in order; returns the stored form, newest first, as queries answer. */
  const append = async (events: AuditEvent[]): Promise<Stored[]> => {
    const stored: Stored[] = [];
    for (const e of events) stored.push({ ...e, id: await f.store().appendAudit(e), count: 1 });
    return stored.reverse();
  };

  test('appendAudit returns increasing ids and every field round-trips', async () => {
    const actor = f.actor('audit-full');
    const full = event(actor, 10, {
      clientIp: '2001:db8::7',
      action: 'push',
      repository: `${f.run}/app`,
      reference: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      result: 'denied',
      detail: 'quota: ünïcode "quoted"',
    });
    const bare = event(actor, 20, { result: 'failure' });
    const stored = await append([full, bare, event(actor, 30)]);
    for (const s of stored) assert.ok(Number.isSafeInteger(s.id), `id ${s.id} must be an integer`);
    assert.ok(stored[0].id > stored[1].id && stored[1].id > stored[2].id, 'ids must increase');
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 10 }), stored);
  });

  test('queryAudit filters by actor, action and repository, alone and together', async () => {
    const [alice, bob] = [f.actor('audit-alice'), f.actor('audit-bob')];
    const [push, pull] = [`${f.run}.push`, `${f.run}.pull`];
    const [x, y] = [`${f.run}/x`, `${f.run}/y`];
    const stored = await append([
      event(alice, 100, { action: push, repository: x }),
      event(alice, 110, { action: pull, repository: y }),
      event(bob, 120, { action: push, repository: y }),
      event(bob, 130, { action: pull, repository: x }),
      event(alice, 140, { action: push }),
    ]);
    const expect = (keep: (e: Stored) => boolean): Stored[] => stored.filter(keep);
    assert.deepEqual(await f.store().queryAudit({ actor: alice, limit: 50 }), expect((e) => e.actor === alice));
    assert.deepEqual(await f.store().queryAudit({ repository: y, limit: 50 }), expect((e) => e.repository === y));
    // The action is shared with other tests of this run: compare within this test's events.
    const pulls = (await f.store().queryAudit({ action: pull, limit: 50 })).filter((e) => e.actor === alice || e.actor === bob);
    assert.deepEqual(pulls, expect((e) => e.action === pull));
    assert.deepEqual(
      await f.store().queryAudit({ actor: alice, action: push, limit: 50 }),
      expect((e) => e.actor === alice && e.action === push),
    );
    assert.deepEqual(
      await f.store().queryAudit({ actor: bob, action: pull, repository: x, limit: 50 }),
      expect((e) => e.actor === bob && e.action === pull && e.repository === x),
    );
    assert.deepEqual(await f.store().queryAudit({ actor: bob, repository: `${f.run}/none`, limit: 50 }), []);
    assert.deepEqual(await f.store().queryAudit({ actor: f.name('nobody'), limit: 50 }), []);
  });

  test('since is inclusive, until exclusive; order is by id, not by time', async () => {
    const actor = f.actor('audit-window');
    // Appended out of time order: "newest" means most recently appended.
    const stored = await append([event(actor, 3000), event(actor, 1000), event(actor, 4000), event(actor, 2000)]);
    const time = (offsetMs: number): Date => new Date(f.auditBase + offsetMs);
    const within = (from: number, to: number): Stored[] =>
      stored.filter((e) => e.time.getTime() >= f.auditBase + from && e.time.getTime() < f.auditBase + to);

    assert.deepEqual(await f.store().queryAudit({ actor, since: time(2000), limit: 50 }), within(2000, Infinity));
    assert.deepEqual(await f.store().queryAudit({ actor, until: time(2000), limit: 50 }), within(-Infinity, 2000));
    const window = await f.store().queryAudit({ since: time(2000), until: time(4000), limit: 50 });
    for (const e of window) assert.ok(e.time >= time(2000) && e.time < time(4000), `event ${e.id} is outside the window`);
    assert.deepEqual(
      window.filter((e) => e.actor === actor),
      within(2000, 4000),
    );
    assert.deepEqual(await f.store().queryAudit({ actor, since: time(4001), limit: 50 }), []);
  });

  test('paging with before and limit walks newest first without gaps or repeats', async () => {
    const actor = f.actor('audit-paging');
    const stored = await append([0, 1, 2, 3, 4].map((i) => event(actor, 200 + i)));
    const first = await f.store().queryAudit({ actor, limit: 2 });
    assert.deepEqual(first, stored.slice(0, 2));
    const second = await f.store().queryAudit({ actor, limit: 2, before: first[1].id });
    assert.deepEqual(second, stored.slice(2, 4));
    const third = await f.store().queryAudit({ actor, limit: 2, before: second[1].id });
    assert.deepEqual(third, stored.slice(4));
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 2, before: third[0].id }), []);
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 0 }), []);
    assert.deepEqual(await f.store().queryAudit({ actor, limit: -1 }), []);
  });

  test('pruneAudit deletes strictly older events, counts them, and ids are never reused', async () => {
    const actor = f.actor('audit-prune');
    // Earlier than every other event of the run, so the counts below are this test's alone.
    const stored = await append([event(actor, -3000), event(actor, -2000), event(actor, -1000)]);
    assert.equal(await f.store().pruneAudit(new Date(f.auditBase - 2000)), 1);
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 50 }), stored.slice(0, 2));

    // Removes the newest event in the log too: its id must not come back.
    assert.equal(await f.store().pruneAudit(new Date(f.auditBase - 999)), 2);
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 50 }), []);
    const [later] = await append([event(actor, -500)]);
    assert.ok(later.id > stored[0].id, `id ${later.id} reused after ${stored[0].id}`);
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 50 }), [later]);
    assert.equal(await f.store().pruneAudit(new Date(f.auditBase - 3000)), 0);
  });

  test('countAudit adds to the newest equal event since the given time, else appends', async () => {
    const actor = f.actor('audit-count');
    const since = (offsetMs: number) => new Date(f.auditBase + offsetMs);
    const failed = event(actor, 500, { action: 'login', clientIp: '192.0.2.1', result: 'failure', detail: 'wrong password' });
    const first = await f.store().countAudit(failed, since(0));
    assert.equal(await f.store().countAudit({ ...failed, time: since(510) }, since(0)), first, 'an equal event is counted');
    assert.equal(await f.store().countAudit({ ...failed, time: since(520) }, since(0)), first);
    // Any differing field, an absent one included, makes another event.
    const other = await f.store().countAudit({ ...failed, clientIp: undefined, time: since(530) }, since(0));
    const detail = await f.store().countAudit({ ...failed, detail: 'unknown user', time: since(540) }, since(0));
    // An equal event older than `since` is left alone: a new bucket starts.
    const later = await f.store().countAudit({ ...failed, time: since(2000) }, since(1000));
    assert.equal(new Set([first, other, detail, later]).size, 4);
    assert.deepEqual(await f.store().queryAudit({ actor, limit: 10 }), [
      { ...failed, time: since(2000), id: later, count: 1 },
      { ...failed, detail: 'unknown user', time: since(540), id: detail, count: 1 },
      { ...failed, clientIp: undefined, time: since(530), id: other, count: 1 },
      { ...failed, id: first, count: 3 },
    ]);
  });
}
