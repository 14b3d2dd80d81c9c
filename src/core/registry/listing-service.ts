/** Catalog, tag lists and referrers: all answered from the metadata store's indexes. */
import type { Page, ReferrerRecord } from '../../ports/metadata-store.js';
import { NameUnknownError } from '../errors.js';
import { assertDigest, assertName } from '../reference/reference.js';
import { mergePages } from './merged-pages.js';
import { pageOf, visiblePageOf, type PageResult, type VisibleFilter } from './pagination.js';
import type { RegistryDeps } from './registry-deps.js';
import { searchRepositories, type SearchResult } from './repository-search.js';

export class ListingService {
  constructor(private readonly deps: RegistryDeps) {}

  /**
   * Repository names in lexical order. With `visible`, the page holds only what it lets
   * through, and the continuation never names anything else.
   */
  catalog(page: Page, visible?: VisibleFilter): Promise<PageResult> {
    const fetch = (p: Page) => this.deps.metadata.listRepositories(p);
    return visible === undefined ? pageOf(page, fetch) : visiblePageOf(page, fetch, visible);
  }

  /** See repository-search.ts. */
  search(term: string, page: number, size: number, visible?: VisibleFilter): Promise<SearchResult> {
    return searchRepositories(this.deps.metadata, term, page, size, visible);
  }

  async tags(repository: string, page: Page): Promise<PageResult> {
    assertName(repository);
    const result = await pageOf(page, (p) => this.deps.metadata.listTags(repository, p));
    if (result.items.length === 0 && !(await this.deps.metadata.hasRepository(repository))) {
      throw new NameUnknownError('repository name not known to registry', { name: repository });
    }
    return result;
  }

  /**
   * The merged tags of several repositories (a group's members), sorted and deduplicated, with
   * `n`/`last` paging over the union. Members without the repository are skipped; unknown when
   * none has it, named as `repository` (the group's name).
   */
  async mergedTags(repository: string, members: readonly string[], page: Page): Promise<PageResult> {
    assertName(repository);
    const pages: PageResult[] = [];
    for (const member of members) {
      try {
        pages.push(await this.tags(member, page));
      } catch (error) {
        if (!(error instanceof NameUnknownError)) throw error;
      }
    }
    if (pages.length === 0) throw new NameUnknownError('repository name not known to registry', { name: repository });
    return mergePages(pages, page.limit);
  }

  /**
   * The catalog below some projects, names relative to their project (`all/x` is `x`): one
   * project for a connector to a hosted or proxy project, the members for a group. `page.last`
   * is relative too. `visible` sees full names.
   */
  async catalogUnder(projects: readonly string[], page: Page, visible?: VisibleFilter): Promise<PageResult> {
    const pages: PageResult[] = [];
    for (const project of projects) {
      const prefix = `${project}/`;
      // Names under a prefix are contiguous in byte order, right after the prefix itself.
      const fetch = async (p: Page) => {
        const rows = await this.deps.metadata.listRepositories({ last: p.last ?? prefix, limit: p.limit });
        const end = rows.findIndex((name) => !name.startsWith(prefix));
        return end === -1 ? rows : rows.slice(0, end);
      };
      const full = { last: page.last === undefined ? undefined : `${prefix}${page.last}`, limit: page.limit };
      const result = visible === undefined ? await pageOf(full, fetch) : await visiblePageOf(full, fetch, visible);
      const relative = (name: string) => name.slice(prefix.length);
      pages.push({ items: result.items.map(relative), next: result.next === undefined ? undefined : relative(result.next) });
    }
    return mergePages(pages, page.limit);
  }

  async referrers(repository: string, digest: string, artifactType: string | undefined): Promise<ReferrerRecord[]> {
    assertName(repository);
    assertDigest(digest);
    const referrers = await this.deps.metadata.listReferrers(repository, digest, artifactType);
    // As for a repository that never existed: an empty list (a deleted one is gone from /v2).
    // Asked only when there is something to hide, so a pull's referrers check costs one query.
    if (referrers.length > 0 && (await this.deps.metadata.isRepositoryDeleted(repository))) return [];
    return referrers;
  }
}
