import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MemoryThrottleStore } from '../../adapters/throttle/memory-throttle-store.js';
import { DEFAULT_LIMITS, LoginLimiter, type LimiterOptions } from './login-limiter.js';

function limiter(options: Partial<LimiterOptions> = {}) {
  let now = 1_000_000;
  const settings = { ...DEFAULT_LIMITS, freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 8000, ...options, now: () => now };
  const store = new MemoryThrottleStore(settings.maxKeys);
  const l = new LoginLimiter(settings, store);
  return { l, store, advance: (ms: number) => (now += ms) };
}

test('after the free failures, each failure doubles the wait of that account at that address, up to the cap', async () => {
  const { l } = limiter();
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    await l.fail('alice', '192.0.2.1');
    waits.push((await l.blocked('alice', '192.0.2.1'))?.waitMs ?? 0);
  }
  assert.deepEqual(waits, [0, 0, 1000, 2000, 4000, 8000, 8000]);
  assert.equal((await l.blocked('alice', '192.0.2.1'))?.scope, 'account-address');
  assert.equal(await l.blocked('alice', '192.0.2.2'), undefined, 'another address is not slowed');
  assert.equal(await l.blocked('bob', '192.0.2.1'), undefined, 'another account is not slowed');
});

test('a success clears the backoff and makes the address known, exempt from the coarse limits', async () => {
  const { l } = limiter({ perAccount: 3, perAddress: 3 });
  await l.succeed('alice', '192.0.2.1');
  for (let i = 0; i < 3; i++) await l.fail('alice', `198.51.100.${i}`);
  assert.equal((await l.blocked('alice', '198.51.100.9'))?.scope, 'account', 'unknown addresses wait');
  assert.equal(await l.blocked('alice', '192.0.2.1'), undefined, 'the known address does not');
  for (let i = 0; i < 3; i++) await l.fail(`sprayed-${i}`, '192.0.2.1');
  assert.equal((await l.blocked('bob', '192.0.2.1'))?.scope, 'address');
  assert.equal(await l.blocked('alice', '192.0.2.1'), undefined, 'alice, known there, is not blocked by a sprayer at her address');
});

test('windows and backoffs expire', async () => {
  const { l, advance } = limiter({ perAddress: 1, windowMs: 60_000, pairForgetMs: 120_000 });
  for (let i = 0; i < 4; i++) await l.fail('alice', '192.0.2.1');
  assert.ok(await l.blocked('alice', '192.0.2.1'));
  advance(60_000);
  assert.equal(await l.blocked('bob', '192.0.2.1'), undefined, 'the address window ended');
  advance(60_000);
  await l.fail('alice', '192.0.2.1');
  assert.equal((await l.blocked('alice', '192.0.2.1'))?.scope, 'address', 'a new window, but the backoff was forgotten');
});

test('memory is bounded by maxKeys per table, whatever the spray', async () => {
  const { l, store } = limiter({ maxKeys: 100 });
  for (let i = 0; i < 10_000; i++) await l.fail(`name-${i}`, `10.0.${i >> 8}.${i & 255}`);
  assert.ok(store.size <= 400, `${store.size} entries kept`);
  await l.fail('alice', '192.0.2.1');
  await l.fail('alice', '192.0.2.1');
  await l.fail('alice', '192.0.2.1');
  assert.ok(await l.blocked('alice', '192.0.2.1'), 'the newest entries are the ones kept');
});
