/**
 * One page of the union of several lexically ordered listings (a group's members' tags, a
 * connector's catalog over a group's members). Each source is asked for the same page (`n`
 * after `last`); the first `n` of their sorted union are then exactly the union's page, and
 * another page exists when the union holds more or any source said it has more.
 */
import type { PageResult } from './pagination.js';

export function mergePages(pages: readonly PageResult[], limit: number | undefined): PageResult {
  const union = [...new Set(pages.flatMap((page) => page.items))].sort(byteOrder);
  if (limit === undefined) return { items: union, next: undefined };
  const items = union.slice(0, limit);
  const more = union.length > limit || pages.some((page) => page.next !== undefined);
  return { items, next: more && items.length > 0 ? items[items.length - 1] : undefined };
}

/** The metadata store's order (byte-wise); names and tags are ASCII, where UTF-16 order agrees. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
