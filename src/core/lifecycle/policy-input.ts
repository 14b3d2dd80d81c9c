/**
 * Validation of policy changes as people and programs write them (CLI flags, API JSON), in
 * one place so both edges accept and refuse the same things with the same messages.
 */
import { RETENTION_KINDS, WRITE_POLICIES, type ProjectPolicy, type RetentionRule, type WritePolicy } from '../../ports/policy-store.js';
import { InvalidInputError } from '../errors.js';
import { parseBytes } from './quota.js';

/** A change to a policy: what is absent keeps its value; `quotaBytes: null` removes the quota. */
export interface PolicyChange {
  writePolicy?: WritePolicy;
  immutableTags?: string[];
  quotaBytes?: number | null;
  retention?: RetentionRule[];
}

/** No policy row behaves as this: everything the registry otherwise allows, no quota, no rules. */
export const OPEN_POLICY: ProjectPolicy = { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: undefined, retention: [] };

export function applyChange(current: ProjectPolicy | undefined, change: PolicyChange): ProjectPolicy {
  const base = { ...OPEN_POLICY, ...current };
  return {
    writePolicy: change.writePolicy ?? base.writePolicy,
    immutableTags: change.immutableTags ?? base.immutableTags,
    quotaBytes: change.quotaBytes === undefined ? base.quotaBytes : (change.quotaBytes ?? undefined),
    retention: change.retention ?? base.retention,
  };
}

export function parseWritePolicy(value: unknown): WritePolicy {
  const policy = WRITE_POLICIES.find((p) => p === value);
  if (policy === undefined) throw new InvalidInputError(`unknown write policy "${String(value)}"; use ${WRITE_POLICIES.join(', ')}`);
  return policy;
}

/** A tag glob: tag characters plus `*` and `?`; anything else could never match a tag. */
export function parseTagPattern(value: unknown): string {
  if (typeof value !== 'string' || !/^[\w.\-*?]{1,128}$/.test(value)) {
    throw new InvalidInputError(`"${String(value)}" is not a tag pattern (tag characters, * and ? only)`);
  }
  return value;
}

/** A glob over repository names: name characters, `/`, `*` and `?`. */
function parseRepositoryPattern(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9._\-/*?]{1,255}$/.test(value)) {
    throw new InvalidInputError(`"${String(value)}" is not a repository pattern (lower-case name characters, /, * and ?)`);
  }
  return value;
}

/** "10GiB", "500M", a number of bytes, or "none"/null to remove the quota. */
export function parseQuota(value: unknown): number | null {
  if (value === null || value === 'none') return null;
  const bytes = typeof value === 'number' ? value : typeof value === 'string' ? parseBytes(value) : undefined;
  if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidInputError(`"${String(value)}" is not a quota: give a size such as 10GiB or 500MiB, or none`);
  }
  return bytes;
}

function positiveInteger(value: unknown, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidInputError(`${what} must be a whole number from 1 to ${max}`);
  }
  return value;
}

/** One rule from JSON: `{kind, count|pattern|days, repositories?}`, nothing else. */
export function parseRetentionRule(value: unknown): RetentionRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError('a retention rule is a JSON object');
  const raw = value as Record<string, unknown>;
  const kind = RETENTION_KINDS.find((k) => k === raw.kind);
  if (kind === undefined) throw new InvalidInputError(`unknown retention rule kind "${String(raw.kind)}"; use ${RETENTION_KINDS.join(', ')}`);
  const field = kind === 'keep-newest' ? 'count' : kind === 'keep-matching' ? 'pattern' : 'days';
  const extra = Object.keys(raw).filter((k) => k !== 'kind' && k !== field && k !== 'repositories');
  if (extra.length > 0) throw new InvalidInputError(`unknown field(s) in a ${kind} rule: ${extra.join(', ')}`);
  const repositories = raw.repositories === undefined ? {} : { repositories: parseRepositoryPattern(raw.repositories) };
  switch (kind) {
    case 'keep-newest':
      return { kind, count: positiveInteger(raw.count, 'count', 100_000), ...repositories };
    case 'keep-matching':
      return { kind, pattern: parseTagPattern(raw.pattern), ...repositories };
    case 'untagged-older-than':
    case 'not-pulled-for':
      return { kind, days: positiveInteger(raw.days, 'days', 36_500), ...repositories };
  }
}

/**
 * One rule as the CLI writes it: `keep-newest=10`, `keep-matching=v*`, `untagged-older-than=7`,
 * `not-pulled-for=30`, each optionally followed by `@REPOSITORY-GLOB`.
 */
export function parseRetentionText(text: string): RetentionRule {
  const match = /^([a-z-]+)=([^@]+)(?:@(.+))?$/.exec(text.trim());
  if (match === null) throw new InvalidInputError(`"${text}" is not a rule; write KIND=VALUE[@REPOSITORIES], e.g. keep-newest=10`);
  const [, kind, rawValue, repositories] = match;
  const numeric = kind !== 'keep-matching';
  const value = numeric ? Number(rawValue!.replace(/d$/, '')) : rawValue;
  const field = kind === 'keep-newest' ? 'count' : kind === 'keep-matching' ? 'pattern' : 'days';
  return parseRetentionRule({ kind, [field]: value, ...(repositories === undefined ? {} : { repositories }) });
}
