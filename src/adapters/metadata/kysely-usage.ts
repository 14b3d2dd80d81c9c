/**
 * MetadataUsage over Kysely, the base of KyselyLifecycle (and so of KyselyMetadataStore). The
 * queries live in usage-queries.ts; this class honours the common contract (an aborted signal
 * rejects before any I/O).
 */
import type { IoOptions } from '../../ports/blob-store.js';
import type { MetadataUsage, ProjectUsage, PullRecord, RepositoryUsage, RetentionView } from '../../ports/metadata-usage.js';
import { KyselyBrowse } from './kysely-browse.js';
import type { LifecycleContext } from './lifecycle-sql.js';
import * as usage from './usage-queries.js';

export class KyselyUsage extends KyselyBrowse implements MetadataUsage {
  readonly #ctx: LifecycleContext;

  constructor(ctx: LifecycleContext) {
    super(ctx);
    this.#ctx = ctx;
  }

  async projectUsage(project?: string, options?: IoOptions): Promise<ProjectUsage[]> {
    options?.signal?.throwIfAborted();
    return usage.projectUsage(this.#ctx, project);
  }

  async recountProjectUsage(project?: string, options?: IoOptions): Promise<ProjectUsage[]> {
    options?.signal?.throwIfAborted();
    return usage.recountProjectUsage(this.#ctx, project);
  }

  async repositoryUsage(project?: string, options?: IoOptions): Promise<RepositoryUsage[]> {
    options?.signal?.throwIfAborted();
    return usage.repositoryUsage(this.#ctx, project);
  }

  async projectHoldsBlob(project: string, digest: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return usage.projectHoldsBlob(this.#ctx, project, digest);
  }

  async projectRepositories(project: string, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    return usage.projectRepositories(this.#ctx, project);
  }

  async recordPulls(records: PullRecord[], options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    return usage.recordPulls(this.#ctx, records);
  }

  async retentionView(repository: string, restorableSince: Date, options?: IoOptions): Promise<RetentionView> {
    options?.signal?.throwIfAborted();
    return usage.retentionView(this.#ctx, repository, restorableSince);
  }

  async deleteTagIf(repository: string, tag: string, digest: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return usage.deleteTagIf(this.#ctx, repository, tag, digest);
  }

  async deleteUntaggedManifest(
    repository: string,
    digest: string,
    createdBefore: Date,
    restorableSince: Date,
    options?: IoOptions,
  ): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return usage.deleteUntaggedManifest(this.#ctx, repository, digest, createdBefore, restorableSince);
  }
}
