/** `berth user add|passwd|rm|list|disable|enable`. */
import { parse, readSecretFromStdin, UsageError } from './cli-args.js';
import { print, printSecret, table, time } from './cli-output.js';
import { withAdmin } from './admin-session.js';
import { userUsage } from './manage-usage.js';

export async function userCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(rest, { admin: { type: 'boolean' }, 'password-stdin': { type: 'boolean' } }, userUsage, { min: 1, max: 1 });
      const password = values['password-stdin'] ? await readSecretFromStdin() : undefined;
      return withAdmin(values.config, async ({ admin, actor }) => {
        const created = await admin.users.create(actor, { name: positionals[0]!, password, systemAdmin: values.admin ?? false });
        print(`created user ${created.user.name}${created.user.systemAdmin ? ' (system admin)' : ''}`);
        if (created.generatedPassword !== undefined) printSecret('password', created.generatedPassword);
        // berth serve creates its `admin` only in an empty database, so a first user made here
        // would otherwise leave nobody able to manage the registry over HTTP.
        if (!(await admin.users.list(actor)).some((u) => u.systemAdmin && !u.disabled)) {
          process.stderr.write('note: there is no system admin yet; create one with `berth user add NAME --admin`\n');
        }
      });
    }
    case 'passwd': {
      const { values, positionals } = parse(rest, { 'password-stdin': { type: 'boolean' } }, userUsage, { min: 1, max: 1 });
      const given = values['password-stdin'] ? await readSecretFromStdin() : undefined;
      return withAdmin(values.config, async ({ admin, actor }) => {
        const generated = await admin.users.setPassword(actor, positionals[0]!, given);
        print(`changed the password of ${positionals[0]}`);
        if (generated !== undefined) printSecret('password', generated);
      });
    }
    case 'rm': {
      const { values, positionals } = parse(rest, {}, userUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.users.delete(actor, positionals[0]!);
        print(`deleted user ${positionals[0]}`);
      });
    }
    case 'list': {
      const { values } = parse(rest, {}, userUsage, { min: 0, max: 0 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const users = await admin.users.list(actor);
        const rows = users.map((u) => [u.name, u.systemAdmin ? 'yes' : 'no', u.disabled ? 'disabled' : 'active', time(u.createdAt)]);
        print(table(['NAME', 'SYSTEM ADMIN', 'STATUS', 'CREATED'], rows));
      });
    }
    case 'disable':
    case 'enable': {
      const { values, positionals } = parse(rest, {}, userUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.users.update(actor, positionals[0]!, { disabled: sub === 'disable' });
        print(`${sub}d user ${positionals[0]}`);
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, userUsage);
  }
}

