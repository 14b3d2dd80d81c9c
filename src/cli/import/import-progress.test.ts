import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importProgress } from './import-progress.js';

const MiB = 1024 * 1024;
const base = { repositories: 0, totalRepositories: 4, tags: 0, totalTags: 8, bytes: 0, totalBytes: 100 * MiB, moved: 0 };

describe('import progress', () => {
  it('prints plain lines per tenth off a terminal, with the time left at the rate bytes were stored', () => {
    const out: string[] = [];
    let clock = 0;
    const progress = importProgress({ write: (t) => out.push(t) }, () => clock);
    progress.report(base);
    clock = 10_000;
    progress.report({ ...base, repositories: 1, tags: 2, bytes: 50 * MiB, moved: 25 * MiB });
    progress.report({ ...base, repositories: 1, tags: 3, bytes: 51 * MiB, moved: 26 * MiB });
    // All bytes done but one repository's tags left: not 100 % until the last repository ends.
    progress.report({ ...base, repositories: 3, tags: 7, bytes: 100 * MiB, moved: 75 * MiB });
    progress.report({ ...base, repositories: 4, tags: 8, bytes: 100 * MiB, moved: 75 * MiB });
    progress.finish();
    assert.deepEqual(out, [
      'import: 0%: 0/4 repositories, 0/8 tags, 0 B of 100.0 MiB\n',
      'import: 50%: 1/4 repositories, 2/8 tags, 50.0 MiB of 100.0 MiB, ETA 0:20\n',
      'import: 99%: 3/4 repositories, 7/8 tags, 100.0 MiB of 100.0 MiB\n',
      'import: 100%: 4/4 repositories, 8/8 tags, 100.0 MiB of 100.0 MiB\n',
    ]);
  });

  it('redraws one line with a bar on a terminal and ends it', () => {
    const out: string[] = [];
    const progress = importProgress({ write: (t) => out.push(t), isTTY: true }, () => 5000);
    progress.report({ ...base, repositories: 4, tags: 8, bytes: 100 * MiB });
    progress.finish();
    assert.equal(out.length, 2);
    assert.match(out[0]!, /^\r\x1b\[2Kimport \[#{24}\] 4\/4 repositories, 8\/8 tags, 100\.0 MiB of 100\.0 MiB$/);
    assert.equal(out[1], '\n');
  });
});
