import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Page } from '../../ports/metadata-store.js';
import { visiblePageOf } from './pagination.js';

const names = Array.from({ length: 5000 }, (_, i) => `r${String(i).padStart(5, '0')}`);
const fetch = async (page: Page) => names.filter((n) => page.last === undefined || n > page.last).slice(0, page.limit);

test('visiblePageOf fills pages from visible names only; next is always one of them', async () => {
  const visible = new Set(['r00003', 'r01500', 'r01501', 'r04999']);
  const filter = async (rows: string[]) => rows.filter((n) => visible.has(n));
  const pages: string[][] = [];
  let last: string | undefined;
  for (;;) {
    const result = await visiblePageOf({ last, limit: 2 }, fetch, filter);
    pages.push(result.items);
    if (result.next === undefined) break;
    assert.ok(visible.has(result.next));
    assert.equal(result.next, result.items[result.items.length - 1]);
    last = result.next;
  }
  assert.deepEqual(pages, [['r00003', 'r01500'], ['r01501', 'r04999']]);
});

test('visiblePageOf stops at its scan budget without naming anything hidden', async () => {
  const filter = async (rows: string[]) => rows.filter((n) => n === 'r00010' || n === 'r04000');
  const examined: number[] = [];
  const counting = async (page: Page) => {
    const rows = await fetch(page);
    examined.push(rows.length);
    return rows;
  };
  const result = await visiblePageOf({ limit: 5 }, counting, filter, 2500);
  assert.deepEqual(result, { items: ['r00010'], next: 'r00010' });
  assert.ok(examined.reduce((a, b) => a + b, 0) <= 2500);
  const empty = await visiblePageOf({ last: 'r00010', limit: 5 }, fetch, async () => [], 2500);
  assert.deepEqual(empty, { items: [], next: undefined });
  assert.deepEqual(await visiblePageOf({ limit: 0 }, fetch, filter), { items: [], next: undefined });
});
