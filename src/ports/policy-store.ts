/**
 * Per-project policies: Nexus-style write policies and immutable tag patterns, a storage
 * quota, and retention rules. A project with no row has no policy: every push and delete the
 * registry otherwise allows, no quota, nothing removed by retention.
 */
import type { IoOptions } from './blob-store.js';

export type WritePolicy = 'allow-redeploy' | 'disallow-redeploy' | 'read-only';

export const WRITE_POLICIES: readonly WritePolicy[] = ['allow-redeploy', 'disallow-redeploy', 'read-only'];

/**
 * One retention rule (evaluated in core/lifecycle/retention.ts). `repositories` is a glob over
 * full repository names (`team/*`); absent, the rule covers the whole project.
 *   keep-newest          remove tags beyond the `count` most recently pushed
 *   keep-matching        protect tags matching `pattern` from every other rule; removes nothing
 *   untagged-older-than  remove untagged manifests created more than `days` ago
 *   not-pulled-for       remove tags not pulled (or pushed) for `days`
 */
export type RetentionRule =
  | { kind: 'keep-newest'; count: number; repositories?: string }
  | { kind: 'keep-matching'; pattern: string; repositories?: string }
  | { kind: 'untagged-older-than'; days: number; repositories?: string }
  | { kind: 'not-pulled-for'; days: number; repositories?: string };

export const RETENTION_KINDS: readonly RetentionRule['kind'][] = ['keep-newest', 'keep-matching', 'untagged-older-than', 'not-pulled-for'];

export interface ProjectPolicy {
  writePolicy: WritePolicy;
  /** Glob patterns (`*` any run, `?` one character) naming tags that, once pushed, never move. */
  immutableTags: readonly string[];
  /** Most bytes the project may hold (deduplicated; see MetadataUsage); undefined = no limit. */
  quotaBytes?: number | undefined;
  retention?: readonly RetentionRule[] | undefined;
}

export interface PolicyStore {
  get(project: string, options?: IoOptions): Promise<ProjectPolicy | undefined>;
  /** Creates or replaces the project's policy. */
  set(project: string, policy: ProjectPolicy, options?: IoOptions): Promise<void>;
  /** Every project that has a policy, by project name. */
  list(options?: IoOptions): Promise<Array<{ project: string; policy: ProjectPolicy }>>;
}
