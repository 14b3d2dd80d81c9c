/** `berth retention set|show|run`: a project's retention rules, and applying them (or a dry run). */
import { parseRetentionText } from '../../core/lifecycle/policy-input.js';
import type { RetentionRemoval, RetentionReport } from '../../core/lifecycle/retention.js';
import type { RetentionRule } from '../../ports/policy-store.js';
import { withAdmin } from './admin-session.js';
import { parse, UsageError } from './cli-args.js';
import { print, table } from './cli-output.js';
import { projectArgument, rulesText } from './storage-output.js';
import { retentionUsage } from './manage-usage.js';

export async function retentionCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'set': {
      const { values, positionals } = parse(rest, { clear: { type: 'boolean' } }, retentionUsage, { min: 1, max: Infinity });
      const [name, ...texts] = positionals as [string, ...string[]];
      if (values.clear === true && texts.length > 0) throw new UsageError('give rules or --clear, not both', retentionUsage);
      if (values.clear !== true && texts.length === 0) throw new UsageError('no rules: give at least one RULE, or --clear', retentionUsage);
      // Validated before opening the database, so a typo changes nothing.
      const project = projectArgument(name);
      const retention: RetentionRule[] = texts.map(parseRetentionText);
      return withAdmin(values.config, async ({ storage, actor }) => {
        const policy = await storage.setPolicy(actor, project, { retention });
        print(describeRules(project, policy.retention));
      });
    }
    case 'show': {
      const { values, positionals } = parse(rest, {}, retentionUsage, { min: 1, max: 1 });
      const project = projectArgument(positionals[0]!);
      return withAdmin(values.config, async ({ storage, actor }) => {
        print(describeRules(project, (await storage.policy(actor, project)).retention));
      });
    }
    case 'run': {
      const { values, positionals } = parse(rest, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, retentionUsage, { min: 1, max: 1 });
      const project = projectArgument(positionals[0]!);
      return withAdmin(values.config, async ({ storage, actor }) => {
        const report = await storage.runRetention(actor, project, values['dry-run'] === true);
        print(values.json === true ? JSON.stringify(report, null, 2) : describeReport(report));
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, retentionUsage);
  }
}

function describeRules(project: string, rules: readonly RetentionRule[] | undefined): string {
  if (rules === undefined || rules.length === 0) return `project ${project} has no retention rules`;
  return `retention rules of project ${project}, in order:\n  ${rulesText(rules, '  ')}`;
}

/** `v1` for a tag, `@sha256:…` for an untagged manifest. */
function reference(removal: RetentionRemoval): string {
  return removal.tag ?? `@${removal.digest}`;
}

function removalTable(removals: readonly RetentionRemoval[]): string {
  return table(['REPOSITORY', 'REFERENCE', 'RULE'], removals.map((r) => [r.repository, reference(r), `${r.ruleIndex + 1}. ${r.rule}`]));
}

function describeReport(report: RetentionReport): string {
  if (report.rules.length === 0) return `project ${report.project} has no retention rules; nothing to do`;
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  if (report.removed.length > 0) lines.push(removalTable(report.removed), '');
  lines.push('Per rule:');
  report.rules.forEach((rule, i) => {
    const what = rule.rule.startsWith('keep-matching') ? 'protects; removes nothing itself' : `${verb} ${rule.removes}`;
    lines.push(`  ${i + 1}. ${rule.rule}: ${what}`);
  });
  const tags = report.removed.filter((r) => r.tag !== undefined).length;
  const untagged = report.removed.length - tags;
  lines.push(
    '',
    `${report.dryRun ? 'Dry run: would remove' : 'Removed'} ${tags} tag(s) and ${untagged} untagged manifest(s) ` +
      `in ${report.repositories} repositor${report.repositories === 1 ? 'y' : 'ies'} of project ${report.project}` +
      `${report.dryRun ? '; nothing was changed.' : '.'}`,
  );
  if (report.skipped.length > 0) {
    lines.push('', `Skipped ${report.skipped.length} planned removal(s) that a push changed meanwhile:`, removalTable(report.skipped));
  }
  if (!report.dryRun && tags > 0) lines.push('Removed tags can be restored with berth restore REPO:TAG within the restore window.');
  return lines.join('\n');
}
