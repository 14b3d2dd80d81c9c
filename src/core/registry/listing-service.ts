/** Catalog, tag lists and referrers: all answered from the metadata store's indexes. */
import type { Page, ReferrerRecord } from '../../ports/metadata-store.js';
import { NameUnknownError } from '../errors.js';
import { assertDigest, assertName } from '../reference/reference.js';
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
