/**
 * Per-project write policies (Nexus-style redeploy rules and immutable tag patterns). A
 * project with no row has no policy: every push and delete the registry otherwise allows.
 */
import type { IoOptions } from './blob-store.js';

export type WritePolicy = 'allow-redeploy' | 'disallow-redeploy' | 'read-only';

export const WRITE_POLICIES: readonly WritePolicy[] = ['allow-redeploy', 'disallow-redeploy', 'read-only'];

export interface ProjectPolicy {
  writePolicy: WritePolicy;
  /** Glob patterns (`*` any run, `?` one character) naming tags that, once pushed, never move. */
  immutableTags: readonly string[];
}

export interface PolicyStore {
  get(project: string, options?: IoOptions): Promise<ProjectPolicy | undefined>;
  /** Creates or replaces the project's policy. */
  set(project: string, policy: ProjectPolicy, options?: IoOptions): Promise<void>;
}
