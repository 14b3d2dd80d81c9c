/**
 * The notification queue (migration 0019) on both databases, with two connections as two
 * instances have: rows come back in order, only a run from the head is claimable, by one holder
 * at a time (a racing pair gets it once), a lease that ran out is taken over, a retry waits for its
 * due time and keeps the row first, the cap drops the oldest, and the delivery log is pruned.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openPostgres } from './postgres-database.js';
import { openSqlite, type SqliteStores } from './sqlite-database.js';
import { createScratchDatabase } from './testing/postgres-scratch.js';

type Pair = { a: SqliteStores; b: SqliteStores; close(): Promise<void> };

async function openPair(kind: 'sqlite' | 'postgres'): Promise<Pair> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'berth-outbox-'));
    const a = openSqlite({ path: join(dir, 'berth.db') });
    await a.metadata.migrate();
    const b = openSqlite({ path: join(dir, 'berth.db') });
    return { a, b, close: async () => (await a.close(), await b.close(), await rm(dir, { recursive: true, force: true })) };
  }
  const database = await createScratchDatabase('outbox');
  const a = openPostgres({ url: database.url, poolSize: 4 });
  await a.metadata.migrate();
  const b = openPostgres({ url: database.url, poolSize: 4 });
  return {
    a,
    b,
    close: async () => {
      try {
        await a.close();
        await b.close();
      } finally {
        await database.drop();
      }
    },
  };
}

const items = (endpoint: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ endpoint, body: `{"n":${from + i}}` }));

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`event outbox on ${kind}`, () => {
    test('a run from the head goes to one holder at a time, in order; a lapsed lease is taken over', async () => {
      const pair = await openPair(kind);
      try {
        const one = pair.a.shared.outbox;
        const two = pair.b.shared.outbox;
        await one.enqueue([...items('e', 5), ...items('other', 1, 100)]);
        const now = 1_000_000;
        const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).claimHead('e', `h${i}`, now, 10_000, 2)));
        const won = claims.filter((c) => c !== undefined);
        assert.equal(won.length, 1, 'one of eight racing claims wins');
        assert.deepEqual(won[0]!.bodies, ['{"n":0}', '{"n":1}'], 'the two oldest, in order');
        assert.equal(await one.claimHead('e', 'late', now + 5_000, 10_000, 10), undefined, 'head leased: nothing for others, not even the rows behind it');
        const taken = await two.claimHead('e', 'late', now + 10_001, 10_000, 10);
        assert.deepEqual(taken?.bodies, ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}'], 'a lease that ran out is taken over');
        await one.complete(taken!.ids, 'someone-else');
        assert.equal(await one.pending('e'), 5, 'only the holder completes');
        await one.complete(taken!.ids.slice(0, 3), 'late');
        assert.deepEqual((await one.claimHead('e', 'late', now + 10_002, 10_000, 10))?.bodies, ['{"n":3}', '{"n":4}']);
        assert.deepEqual((await one.claimHead('other', 'late', now, 10_000, 10))?.bodies, ['{"n":100}'], 'endpoints are independent');
      } finally {
        await pair.close();
      }
    });

    test('a failed batch waits for its due time and stays first; release gives it back untouched', async () => {
      const pair = await openPair(kind);
      try {
        const outbox = pair.a.shared.outbox;
        await outbox.enqueue(items('e', 1));
        const first = await outbox.claimHead('e', 'h', 0, 1000, 10);
        await outbox.enqueue(items('e', 1, 1));
        await outbox.retryAt(first!.ids, 'h', 5000);
        assert.equal(await outbox.claimHead('e', 'h', 4999, 1000, 10), undefined, 'not due: the next row does not jump ahead');
        const again = await outbox.claimHead('e', 'h', 5000, 1000, 10);
        assert.deepEqual([again?.bodies, again?.attempts], [['{"n":0}', '{"n":1}'], 1], 'due again, with the rows queued meanwhile');
        await outbox.release(again!.ids, 'h');
        const after = await pair.b.shared.outbox.claimHead('e', 'other', 5001, 1000, 1);
        assert.deepEqual([after?.bodies, after?.attempts], [['{"n":0}'], 1], 'released: another holder may take it at once');
      } finally {
        await pair.close();
      }
    });

    test('the cap drops the oldest rows of that endpoint; removed endpoints are dropped; the log is pruned', async () => {
      const pair = await openPair(kind);
      try {
        const outbox = pair.a.shared.outbox;
        await outbox.enqueue([...items('e', 450), ...items('f', 3)]);
        assert.equal(await outbox.trim('e', 100), 350);
        assert.equal(await outbox.trim('e', 100), 0);
        assert.deepEqual((await outbox.claimHead('e', 'h', 0, 1000, 1))?.bodies, ['{"n":350}']);
        assert.equal(await outbox.pending('f'), 3);
        assert.equal(await outbox.dropOthers(['e']), 3);
        // Webhook rows belong to project webhooks, not to the configuration: the start-up
        // cleanup of removed registry:2 endpoints leaves them, with or without endpoints.
        await outbox.enqueue(items('webhook:7', 2));
        assert.equal(await outbox.dropOthers(['e']), 0);
        assert.equal(await outbox.dropOthers([]), 100, 'the 100 rows of e; not the webhook rows');
        assert.equal(await outbox.pending('webhook:7'), 2);
        await outbox.log({ endpoint: 'webhook:7', at: 40, status: 200, latencyMs: 1, attempt: 1, error: undefined });
        await outbox.dropEndpoint('webhook:7');
        assert.equal(await outbox.pending('webhook:7'), 0);
        assert.deepEqual(await outbox.deliveries('webhook:7', 10), []);
        for (const at of [10, 20, 30]) await outbox.log({ endpoint: 'e', at, status: 503, latencyMs: 1.6, attempt: at / 10, error: 'HTTP 503' });
        await outbox.pruneLog(20);
        const log = await outbox.deliveries('e', 10);
        assert.deepEqual(log.map((r) => [r.at, r.status, r.latencyMs, r.attempt, r.error]), [
          [30, 503, 2, 3, 'HTTP 503'],
          [20, 503, 2, 2, 'HTTP 503'],
        ]);
      } finally {
        await pair.close();
      }
    });
  });
}
