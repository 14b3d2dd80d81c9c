/** `berth policy set|show`: a project's write policy and immutable tag patterns. */
import { InvalidInputError } from '../../core/errors.js';
import { WRITE_POLICIES, type ProjectPolicy, type WritePolicy } from '../../ports/policy-store.js';
import { withAdmin } from './admin-session.js';
import { parse, UsageError } from './cli-args.js';
import { print } from './cli-output.js';

export const policyUsage = `Usage:
  berth policy set PROJECT [--write allow-redeploy|disallow-redeploy|read-only]
                           [--immutable 'v*,release-*']
                                                    change what pushes and deletes may do in
                                                    PROJECT; an option left out keeps its value
                                                    (--immutable '' clears the patterns)
  berth policy show PROJECT                         show the project's policy
Patterns are globs over tag names: * any run of characters, ? exactly one.
Every command takes --config FILE, as berth serve does.`;

/** No policy row behaves as this: everything the registry otherwise allows. */
const OPEN: ProjectPolicy = { writePolicy: 'allow-redeploy', immutableTags: [] };

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
      const project = positionals[0]!;
      // Validated before opening the database, so a typo changes nothing.
      const writePolicy = values.write === undefined ? undefined : parseWritePolicy(values.write);
      const immutableTags = values.immutable === undefined ? undefined : parsePatterns(values.immutable);
      return withAdmin(values.config, async ({ policies }) => {
        const current = (await policies.get(project)) ?? OPEN;
        const next: ProjectPolicy = {
          ...current,
          writePolicy: writePolicy ?? current.writePolicy,
          immutableTags: immutableTags ?? current.immutableTags,
        };
        await policies.set(project, next);
        print(describe(project, next));
      });
    }
    case 'show': {
      const { values, positionals } = parse(rest, {}, policyUsage, { min: 1, max: 1 });
      const project = positionals[0]!;
      return withAdmin(values.config, async ({ policies }) => {
        print(describe(project, (await policies.get(project)) ?? OPEN));
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, policyUsage);
  }
}

function parseWritePolicy(value: string): WritePolicy {
  const policy = WRITE_POLICIES.find((p) => p === value);
  if (policy === undefined) throw new InvalidInputError(`unknown write policy "${value}"; use ${WRITE_POLICIES.join(', ')}`);
  return policy;
}

function parsePatterns(value: string): string[] {
  const patterns = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  // Tag characters plus the two wildcards; anything else could never match a tag.
  const bad = patterns.find((p) => !/^[\w.\-*?]{1,128}$/.test(p));
  if (bad !== undefined) throw new InvalidInputError(`"${bad}" is not a tag pattern (tag characters, * and ? only)`);
  return patterns;
}

function describe(project: string, policy: ProjectPolicy): string {
  const patterns = policy.immutableTags.length === 0 ? '(none)' : policy.immutableTags.join(', ');
  return `project ${project}\n  write policy:   ${policy.writePolicy}\n  immutable tags: ${patterns}`;
}
