/**
 * The part of the MetadataStore behind the web UI's read API: facts about repositories and
 * tags a page shows, computed by the database (counts, sizes, newest pushes) rather than by
 * walking every row in the caller, plus the two things a UI user writes: an edited
 * description and stars.
 *
 * Nothing here checks who asks: core decides what a caller may see and asks only for that.
 * Deleted repositories (MetadataStore.isRepositoryDeleted) are left out of every listing.
 */
import type { IoOptions } from './blob-store.js';

/** Characters (code points) a stored description keeps; an edit longer than this is refused. */
export const MAX_DESCRIPTION_LENGTH = 1000;

/** Where a repository's description comes from: pushed (annotation or config label) or edited. */
export type DescriptionSource = 'annotation' | 'label' | 'edited';

export interface RepositoryFacts {
  name: string;
  /** The edited description when there is one, else the pushed one; '' when neither. */
  description: string;
  descriptionSource: DescriptionSource | undefined;
  tagCount: number;
  /** Newest tag push (tag moves included); undefined when it has no tag. */
  lastPushedAt: Date | undefined;
  /** Stars of existing users. */
  stars: number;
  /** Compressed bytes of the distinct blobs its manifests reference, plus the manifests. */
  bytes: number;
}

/** Which repositories `repositoryFacts` describes: one project's, or one repository. */
export type FactsScope = { project: string } | { repository: string };

export type TagSort = 'tag' | '-pushed' | '-size';

export interface TagQuery {
  sort: TagSort;
  /** Substring of the tag name, ASCII case folded; '' for all. */
  q: string;
  offset: number;
  limit: number;
}

export interface TagRow {
  tag: string;
  digest: string;
  mediaType: string;
  artifactType: string | undefined;
  pushedAt: Date;
  lastPulledAt: Date | undefined;
}

/** A manifest's own body length and the bytes of the distinct blobs it references. */
export interface ManifestSize {
  digest: string;
  size: number;
  blobBytes: number;
}

/** A manifest whose subject is one of the digests asked about. */
export interface SubjectReferrer {
  subject: string;
  digest: string;
  mediaType: string;
  artifactType: string | undefined;
  size: number;
  annotations: Record<string, string> | undefined;
}

export interface RecentPush {
  repository: string;
  tag: string;
  digest: string;
  pushedAt: Date;
}

export interface MetadataBrowse {
  /** Facts about the repositories in scope, by name; [] when none. */
  repositoryFacts(scope: FactsScope, options?: IoOptions): Promise<RepositoryFacts[]>;
  /**
   * One page of a repository's tags in the order asked (ties by tag name) and how many tags
   * match `q`. '-size' orders by the tagged manifest's compressed size (see `manifestSizes`,
   * index children included).
   */
  tagPage(repository: string, query: TagQuery, options?: IoOptions): Promise<{ total: number; tags: TagRow[] }>;
  /** Sizes of those of `digests` that are manifests in `repository`. */
  manifestSizes(repository: string, digests: readonly string[], options?: IoOptions): Promise<ManifestSize[]>;
  /** Manifests in `repository` whose subject is one of `subjects`, by subject then digest. */
  referrersOf(repository: string, subjects: readonly string[], options?: IoOptions): Promise<SubjectReferrer[]>;
  /** Tags in `repository` pointing at `digest`, by name. */
  tagsOf(repository: string, digest: string, options?: IoOptions): Promise<string[]>;
  /** Of `names`, the tags that exist in `repository`. */
  existingTags(repository: string, names: readonly string[], options?: IoOptions): Promise<string[]>;
  /**
   * Repositories (not deleted) with a manifest referencing the blob, by name, after `after`,
   * at most `limit`.
   */
  repositoriesWithBlob(digest: string, page: { after?: string; limit: number }, options?: IoOptions): Promise<string[]>;
  /** Tag pushes, newest first, strictly older than `before` (a previous row), at most `limit`. */
  recentPushes(page: { before?: RecentPush; limit: number }, options?: IoOptions): Promise<RecentPush[]>;

  /**
   * Sets (text) or clears (undefined) the edited description, which wins over pushed ones until
   * cleared. Control and format characters become spaces; longer than MAX_DESCRIPTION_LENGTH is
   * cut. False when the repository does not exist.
   */
  setEditedDescription(repository: string, text: string | undefined, options?: IoOptions): Promise<boolean>;
  /** Idempotent; `user` is an account name. False when the star was already there. */
  star(repository: string, user: string, at: Date, options?: IoOptions): Promise<boolean>;
  /** False when there was no such star. */
  unstar(repository: string, user: string, options?: IoOptions): Promise<boolean>;
  /** Star counts (of existing users) for `repositories`; absent names have none. */
  starCounts(repositories: readonly string[], options?: IoOptions): Promise<Map<string, number>>;
  /** Of `repositories`, the ones `user` starred. */
  starredBy(user: string, repositories: readonly string[], options?: IoOptions): Promise<Set<string>>;
}
