/**
 * Retention: per-project rules that remove tags and untagged manifests, with a dry run that
 * lists exactly what the real run removes.
 *
 * Semantics, per repository (a rule with `repositories` applies only where the glob matches):
 *   - keep-matching protects matching tags from every other rule, as do the project's
 *     immutable tag patterns; it removes nothing itself;
 *   - keep-newest N removes the tags beyond the N most recently pushed, counting only tags not
 *     protected (so "keep v* and the newest 5" keeps every release plus five builds);
 *   - not-pulled-for D removes tags whose manifest was neither pulled (GET or HEAD) nor
 *     pushed in the last D days;
 *   - untagged-older-than D removes untagged manifests created more than D days ago that
 *     nothing keeps (an index child, a referrer of a live subject, a restorable deleted tag).
 * A tag selected by several rules is listed once, under the first rule (in rule order).
 *
 * Removing a tag is the same restorable delete as `DELETE /v2/…/manifests/<tag>`: it can be
 * restored for the restore window, and the collector frees its content after it. The real run
 * removes a tag only if it still points where the plan saw it, and an untagged manifest only if
 * it is still untagged, so a push landing mid-run is never undone.
 */
import type { RetentionView } from '../../ports/metadata-usage.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { PolicyStore, RetentionRule } from '../../ports/policy-store.js';
import { globMatches } from './glob.js';
import { DeniedError } from '../errors.js';

const DAY_MS = 24 * 3600 * 1000;

export interface RetentionRemoval {
  repository: string;
  /** Undefined for an untagged manifest. */
  tag: string | undefined;
  digest: string;
  /** Index of the rule in the project's list, and the rule as text. */
  ruleIndex: number;
  rule: string;
}

export interface RetentionReport {
  project: string;
  dryRun: boolean;
  /** What was (or, in a dry run, would be) removed. */
  removed: RetentionRemoval[];
  /** Planned removals the real run skipped because a push changed them meanwhile. */
  skipped: RetentionRemoval[];
  /** Per rule, how many removals it accounts for. */
  rules: Array<{ rule: string; removes: number }>;
  repositories: number;
}

export interface RetentionDeps {
  metadata: MetadataStore;
  policies: PolicyStore;
  now: () => Date;
  restoreWindowMs: number;
}

export function describeRule(rule: RetentionRule): string {
  const scope = rule.repositories === undefined ? '' : ` in ${rule.repositories}`;
  switch (rule.kind) {
    case 'keep-newest':
      return `keep-newest ${rule.count}${scope}`;
    case 'keep-matching':
      return `keep-matching ${rule.pattern}${scope}`;
    case 'untagged-older-than':
      return `untagged-older-than ${rule.days}d${scope}`;
    case 'not-pulled-for':
      return `not-pulled-for ${rule.days}d${scope}`;
  }
}

function applies(rule: RetentionRule, repository: string): boolean {
  return rule.repositories === undefined || globMatches(rule.repositories, repository);
}

/** The removals `rules` make in one repository; pure, so the dry run and the real run agree. */
export function planRepository(
  rules: readonly RetentionRule[],
  immutableTags: readonly string[],
  view: RetentionView,
  now: Date,
): RetentionRemoval[] {
  const here = rules.map((rule, index) => ({ rule, index })).filter(({ rule }) => applies(rule, view.repository));
  const keepPatterns = here.flatMap(({ rule }) => (rule.kind === 'keep-matching' ? [rule.pattern] : []));
  const isProtected = (tag: string) => [...keepPatterns, ...immutableTags].some((p) => globMatches(p, tag));
  const candidates = view.tags.filter((t) => !isProtected(t.tag));
  const removals = new Map<string, RetentionRemoval>();
  const remove = (tag: string | undefined, digest: string, index: number, rule: RetentionRule) => {
    const key = tag === undefined ? `@${digest}` : `:${tag}`;
    if (!removals.has(key)) removals.set(key, { repository: view.repository, tag, digest, ruleIndex: index, rule: describeRule(rule) });
  };
  for (const { rule, index } of here) {
    switch (rule.kind) {
      case 'keep-newest': {
        // Newest first; equal push times fall back to the name so the order is stable.
        const ordered = [...candidates].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.tag < b.tag ? -1 : 1));
        for (const t of ordered.slice(rule.count)) remove(t.tag, t.digest, index, rule);
        break;
      }
      case 'not-pulled-for': {
        const cutoff = now.getTime() - rule.days * DAY_MS;
        for (const t of candidates) {
          const lastUse = Math.max(t.pushedAt.getTime(), t.lastPulledAt?.getTime() ?? 0);
          if (lastUse < cutoff) remove(t.tag, t.digest, index, rule);
        }
        break;
      }
      case 'untagged-older-than': {
        const cutoff = now.getTime() - rule.days * DAY_MS;
        for (const m of view.untagged) if (m.createdAt.getTime() < cutoff) remove(undefined, m.digest, index, rule);
        break;
      }
      case 'keep-matching':
        break;
    }
  }
  return [...removals.values()];
}

export class Retention {
  constructor(private readonly deps: RetentionDeps) {}

  /** Applies (or, with dryRun, lists) the project's rules; a project without rules removes nothing. */
  async run(project: string, options: { dryRun?: boolean } = {}): Promise<RetentionReport> {
    const dryRun = options.dryRun === true;
    const policy = await this.deps.policies.get(project);
    // Retention deletes are writes: a read-only project keeps everything until it is writable.
    if (!dryRun && policy?.writePolicy === 'read-only') {
      throw new DeniedError(`project ${project} is read-only (project policy); retention removes nothing there until its write policy allows writes`, {
        rule: 'read-only',
        project,
      });
    }
    const rules = policy?.retention ?? [];
    const repositories = rules.length === 0 ? [] : await this.deps.metadata.projectRepositories(project);
    const now = this.deps.now();
    const restorableSince = new Date(now.getTime() - this.deps.restoreWindowMs);
    const removed: RetentionRemoval[] = [];
    const skipped: RetentionRemoval[] = [];
    for (const repository of repositories) {
      const view = await this.deps.metadata.retentionView(repository, restorableSince);
      const plan = planRepository(rules, policy?.immutableTags ?? [], view, now);
      if (dryRun) {
        removed.push(...plan);
        continue;
      }
      for (const removal of plan) {
        const done = await this.apply(removal, rules[removal.ruleIndex]!, now, restorableSince);
        (done ? removed : skipped).push(removal);
      }
    }
    const counts = rules.map((rule) => ({ rule: describeRule(rule), removes: 0 }));
    for (const r of removed) counts[r.ruleIndex]!.removes++;
    return { project, dryRun, removed, skipped, rules: counts, repositories: repositories.length };
  }

  /** Runs every project that has rules (the scheduled job). */
  async runAll(options: { dryRun?: boolean } = {}): Promise<RetentionReport[]> {
    const reports: RetentionReport[] = [];
    for (const { project, policy } of await this.deps.policies.list()) {
      if ((policy.retention ?? []).length === 0) continue;
      if (options.dryRun !== true && policy.writePolicy === 'read-only') continue;
      reports.push(await this.run(project, options));
    }
    return reports;
  }

  private async apply(removal: RetentionRemoval, rule: RetentionRule, now: Date, restorableSince: Date): Promise<boolean> {
    const { metadata } = this.deps;
    if (removal.tag !== undefined) return metadata.deleteTagIf(removal.repository, removal.tag, removal.digest);
    const days = rule.kind === 'untagged-older-than' ? rule.days : 0;
    return metadata.deleteUntaggedManifest(removal.repository, removal.digest, new Date(now.getTime() - days * DAY_MS), restorableSince);
  }
}
