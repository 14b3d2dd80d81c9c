/**
 * The shared-state tables (migration 0018) on both databases: counts made by two pools (two
 * instances) add up, a signing key is stored once, a job's turn and an upload lock go to one
 * claimant at a time, and the rules of the login limiter hold over the database store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS, LoginLimiter } from '../../core/access/login-limiter.js';
import { openPostgres } from './postgres-database.js';
import { openSqlite, type SqliteStores } from './sqlite-database.js';
import { createScratchDatabase } from './testing/postgres-scratch.js';

type Pair = { a: SqliteStores; b: SqliteStores; close(): Promise<void> };

/** Two connections to one database, as two instances have. */
async function openPair(kind: 'sqlite' | 'postgres'): Promise<Pair> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'berth-shared-'));
    const a = openSqlite({ path: join(dir, 'berth.db') });
    await a.metadata.migrate();
    const b = openSqlite({ path: join(dir, 'berth.db') });
    return { a, b, close: async () => (await a.close(), await b.close(), await rm(dir, { recursive: true, force: true })) };
  }
  const database = await createScratchDatabase('shared');
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

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`shared state on ${kind}`, () => {
    test('failed logins counted by two instances add up and throttle on both; windows restart once expired', async () => {
      const pair = await openPair(kind);
      try {
        let now = 1_000_000;
        const limits = { ...DEFAULT_LIMITS, freeFailures: 2, perAccount: 5, now: () => now };
        const one = new LoginLimiter(limits, pair.a.shared.throttle);
        const two = new LoginLimiter(limits, pair.b.shared.throttle);
        await Promise.all([one.fail('alice', '192.0.2.1'), two.fail('alice', '192.0.2.1'), one.fail('alice', '192.0.2.1')]);
        assert.equal((await two.blocked('alice', '192.0.2.1'))?.scope, 'account-address', 'three failures over two instances passed the two free ones');
        assert.equal((await one.blocked('alice', '192.0.2.1'))?.waitMs, 1000);
        for (let i = 0; i < 2; i++) await (i % 2 ? one : two).fail('alice', `198.51.100.${i}`);
        assert.equal((await one.blocked('alice', '203.0.113.7'))?.scope, 'account', 'five failures from three addresses block the account');
        await two.succeed('alice', '192.0.2.9');
        assert.equal(await one.blocked('alice', '192.0.2.9'), undefined, 'an address known on one instance is known on the other');
        now += DEFAULT_LIMITS.windowMs;
        assert.equal(await one.blocked('alice', '203.0.113.7'), undefined, 'the window ended');
        const again = await pair.a.shared.throttle.hit('account', 'alice', now, 60_000, false);
        assert.equal(again.count, 1, 'an expired window restarts at one');
        assert.ok((await pair.b.shared.throttle.prune(now + 3600_000)) > 0);
      } finally {
        await pair.close();
      }
    });

    test('the signing key is stored once; both instances read the same', async () => {
      const pair = await openPair(kind);
      try {
        const [x, y] = await Promise.all([
          pair.a.shared.signingKeys.loadOrCreate('token', () => 'first', 1),
          pair.b.shared.signingKeys.loadOrCreate('token', () => 'second', 1),
        ]);
        assert.equal(x, y);
        assert.equal(await pair.b.shared.signingKeys.loadOrCreate('token', () => 'third', 2), x);
      } finally {
        await pair.close();
      }
    });

    test("a job's turn goes to one instance per gap", async () => {
      const pair = await openPair(kind);
      try {
        const won = await Promise.all([pair.a.shared.jobs.claim('gc', 'a', 1000, 500), pair.b.shared.jobs.claim('gc', 'b', 1000, 500)]);
        assert.deepEqual(won.filter(Boolean).length, 1);
        assert.equal(await pair.a.shared.jobs.claim('gc', 'a', 1400, 500), false, 'too soon');
        assert.equal(await pair.b.shared.jobs.claim('gc', 'b', 1500, 500), true);
      } finally {
        await pair.close();
      }
    });

    test('an upload lock has one holder; a lapsed lease can be taken over', async () => {
      const pair = await openPair(kind);
      try {
        const locks = [pair.a.shared.uploadLocks, pair.b.shared.uploadLocks];
        assert.equal(await locks[0]!.acquire('u1', 'write', 'h1', 1000, 100), undefined);
        assert.equal(await locks[1]!.acquire('u1', 'remove', 'h2', 1050, 100), 'write');
        await locks[0]!.renew('u1', 'h1', 1200);
        assert.equal(await locks[1]!.acquire('u1', 'write', 'h2', 1150, 100), 'write', 'renewed');
        assert.equal(await locks[1]!.acquire('u1', 'remove', 'h2', 1200, 100), undefined, 'lapsed');
        await locks[0]!.release('u1', 'h1');
        assert.equal(await locks[0]!.acquire('u1', 'write', 'h1', 1210, 100), 'remove', "a stale holder's release leaves the new holder's lock");
        await locks[1]!.release('u1', 'h2');
        assert.equal(await locks[0]!.acquire('u1', 'write', 'h1', 1220, 100), undefined);
      } finally {
        await pair.close();
      }
    });
  });
}
