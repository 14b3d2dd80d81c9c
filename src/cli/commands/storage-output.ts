/** What `berth policy|quota|usage|retention` share: the project argument and how sizes, quotas and rules read. */
import { assertProjectName } from '../../core/access/admin-rules.js';
import { formatBytes } from '../../core/lifecycle/quota.js';
import { describeRule } from '../../core/lifecycle/retention.js';
import type { ProjectPolicy, RetentionRule } from '../../ports/policy-store.js';

/**
 * A project named on the command line, checked before the database is opened: a policy set on
 * `team/app` would be stored and never apply (policies belong to the first name component).
 */
export function projectArgument(name: string): string {
  return assertProjectName(name);
}

/** `10.0 GiB (10737418240 bytes)`, or `none`. */
export function quotaText(quotaBytes: number | undefined): string {
  return quotaBytes === undefined ? 'none' : `${formatBytes(quotaBytes)} (${quotaBytes} bytes)`;
}

/** `12.5%` of the quota used, or `-` without one. */
export function percentUsed(usedBytes: number, quotaBytes: number | undefined): string {
  return quotaBytes === undefined ? '-' : `${((usedBytes / quotaBytes) * 100).toFixed(1)}%`;
}

/** Numbered, in rule order, as retention reports name them; `(none)` without rules. */
export function rulesText(rules: readonly RetentionRule[] | undefined, indent: string): string {
  if (rules === undefined || rules.length === 0) return '(none)';
  return rules.map((rule, i) => `${i === 0 ? '' : indent}${i + 1}. ${describeRule(rule)}`).join('\n');
}

export function describePolicy(project: string, policy: ProjectPolicy): string {
  const patterns = policy.immutableTags.length === 0 ? '(none)' : policy.immutableTags.join(', ');
  const indent = ' '.repeat(18);
  return [
    `project ${project}`,
    `  write policy:   ${policy.writePolicy}`,
    `  immutable tags: ${patterns}`,
    `  quota:          ${quotaText(policy.quotaBytes)}`,
    `  retention:      ${rulesText(policy.retention, indent)}`,
  ].join('\n');
}
