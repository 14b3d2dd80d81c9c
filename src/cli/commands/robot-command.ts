/** `berth robot add|rm|list`. */
import { expiryFrom } from '../../core/access/lifetime.js';
import { parse, UsageError } from './cli-args.js';
import { print, printSecret, table, time } from './cli-output.js';
import { withAdmin } from './admin-session.js';
import { robotUsage } from './manage-usage.js';

export async function robotCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const options = { actions: { type: 'string' }, expires: { type: 'string' } } as const;
      const { values, positionals } = parse(rest, options, robotUsage, { min: 2, max: 2 });
      if (values.actions === undefined) throw new UsageError('--actions is required (pull, push, delete, comma-separated)', robotUsage);
      const actions = values.actions.split(',').map((a) => a.trim()).filter(Boolean);
      const expiresAt = expiryFrom(values.expires, new Date());
      return withAdmin(values.config, async ({ admin, actor }) => {
        const { robot, secret } = await admin.robots.create(actor, positionals[0]!, { name: positionals[1]!, actions, expiresAt });
        const until = robot.expiresAt === undefined ? 'never expires' : `expires ${time(robot.expiresAt)}`;
        print(`created ${robot.name} (${robot.actions.join(',')} on project ${robot.project}; ${until})`);
        printSecret('secret', secret);
      });
    }
    case 'rm': {
      const { values, positionals } = parse(rest, {}, robotUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.robots.delete(actor, positionals[0]!);
        print(`deleted ${positionals[0]}`);
      });
    }
    case 'list': {
      const { values, positionals } = parse(rest, {}, robotUsage, { min: 0, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const robots = await admin.robots.list(actor, positionals[0]);
        const rows = robots.map((r) => [r.name, r.project, r.actions.join(','), time(r.expiresAt, 'never'), time(r.createdAt)]);
        print(table(['NAME', 'PROJECT', 'ACTIONS', 'EXPIRES', 'CREATED'], rows));
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, robotUsage);
  }
}
