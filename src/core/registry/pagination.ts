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

/** Which of `names` the caller may see, in the same order. */
export type VisibleFilter = (names: string[]) => Promise<string[]>;

/**
 * Rows examined per visible page at most. A caller who may see little of a large registry
 * (anyone, anonymously) would otherwise make one request scan all of it, with an access check
 * per project; past this many rows the page ends with what was found, continuing after the
 * last name shown.
 */
export const MAX_EXAMINED_PER_PAGE = 10_000;
const BATCH = 1000;

/**
 * One page of what the caller may see. The page is filled from the visible names only, and the
 * `next` cursor is always one of the names returned: a cursor after a hidden name would tell
 * the caller that name (a private repository's), and following it would walk all of them.
 *
 * When the scan budget runs out before any visible name is found the listing ends there (no
 * `next`), because the only cursor that could continue it would name something hidden.
 */
export async function visiblePageOf(
  page: Page,
  fetch: (page: Page) => Promise<string[]>,
  visible: VisibleFilter,
  maxExamined = MAX_EXAMINED_PER_PAGE,
): Promise<PageResult> {
  if (page.limit === 0) return { items: [], next: undefined };
  // One more than asked says whether another page exists.
  const wanted = page.limit === undefined ? Infinity : page.limit + 1;
  const items: string[] = [];
  let cursor = page.last;
  let examined = 0;
  while (examined < maxExamined) {
    const size = Math.min(BATCH, maxExamined - examined);
    const rows = await fetch({ last: cursor, limit: size });
    examined += rows.length;
    for (const name of await visible(rows)) {
      items.push(name);
      if (items.length === wanted) {
        const shown = items.slice(0, page.limit);
        return { items: shown, next: shown[shown.length - 1] };
      }
    }
    if (rows.length < size) return { items, next: undefined };
    cursor = rows[rows.length - 1];
  }
  return { items, next: items[items.length - 1] };
}
