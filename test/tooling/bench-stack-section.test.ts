/**
 * The bench's scale-out section is chosen by flags and reuses the main table's rows: these pin
 * which runs include it (it needs PostgreSQL and RGW and adds minutes) and that its rows are the
 * very Row objects of the main table, so its numbers are comparable with the table above.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from '../../bench/options.js';
import { STACK_ROW_IDS, stackRows } from '../../bench/scale-out-section.js';
import { blobPullRows } from '../../bench/workloads/blob-pull.js';
import { blobPushRows } from '../../bench/workloads/blob-push.js';
import { listingRows } from '../../bench/workloads/listing.js';
import { manifestRows } from '../../bench/workloads/manifests.js';

test('a run without --only includes the section after the main table', () => {
  const options = parseOptions([]);
  assert.equal(options.stack, true);
  assert.equal(options.mainTable, true);
});

test('--only stack runs the section alone, in either profile', () => {
  for (const argv of [['--only', 'stack'], ['--quick', '--only', 'STACK']]) {
    const options = parseOptions(argv);
    assert.deepEqual([options.stack, options.mainTable, options.only], [true, false, []], argv.join(' '));
  }
});

test('--only stack beside rows runs both, and the rows select only the main table', () => {
  const options = parseOptions(['--only', 'stack', '--only', '9']);
  assert.deepEqual([options.stack, options.mainTable, options.only], [true, true, ['9']]);
});

test('a run of some rows, or of Distribution only, leaves the section out', () => {
  assert.equal(parseOptions(['--only', 'pull']).stack, false);
  assert.equal(parseOptions(['--target', 'distribution']).stack, false);
  assert.equal(parseOptions(['--target', 'distribution', '--only', 'stack']).stack, true);
});

test('the section runs rows 1, 4, 7, 9 and 10: push, pull, manifest GET and PUT, catalog walk', () => {
  // If the main table's rows are renumbered, the section must not silently measure other workloads.
  const expected = [/^push 1 MiB blobs, monolithic/, /^pull 1 MiB blobs/, /^GET manifest by tag/, /^PUT manifest/, /^catalog walk/];
  for (const profile of [parseOptions([]).profile, parseOptions(['--quick']).profile]) {
    const all = [...blobPushRows(profile), ...blobPullRows(profile), ...manifestRows(profile), ...listingRows(profile)];
    const picked = stackRows(all);
    assert.deepEqual(picked.map((r) => r.id), [...STACK_ROW_IDS]);
    picked.forEach((row, i) => assert.match(row.title, expected[i]!, `row ${row.id}`));
  }
});
