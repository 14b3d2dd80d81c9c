import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateProgress } from './migrate-progress.js';

const MiB = 1024 * 1024;

describe('migrate progress', () => {
  it('prints plain lines per tenth off a terminal, with the time left at the rate bytes moved', () => {
    const out: string[] = [];
    let clock = 0;
    const progress = migrateProgress({ write: (t) => out.push(t) }, () => clock);
    progress.report({ phase: 'blobs', items: 0, totalItems: 10, bytes: 0, totalBytes: 100 * MiB, moved: 0 });
    clock = 10_000;
    progress.report({ phase: 'blobs', items: 2, totalItems: 10, bytes: 20 * MiB, totalBytes: 100 * MiB, moved: 20 * MiB });
    progress.report({ phase: 'blobs', items: 2, totalItems: 10, bytes: 21 * MiB, totalBytes: 100 * MiB, moved: 21 * MiB });
    progress.report({ phase: 'metadata', items: 5, totalItems: 10, bytes: 100 * MiB, totalBytes: 100 * MiB, moved: 100 * MiB, table: 'tags' });
    progress.finish();
    assert.deepEqual(out, [
      'migrate: blobs 0%: 0/10 blobs, 0 B of 100.0 MiB\n',
      'migrate: blobs 20%: 2/10 blobs, 20.0 MiB of 100.0 MiB, ETA 0:40\n',
      'migrate: metadata 50%: 5/10 rows (tags)\n',
    ]);
  });

  it('redraws one line with a bar on a terminal and ends it', () => {
    const out: string[] = [];
    const progress = migrateProgress({ write: (t) => out.push(t), isTTY: true }, () => 5000);
    progress.report({ phase: 'blobs', items: 10, totalItems: 10, bytes: 4, totalBytes: 4, moved: 4 });
    progress.finish();
    assert.equal(out.length, 2);
    assert.match(out[0]!, /^\r\x1b\[2Kblobs +\[#{24}\] 10\/10 blobs, 4 B of 4 B$/);
    assert.equal(out[1], '\n');
  });
});
