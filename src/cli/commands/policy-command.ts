/** `berth policy set|show`: a project's write policy and immutable tags; `show` also its quota and retention rules. */
import { parseTagPattern, parseWritePolicy, type PolicyChange } from '../../core/lifecycle/policy-input.js';
import { withAdmin } from './admin-session.js';
import { parse, UsageError } from './cli-args.js';
import { print } from './cli-output.js';
import { describePolicy, projectArgument } from './storage-output.js';
import { policyUsage } from './manage-usage.js';

export async function policyCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'set': {
      const { values, positionals } = parse(
        rest,
        { write: { type: 'string' }, immutable: { type: 'string' } },
        policyUsage,
        { min: 1, max: 1 },
      );
      if (values.write === undefined && values.immutable === undefined) {
        throw new UsageError('nothing to set: give --write and/or --immutable', policyUsage);
      }
      // Validated before opening the database, so a typo changes nothing.
      const project = projectArgument(positionals[0]!);
      const change: PolicyChange = {};
      if (values.write !== undefined) change.writePolicy = parseWritePolicy(values.write);
      if (values.immutable !== undefined) change.immutableTags = parsePatterns(values.immutable);
      return withAdmin(values.config, async ({ storage, actor }) => {
        print(describePolicy(project, await storage.setPolicy(actor, project, change)));
      });
    }
    case 'show': {
      const { values, positionals } = parse(rest, {}, policyUsage, { min: 1, max: 1 });
      const project = projectArgument(positionals[0]!);
      return withAdmin(values.config, async ({ storage, actor }) => {
        print(describePolicy(project, await storage.policy(actor, project)));
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, policyUsage);
  }
}

/** `'v*, release-*'` → the patterns; `''` → none (clears them). */
function parsePatterns(value: string): string[] {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map(parseTagPattern);
}
