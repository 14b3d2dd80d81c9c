/** `berth project add|create|list|visibility|proxy|group|mirror|member …`. */
import { readFile } from 'node:fs/promises';
import type { ProjectView } from '../../core/access/admin-views.js';
import type { ProxyInput } from '../../core/mirror/proxy-settings.js';
import { parse, readSecretFromStdin, UsageError } from './cli-args.js';
import { print, table, time } from './cli-output.js';
import { withAdmin } from './admin-session.js';
import { projectUsage } from './manage-usage.js';

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
    case 'create': {
      const { values, positionals } = parse(
        rest,
        {
          public: { type: 'boolean' },
          proxy: { type: 'string' },
          ...PROXY_OPTIONS,
          'skip-verify': { type: 'boolean' },
          group: { type: 'string' },
          'push-to': { type: 'string' },
          'mirror-of': { type: 'string' },
        },
        projectUsage,
        { min: 1, max: 1 },
      );
      if (values.group !== undefined) {
        if (values.proxy !== undefined) throw new UsageError('a project is a --proxy or a --group, not both', projectUsage);
        const group = { members: memberList(values.group), ...(values['push-to'] === undefined ? {} : { pushTo: values['push-to'] }) };
        return withAdmin(values.config, async ({ admin, actor }) => {
          let project = await admin.projects.createGroup(actor, positionals[0]!, values.public ? 'public' : 'private', group);
          if (values['mirror-of'] !== undefined) project = await admin.projects.setMirrorOf(actor, project.name, values['mirror-of']);
          print(`created ${project.visibility} ${describe(project)}`);
        });
      }
      if (values['push-to'] !== undefined) throw new UsageError('--push-to needs --group', projectUsage);
      if (values.proxy === undefined && (values.username ?? values['password-stdin'] ?? values.ttl ?? values.ca ?? values['skip-verify'] ?? values['no-check']) !== undefined) {
        throw new UsageError('--username, --password-stdin, --ttl, --ca, --skip-verify and --no-check need --proxy URL', projectUsage);
      }
      const proxy =
        values.proxy === undefined
          ? undefined
          : { ...(await proxyInput(values)), url: values.proxy, skipVerify: values['skip-verify'] === true, check: !values['no-check'] };
      return withAdmin(values.config, async ({ admin, actor }) => {
        let project = await admin.projects.create(actor, positionals[0]!, values.public ? 'public' : 'private', proxy);
        if (values['mirror-of'] !== undefined) project = await admin.projects.setMirrorOf(actor, project.name, values['mirror-of']);
        print(`created ${project.visibility} ${describe(project)}`);
      });
    }
    case 'group': {
      const { values, positionals } = parse(
        rest,
        { members: { type: 'string' }, 'push-to': { type: 'string' }, 'no-push-to': { type: 'boolean' } },
        projectUsage,
        { min: 1, max: 1 },
      );
      const input = {
        ...(values.members === undefined ? {} : { members: memberList(values.members) }),
        ...(values['no-push-to'] ? { pushTo: null } : values['push-to'] === undefined ? {} : { pushTo: values['push-to'] }),
      };
      return withAdmin(values.config, async ({ admin, actor }) => {
        print(`changed ${describe(await admin.projects.setGroup(actor, positionals[0]!, input))}`);
      });
    }
    case 'mirror': {
      const { values, positionals } = parse(rest, {}, projectUsage, { min: 2, max: 2 });
      const host = positionals[1] === 'none' ? null : positionals[1]!;
      return withAdmin(values.config, async ({ admin, actor }) => {
        print(`changed ${describe(await admin.projects.setMirrorOf(actor, positionals[0]!, host))}`);
      });
    }
    case 'proxy': {
      const { values, positionals } = parse(
        rest,
        { url: { type: 'string' }, 'no-password': { type: 'boolean' }, 'no-ca': { type: 'boolean' }, ...PROXY_OPTIONS },
        projectUsage,
        { min: 1, max: 1 },
      );
      const input: ProxyInput & { check?: boolean } = { ...(await proxyInput(values)), check: !values['no-check'] };
      if (values.url !== undefined) input.url = values.url;
      if (values['no-password']) input.password = null;
      if (values['no-ca']) input.ca = null;
      if (values['skip-verify'] !== undefined) {
        if (values['skip-verify'] !== 'true' && values['skip-verify'] !== 'false') throw new UsageError('--skip-verify takes true or false here', projectUsage);
        input.skipVerify = values['skip-verify'] === 'true';
      }
      return withAdmin(values.config, async ({ admin, actor }) => {
        const project = await admin.projects.setProxy(actor, positionals[0]!, input);
        print(`changed ${describe(project)}`);
      });
    }
    case 'list': {
      const { values } = parse(rest, {}, projectUsage, { min: 0, max: 0 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const projects = await admin.projects.list(actor);
        print(
          table(
            ['NAME', 'VISIBILITY', 'KIND', 'CREATED'],
            projects.map((p) => [p.name, p.visibility, kindOf(p), time(p.createdAt)]),
          ),
        );
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

/** Options shared by `project create --proxy` and `project proxy`. */
const PROXY_OPTIONS = {
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  ttl: { type: 'string' },
  ca: { type: 'string' },
  'skip-verify': { type: 'string' },
  'no-check': { type: 'boolean' },
} as const;

async function proxyInput(values: { username?: string; 'password-stdin'?: boolean; ttl?: string; ca?: string }): Promise<ProxyInput> {
  const input: ProxyInput = {};
  if (values.username !== undefined) input.username = values.username;
  if (values['password-stdin']) input.password = await readSecretFromStdin();
  if (values.ttl !== undefined) input.ttl = values.ttl;
  if (values.ca !== undefined) {
    try {
      input.ca = await readFile(values.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`--ca ${values.ca} cannot be read: ${(error as Error).message}`, projectUsage);
    }
  }
  return input;
}

function memberList(value: string): string[] {
  return value.split(',').map((m) => m.trim()).filter((m) => m !== '');
}

function kindOf(p: ProjectView): string {
  const kind = p.group !== undefined ? `group of ${p.group.members.join(',')}` : p.proxy === undefined ? 'hosted' : `proxy of ${p.proxy.upstream}`;
  return p.mirrorOf === undefined ? kind : `${kind}, mirror of ${p.mirrorOf.join(',')}`;
}

function describe(project: ProjectView): string {
  const mirror = project.mirrorOf === undefined ? '' : ` (mirror of ${project.mirrorOf.join(', ')})`;
  if (project.group !== undefined) {
    const push = project.group.pushTo === undefined ? 'pushes refused' : `pushes to ${project.group.pushTo}`;
    return `group project ${project.name} of ${project.group.members.join(', ')} (${push})${mirror}`;
  }
  if (project.proxy === undefined) return `project ${project.name}${mirror}`;
  const p = project.proxy;
  return `proxy project ${project.name} of ${p.url} (tags re-validated after ${p.ttlSeconds}s${p.username === undefined ? '' : `, as ${p.username}`})${mirror}`;
}
