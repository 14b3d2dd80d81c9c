import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DeniedError } from '../errors.js';
import { formatBytes, parseBytes, quotaExceeded } from './quota.js';

test('parseBytes reads the sizes people write, in binary units', () => {
  assert.equal(parseBytes('2048'), 2048);
  assert.equal(parseBytes('10GiB'), 10 * 1024 ** 3);
  assert.equal(parseBytes('500 MB'), 500 * 1024 ** 2);
  assert.equal(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes(' 3 kb '), 3072);
  assert.equal(parseBytes('1T'), 1024 ** 4);
  for (const bad of ['', 'GiB', '-1', '1e3', '10 GiBs', '1,5g', '99999999999P']) assert.equal(parseBytes(bad), undefined, bad);
});

test('formatBytes rounds to one decimal in the largest unit below the size', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10.0 GiB']);
});

test('the refusal says the push would exceed the quota and gives every size exactly', () => {
  const error = quotaExceeded('team', 1030, 100, 1050);
  assert.ok(error instanceof DeniedError);
  assert.equal(error.message, 'project team would exceed its storage quota of 1.0 KiB (1050 bytes): 1.0 KiB (1030 bytes) used, this push needs 100 B more; delete what the project no longer needs, or a system admin can raise the quota: berth quota set team SIZE');
  assert.deepEqual(error.detail, { rule: 'quota', project: 'team', usedBytes: 1030, addingBytes: 100, limitBytes: 1050 });
});
