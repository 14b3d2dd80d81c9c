/** `berth project add|list|visibility|member …`. */
import { parse, UsageError } from './cli-args.js';
import { print, table, time } from './cli-output.js';
import { withAdmin } from './admin-session.js';

export const projectUsage = `Usage:
  berth project add NAME [--public]                 create a project (private unless --public)
  berth project list                                list projects
  berth project visibility NAME public|private      change who may pull
  berth project member add PROJECT USER ROLE        add or change a member (admin, maintainer,
                                                    developer, guest)
  berth project member rm PROJECT USER              remove a member
  berth project member list PROJECT                 list members
Every command takes --config FILE, as berth serve does.`;

export async function projectCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(rest, { public: { type: 'boolean' } }, projectUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const project = await admin.projects.create(actor, positionals[0]!, values.public ? 'public' : 'private');
        print(`created ${project.visibility} project ${project.name}`);
      });
    }
    case 'list': {
      const { values } = parse(rest, {}, projectUsage, { min: 0, max: 0 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const projects = await admin.projects.list(actor);
        print(table(['NAME', 'VISIBILITY', 'CREATED'], projects.map((p) => [p.name, p.visibility, time(p.createdAt)])));
      });
    }
    case 'visibility': {
      const { values, positionals } = parse(rest, {}, projectUsage, { min: 2, max: 2 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const project = await admin.projects.setVisibility(actor, positionals[0]!, positionals[1]!);
        print(`project ${project.name} is now ${project.visibility}`);
      });
    }
    case 'member':
      return memberCommand(rest);
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, projectUsage);
  }
}

async function memberCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(rest, {}, projectUsage, { min: 3, max: 3 });
      const [project, user, role] = positionals as [string, string, string];
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.projects.setMember(actor, project, user, role);
        print(`${user} is now ${role} of project ${project}`);
      });
    }
    case 'rm': {
      const { values, positionals } = parse(rest, {}, projectUsage, { min: 2, max: 2 });
      const [project, user] = positionals as [string, string];
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.projects.removeMember(actor, project, user);
        print(`removed ${user} from project ${project}`);
      });
    }
    case 'list': {
      const { values, positionals } = parse(rest, {}, projectUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const members = await admin.projects.members(actor, positionals[0]!);
        print(table(['USER', 'ROLE'], members.map((m) => [m.user, m.role])));
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing member subcommand' : `unknown member subcommand "${sub}"`, projectUsage);
  }
}
