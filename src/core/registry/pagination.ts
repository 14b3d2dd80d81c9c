/** One page of a lexically ordered listing, and whether another follows. */
import type { Page } from '../../ports/metadata-store.js';

export interface PageResult {
  items: string[];
  /** The `last` value for the next page, when there is one. */
  next: string | undefined;
}

/** Asks for one extra entry so a full page can tell whether more exist without a count. */
export async function pageOf(page: Page, fetch: (page: Page) => Promise<string[]>): Promise<PageResult> {
  if (page.limit === 0) return { items: [], next: undefined };
  const rows = await fetch({ last: page.last, limit: page.limit === undefined ? undefined : page.limit + 1 });
  if (page.limit !== undefined && rows.length > page.limit) {
    const items = rows.slice(0, page.limit);
    return { items, next: items[items.length - 1] };
  }
  return { items: rows, next: undefined };
}
