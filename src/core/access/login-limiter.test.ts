import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_LIMITS, LoginLimiter, type LimiterOptions } from './login-limiter.js';

function limiter(options: Partial<LimiterOptions> = {}) {
  let now = 1_000_000;
  const l = new LoginLimiter({ ...DEFAULT_LIMITS, freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 8000, ...options, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

test('after the free failures, each failure doubles the wait of that account at that address, up to the cap', () => {
  const { l } = limiter();
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    l.fail('alice', '192.0.2.1');
    waits.push(l.blocked('alice', '192.0.2.1')?.waitMs ?? 0);
  }
  assert.deepEqual(waits, [0, 0, 1000, 2000, 4000, 8000, 8000]);
  assert.equal(l.blocked('alice', '192.0.2.1')?.scope, 'account-address');
  assert.equal(l.blocked('alice', '192.0.2.2'), undefined, 'another address is not slowed');
  assert.equal(l.blocked('bob', '192.0.2.1'), undefined, 'another account is not slowed');
});

test('a success clears the backoff and makes the address known, exempt from the coarse limits', () => {
  const { l } = limiter({ perAccount: 3, perAddress: 3 });
  l.succeed('alice', '192.0.2.1');
  for (let i = 0; i < 3; i++) l.fail('alice', `198.51.100.${i}`);
  assert.equal(l.blocked('alice', '198.51.100.9')?.scope, 'account', 'unknown addresses wait');
  assert.equal(l.blocked('alice', '192.0.2.1'), undefined, 'the known address does not');
  for (let i = 0; i < 3; i++) l.fail(`sprayed-${i}`, '192.0.2.1');
  assert.equal(l.blocked('bob', '192.0.2.1')?.scope, 'address');
  assert.equal(l.blocked('alice', '192.0.2.1'), undefined, 'alice, known there, is not blocked by a sprayer at her address');
});

test('windows and backoffs expire', () => {
  const { l, advance } = limiter({ perAddress: 1, windowMs: 60_000, pairForgetMs: 120_000 });
  for (let i = 0; i < 4; i++) l.fail('alice', '192.0.2.1');
  assert.ok(l.blocked('alice', '192.0.2.1'));
  advance(60_000);
  assert.equal(l.blocked('bob', '192.0.2.1'), undefined, 'the address window ended');
  advance(60_000);
  l.fail('alice', '192.0.2.1');
  assert.equal(l.blocked('alice', '192.0.2.1')?.scope, 'address', 'a new window, but the backoff was forgotten');
});

test('memory is bounded by maxKeys per table, whatever the spray', () => {
  const { l } = limiter({ maxKeys: 100 });
  for (let i = 0; i < 10_000; i++) l.fail(`name-${i}`, `10.0.${i >> 8}.${i & 255}`);
  assert.ok(l.size <= 400, `${l.size} entries kept`);
  l.fail('alice', '192.0.2.1');
  l.fail('alice', '192.0.2.1');
  l.fail('alice', '192.0.2.1');
  assert.ok(l.blocked('alice', '192.0.2.1'), 'the newest entries are the ones kept');
});
