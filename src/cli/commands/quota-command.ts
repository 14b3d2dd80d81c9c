/** `berth quota set|show`: a project's storage limit (system admins only; the CLI is one). */
import { formatBytes } from '../../core/lifecycle/quota.js';
import { parseQuota } from '../../core/lifecycle/policy-input.js';
import { withAdmin } from './admin-session.js';
import { parse, UsageError } from './cli-args.js';
import { print } from './cli-output.js';
import { percentUsed, projectArgument, quotaText } from './storage-output.js';
import { quotaUsage } from './manage-usage.js';

export async function quotaCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'set': {
      const { values, positionals } = parse(rest, {}, quotaUsage, { min: 2, max: 2 });
      // Validated before opening the database, so a typo changes nothing.
      const project = projectArgument(positionals[0]!);
      const quotaBytes = parseQuota(positionals[1]!);
      return withAdmin(values.config, async ({ storage, actor }) => {
        await storage.setPolicy(actor, project, { quotaBytes });
        if (quotaBytes === null) {
          print(`removed the quota of project ${project}`);
          return;
        }
        print(`quota of project ${project} is now ${quotaText(quotaBytes)}`);
        const { usedBytes } = await storage.usage(actor, project);
        if (usedBytes > quotaBytes) {
          process.stderr.write(
            `warning: project ${project} already holds ${formatBytes(usedBytes)}, more than the quota; ` +
              'pushes that add content are refused until it holds less\n',
          );
        }
      });
    }
    case 'show': {
      const { values, positionals } = parse(rest, {}, quotaUsage, { min: 1, max: 1 });
      const project = projectArgument(positionals[0]!);
      return withAdmin(values.config, async ({ storage, actor }) => {
        const view = await storage.usage(actor, project);
        const used = `${formatBytes(view.usedBytes)}${view.quotaBytes === undefined ? '' : ` (${percentUsed(view.usedBytes, view.quotaBytes)})`}`;
        print(`project ${project}\n  quota: ${quotaText(view.quotaBytes)}\n  used:  ${used}`);
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, quotaUsage);
  }
}
