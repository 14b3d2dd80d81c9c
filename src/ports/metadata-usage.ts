/**
 * The part of the MetadataStore behind quotas, usage reports and retention: what each project
 * and repository holds, when manifests were last pulled, and the conditional deletes retention
 * makes.
 *
 * Usage counts what a project's manifests hold: the bytes of each distinct blob referenced by
 * any manifest in the project's repositories (a layer shared by ten repositories of one project
 * counts once) plus the manifest bodies. Blobs uploaded but referenced by no manifest are not
 * counted: they are garbage after the grace period. Deleting a tag keeps its manifest for the
 * restore window, so usage drops when the manifest goes (deleted by digest, by retention or by
 * the collector). Project usage is a counter kept in the transactions that add or remove
 * manifest references, so a quota check costs one row read; repository usage is computed when
 * asked for.
 */
import type { IoOptions } from './blob-store.js';

export interface Usage {
  /** Distinct referenced blobs and their bytes. */
  blobs: number;
  blobBytes: number;
  manifests: number;
  manifestBytes: number;
}

export interface ProjectUsage extends Usage {
  project: string;
}

export interface RepositoryUsage extends Usage {
  repository: string;
}

export interface PullRecord {
  repository: string;
  digest: string;
  at: Date;
}

export interface RetentionTag {
  tag: string;
  digest: string;
  /** When the tag was last pushed (pointed at its digest). */
  pushedAt: Date;
  /** Newest recorded GET or HEAD of its manifest; undefined when never pulled. */
  lastPulledAt: Date | undefined;
}

export interface RetentionView {
  repository: string;
  tags: RetentionTag[];
  /**
   * Manifests no tag points at and nothing keeps: not a child of a manifest in the
   * repository, not a referrer of a manifest there, no deleted tag restorable since the
   * `restorableSince` given.
   */
  untagged: Array<{ digest: string; createdAt: Date }>;
}

export interface MetadataUsage {
  /** Usage of `project`, or of every project holding anything, from the kept counters. */
  projectUsage(project?: string, options?: IoOptions): Promise<ProjectUsage[]>;
  /**
   * The same numbers computed from the manifests themselves (costs the project's size): what
   * the counters must equal; for checks and tests.
   */
  recountProjectUsage(project?: string, options?: IoOptions): Promise<ProjectUsage[]>;
  /** Usage of each repository of `project` (of all, when undefined), by name. */
  repositoryUsage(project?: string, options?: IoOptions): Promise<RepositoryUsage[]>;
  /** Whether a manifest in `project` references the blob (so it adds no bytes to the project). */
  projectHoldsBlob(project: string, digest: string, options?: IoOptions): Promise<boolean>;
  /** Repositories whose name starts with `project/`, or equals it, by name. */
  projectRepositories(project: string, options?: IoOptions): Promise<string[]>;

  /** Stamps manifests as pulled; a record older than the stored stamp changes nothing. */
  recordPulls(records: PullRecord[], options?: IoOptions): Promise<void>;
  /** What retention judges in one repository. */
  retentionView(repository: string, restorableSince: Date, options?: IoOptions): Promise<RetentionView>;
  /**
   * Deletes `tag` (restorable, as deleteTag) only if it still points at `digest`: retention
   * never removes a tag someone pushed again after the rule looked.
   */
  deleteTagIf(repository: string, tag: string, digest: string, options?: IoOptions): Promise<boolean>;
  /**
   * Deletes the manifest (as deleteManifest) only if it is still untagged and kept by nothing
   * (see RetentionView.untagged) and was created before `createdBefore`.
   */
  deleteUntaggedManifest(
    repository: string,
    digest: string,
    createdBefore: Date,
    restorableSince: Date,
    options?: IoOptions,
  ): Promise<boolean>;
}

/** A manifest put would take the project past its quota; nothing was written. */
export class MetadataQuotaExceededError extends Error {
  override readonly name = 'MetadataQuotaExceededError';
  constructor(
    readonly store: string,
    readonly project: string,
    readonly usedBytes: number,
    readonly addingBytes: number,
    readonly limitBytes: number,
  ) {
    super(`${store}: project ${project} would hold ${usedBytes + addingBytes} bytes, over its quota of ${limitBytes}`);
  }
}
