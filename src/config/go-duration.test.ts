import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from './go-duration.js';

test('reads the duration strings Distribution configs use', () => {
  assert.equal(parseGoDuration('168h'), 168 * 3600);
  assert.equal(parseGoDuration('24h'), 86400);
  assert.equal(parseGoDuration('30s'), 30);
  assert.equal(parseGoDuration('1h30m'), 5400);
  assert.equal(parseGoDuration('2h10m5s'), 7805);
  assert.equal(parseGoDuration('1.5h'), 5400);
  assert.equal(parseGoDuration('.5s'), 0.5);
  assert.equal(parseGoDuration('500ms'), 0.5);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('-5s'), -5);
  assert.equal(parseGoDuration('+5s'), 5);
});

test('reads sub-second units, both spellings of micro', () => {
  assert.ok(Math.abs((parseGoDuration('10ns') ?? 0) - 1e-8) < 1e-15);
  assert.equal(parseGoDuration('5us'), 5e-6);
  assert.equal(parseGoDuration('5\u00b5s'), 5e-6);
  assert.equal(parseGoDuration('5\u03bcs'), 5e-6);
});

test('rejects what Go rejects', () => {
  for (const bad of ['', '30', '5 minutes', 'h', '.h', '5x', '5mm', '1h 30m', '-', '1d', 'ten seconds', '3000 s']) {
    assert.equal(parseGoDuration(bad), undefined, bad);
  }
});

test('rejects durations beyond Go\u2019s int64 nanoseconds', () => {
  assert.equal(parseGoDuration('3000000h'), undefined);
  assert.equal(parseGoDuration('2562047h'), 2562047 * 3600);
});
