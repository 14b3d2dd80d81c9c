import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { backoffMs, parseRetryAfter } from './retry-policy.js';

test('backoff doubles from the base, is capped, and is jittered below the ceiling', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 0 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, () => 0.999)), [99, 199, 399, 799, 999]);
  assert.equal(backoffMs(policy, 3, () => 0), 0);
});

test('Retry-After as seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfter('7'), 7);
  assert.equal(parseRetryAfter(new Date(Date.parse('2030-01-01T00:00:30Z')).toUTCString(), Date.parse('2030-01-01T00:00:00Z')), 30);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});
