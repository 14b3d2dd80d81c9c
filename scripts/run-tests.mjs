// Runs every compiled test file with Node's test runner. Node 20's `--test` takes no globs,
// so the file list is found here. BERTH_TEST_FILTER narrows it to paths containing a string.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filter = process.env.BERTH_TEST_FILTER;
const files = [...walk('dist/src', []), ...walk('dist/test', [])]
  .filter((f) => !filter || f.includes(filter))
  .sort();
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...process.argv.slice(2), ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
