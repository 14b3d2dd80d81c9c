// Keeps docs/errors.md, the error table and the core's kinds in step: a kind added to core
// without a documented row fails here (the compiler already refuses it without a table row).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { edgeErrors, errorTable } from './error-table.js';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

test('every kind in the table is documented with its code and status', () => {
  for (const [kind, wire] of Object.entries(errorTable)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| ${kind} |`));
    assert.ok(row, `docs/errors.md has no row for kind ${kind}`);
    assert.ok(row.includes(`| ${wire.code} | ${wire.status} |`), `docs/errors.md row for ${kind} should say ${wire.code} ${wire.status}: ${row}`);
  }
});

test('every documented kind exists in the table', () => {
  const documented = [...doc.matchAll(/^\| ([a-z-]+) \| [A-Z_]+ \| \d+ \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), Object.keys(errorTable).sort());
});

test('edge errors are documented', () => {
  for (const wire of Object.values(edgeErrors)) {
    assert.ok(doc.includes(`| ${wire.code} | ${wire.status} |`), `docs/errors.md lacks ${wire.code} ${wire.status}`);
  }
});
