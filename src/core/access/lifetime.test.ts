import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { InvalidInputError } from '../errors.js';
import { expiryFrom, parseLifetime } from './lifetime.js';

test('lifetimes read as people write them', () => {
  assert.equal(parseLifetime('30d'), 30 * 86_400);
  assert.equal(parseLifetime('12h'), 12 * 3600);
  assert.equal(parseLifetime('2w'), 14 * 86_400);
  assert.equal(parseLifetime('1y'), 365 * 86_400);
  assert.equal(parseLifetime('1d12h'), 36 * 3600);
  assert.equal(parseLifetime('90m'), 5400);
});

test('anything else is refused with an example of what works', () => {
  for (const text of ['', '30', 'd', '30 d', '-1d', '1.5d', '30days', '0d', '101y']) {
    assert.throws(() => parseLifetime(text), InvalidInputError, text);
  }
  assert.throws(() => parseLifetime('soon'), /e\.g\. 30d/);
});

test('an expiry is that far from now, or none', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  assert.equal(expiryFrom('1d', now)?.toISOString(), '2030-01-02T00:00:00.000Z');
  assert.equal(expiryFrom(undefined, now), undefined);
});
