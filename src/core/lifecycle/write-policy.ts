/**
 * Project write policies, as Nexus users know them: allow redeploy, disallow redeploy (a tag
 * is pushed once), read-only; plus immutable tag patterns. Every refusal is a DeniedError whose
 * message names the rule, so a client's "denied" says which policy to change.
 *
 * Re-pushing the digest a tag already points at is always allowed where writes are: clients
 * retry and re-push idempotently, and nothing moves.
 */
import type { ProjectPolicy } from '../../ports/policy-store.js';
import { projectOf } from '../access/actions.js';
import { DeniedError } from '../errors.js';
import { globMatches } from './glob.js';

export function immutablePatternOf(policy: ProjectPolicy | undefined, tag: string): string | undefined {
  return policy?.immutableTags.find((pattern) => globMatches(pattern, tag));
}

/**
 * Whether a push of `tag` needs the tag's current digest to be judged; lets the caller skip
 * that lookup on the common, unrestricted path.
 */
export function tagPushIsRestricted(policy: ProjectPolicy | undefined, tag: string): boolean {
  if (policy === undefined) return false;
  return policy.writePolicy !== 'allow-redeploy' || immutablePatternOf(policy, tag) !== undefined;
}

/** Refuses any write (push, upload, delete) to a read-only project's repositories. */
export function checkWritable(policy: ProjectPolicy | undefined, repository: string): void {
  if (policy?.writePolicy === 'read-only') {
    const project = projectOf(repository);
    throw new DeniedError(`repository ${repository} is read-only (project policy); a project admin can allow writes: berth policy set ${project} --write allow-redeploy`, {
      rule: 'read-only',
      project,
    });
  }
}

/**
 * Judges a manifest push. `tag` is undefined for a push by digest; `existingDigestForTag` is
 * what the tag points at now (undefined when it does not exist).
 */
export function checkManifestPush(
  policy: ProjectPolicy | undefined,
  repository: string,
  tag: string | undefined,
  existingDigestForTag: string | undefined,
  newDigest: string,
): void {
  checkWritable(policy, repository);
  if (policy === undefined || tag === undefined) return;
  if (existingDigestForTag === undefined || existingDigestForTag === newDigest) return;
  const pattern = immutablePatternOf(policy, tag);
  if (pattern !== undefined) {
    throw new DeniedError(`tag ${tag} in ${repository} is immutable (matches pattern "${pattern}") and cannot be moved; push under a new tag, or a project admin can change the patterns: berth policy set ${projectOf(repository)} --immutable PATTERNS`, {
      rule: 'immutable-tag',
      pattern,
      tag,
      current: existingDigestForTag,
    });
  }
  if (policy.writePolicy === 'disallow-redeploy') {
    throw new DeniedError(
      `tag ${tag} in ${repository} already exists and redeploy is disallowed (project policy); push under a new tag, ` +
        `or a project admin can allow redeploys: berth policy set ${projectOf(repository)} --write allow-redeploy`,
      { rule: 'disallow-redeploy', tag, current: existingDigestForTag },
    );
  }
}

/** Judges deleting `tag` (or, with `tag` undefined, a manifest by digest) by the policy. */
export function checkTagDelete(policy: ProjectPolicy | undefined, repository: string, tag: string | undefined): void {
  checkWritable(policy, repository);
  if (tag === undefined) return;
  const pattern = immutablePatternOf(policy, tag);
  if (pattern !== undefined) {
    throw new DeniedError(`tag ${tag} in ${repository} is immutable (matches pattern "${pattern}") and cannot be deleted; a project admin can change the patterns: berth policy set ${projectOf(repository)} --immutable PATTERNS`, {
      rule: 'immutable-tag',
      pattern,
      tag,
    });
  }
}
