/**
 * Search over repository names and descriptions for `docker search` (/v1/search) and the
 * management API: the hits the caller may pull, counted, and one numbered page of them.
 */
import type { MetadataStore, RepositoryMatch } from '../../ports/metadata-store.js';
import { MAX_EXAMINED_PER_PAGE, type VisibleFilter } from './pagination.js';

/** Longest accepted query; longer ones are refused (no repository name is longer). */
export const MAX_SEARCH_QUERY = 255;
/** Results per page at most (`n`); Docker Hub's own cap is 100 too. */
export const MAX_SEARCH_PAGE_SIZE = 100;
export const DEFAULT_SEARCH_PAGE_SIZE = 25;

export interface SearchResult {
  /** Visible hits counted (at most MAX_SEARCH_RESULTS). */
  total: number;
  items: Array<RepositoryMatch & { stars: number }>;
}

/**
 * Hits examined per search. Counting needs every visible hit, so a broad term over a large
 * registry stops here; the count then says how many of the first this-many hits are visible.
 */
export const MAX_SEARCH_RESULTS = MAX_EXAMINED_PER_PAGE;
const BATCH = 1000;

/** `page` is 1-based; `size` ≤ MAX_SEARCH_PAGE_SIZE (the HTTP layer checks both). */
export async function searchRepositories(
  metadata: MetadataStore,
  term: string,
  page: number,
  size: number,
  visible: VisibleFilter | undefined,
): Promise<SearchResult> {
  const hits: RepositoryMatch[] = [];
  let cursor: string | undefined;
  let examined = 0;
  while (examined < MAX_SEARCH_RESULTS) {
    const limit = Math.min(BATCH, MAX_SEARCH_RESULTS - examined);
    const rows = await metadata.searchRepositories(term, { last: cursor, limit });
    examined += rows.length;
    if (visible === undefined) hits.push(...rows);
    else {
      const allowed = new Set(await visible(rows.map((r) => r.name)));
      hits.push(...rows.filter((r) => allowed.has(r.name)));
    }
    if (rows.length < limit) break;
    cursor = rows[rows.length - 1]!.name;
  }
  const start = (page - 1) * size;
  const shown = hits.slice(start, start + size);
  const stars = shown.length === 0 ? new Map<string, number>() : await metadata.starCounts(shown.map((h) => h.name));
  return { total: hits.length, items: shown.map((h) => ({ ...h, stars: stars.get(h.name) ?? 0 })) };
}
