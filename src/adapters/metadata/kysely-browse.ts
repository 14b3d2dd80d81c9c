/**
 * MetadataBrowse over Kysely, the base of KyselyUsage (and so of KyselyMetadataStore). The
 * read queries live in browse-queries.ts; the two small writes (an edited description, stars)
 * are here.
 */
import type { IoOptions } from '../../ports/blob-store.js';
import type {
  FactsScope,
  ManifestSize,
  MetadataBrowse,
  RecentPush,
  RepositoryFacts,
  SubjectReferrer,
  TagQuery,
  TagRow,
} from '../../ports/metadata-browse.js';
import * as browse from './browse-queries.js';
import { byChunks, VALUE_CHUNK, type LifecycleContext } from './lifecycle-sql.js';
import { storedDescription } from './manifest-writes.js';

export class KyselyBrowse implements MetadataBrowse {
  readonly #ctx: LifecycleContext;

  constructor(ctx: LifecycleContext) {
    this.#ctx = ctx;
  }

  async repositoryFacts(scope: FactsScope, options?: IoOptions): Promise<RepositoryFacts[]> {
    options?.signal?.throwIfAborted();
    return browse.repositoryFacts(this.#ctx, scope);
  }

  async tagPage(repository: string, query: TagQuery, options?: IoOptions): Promise<{ total: number; tags: TagRow[] }> {
    options?.signal?.throwIfAborted();
    return browse.tagPage(this.#ctx, repository, query);
  }

  async manifestSizes(repository: string, digests: readonly string[], options?: IoOptions): Promise<ManifestSize[]> {
    options?.signal?.throwIfAborted();
    return browse.manifestSizes(this.#ctx, repository, digests);
  }

  async referrersOf(repository: string, subjects: readonly string[], options?: IoOptions): Promise<SubjectReferrer[]> {
    options?.signal?.throwIfAborted();
    return browse.referrersOf(this.#ctx, repository, subjects);
  }

  async tagsOf(repository: string, digest: string, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    return browse.tagsOf(this.#ctx, repository, digest);
  }

  async existingTags(repository: string, names: readonly string[], options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    return browse.existingTags(this.#ctx, repository, names);
  }

  async repositoriesWithBlob(digest: string, page: { after?: string; limit: number }, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    return browse.repositoriesWithBlob(this.#ctx, digest, page);
  }

  async recentPushes(page: { before?: RecentPush; limit: number }, options?: IoOptions): Promise<RecentPush[]> {
    options?.signal?.throwIfAborted();
    return browse.recentPushes(this.#ctx, page);
  }

  async setEditedDescription(repository: string, text: string | undefined, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#ctx.db
      .updateTable('repositories')
      .set({ edited_description: text === undefined ? null : storedDescription(text) })
      .where('name', '=', repository)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async star(repository: string, user: string, at: Date, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#ctx.db
      .insertInto('stars')
      .values({ repository, user_name: user, created_at: at.getTime() })
      .onConflict((oc) => oc.columns(['repository', 'user_name']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async unstar(repository: string, user: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#ctx.db.deleteFrom('stars').where('repository', '=', repository).where('user_name', '=', user).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async starCounts(repositories: readonly string[], options?: IoOptions): Promise<Map<string, number>> {
    options?.signal?.throwIfAborted();
    const rows = await byChunks([...new Set(repositories)], VALUE_CHUNK, (chunk) =>
      this.#ctx.db
        .selectFrom('stars as s')
        .innerJoin('users as u', 'u.name', 's.user_name')
        .select(['s.repository', (eb) => eb.fn.countAll().as('stars')])
        .where('s.repository', 'in', chunk)
        .groupBy('s.repository')
        .execute(),
    );
    return new Map(rows.map((r) => [r.repository, Number(r.stars)]));
  }

  async starredBy(user: string, repositories: readonly string[], options?: IoOptions): Promise<Set<string>> {
    options?.signal?.throwIfAborted();
    const rows = await byChunks([...new Set(repositories)], VALUE_CHUNK, (chunk) =>
      this.#ctx.db.selectFrom('stars').select('repository').where('user_name', '=', user).where('repository', 'in', chunk).execute(),
    );
    return new Set(rows.map((r) => r.repository));
  }
}
