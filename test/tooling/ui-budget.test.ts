// The issue's budget for the web UI: initial JS + CSS at most 150 KB gzipped. A size, not a
// timing, so it is checked on every run; the server-time budgets are in bench/ui-pages.ts.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { initialBundle } from '../ui/support/bundle-size.js';

const DIST = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));
const BUDGET = 150 * 1024;

test('the web UI is built, and what the first page loads fits in 150 KB gzipped', () => {
  assert.ok(existsSync(`${DIST}index.html`), 'ui/dist/index.html exists: npm install (prepare) builds the UI');
  const files = initialBundle(DIST);
  assert.ok(files.some((f) => f.path.endsWith('.js')), 'index.html loads a script');
  assert.ok(files.some((f) => f.path.endsWith('.css')), 'index.html loads a stylesheet');
  const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
  assert.ok(total <= BUDGET, `initial JS + CSS is ${(total / 1024).toFixed(1)} KB gzipped, over the 150 KB budget: ${files.map((f) => `${f.path} ${(f.gzipBytes / 1024).toFixed(1)} KB`).join(', ')}`);
});
