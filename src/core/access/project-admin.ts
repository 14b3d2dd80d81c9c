/**
 * Projects: the first component of a repository name, carrying visibility and members with
 * roles. System admins create projects; so may any user when the policy lets pushes create
 * projects (refusing the explicit form of what a push would do anyway would only confuse).
 * A project is visible to its members, to system admins, and (when public) to everyone the
 * policy lets pull; to anyone else it does not exist, so private names are not disclosed.
 */
import type { MemberRecord, ProjectRecord, Visibility } from '../../ports/access-store.js';
import type { GroupSettings, ProxySettings } from '../../ports/proxy-store.js';
import { groupDetail, groupFrom, type GroupInput } from '../mirror/group-admin.js';
import { normalizeHost } from '../registry/name-routing.js';
import { ConflictError, InvalidInputError, NotFoundError, UnsupportedError } from '../errors.js';
import { checkUpstream, proxyDetail, proxyView, settingsFrom } from '../mirror/proxy-admin.js';
import type { ProxyInput } from '../mirror/proxy-settings.js';
import { projectOf, roleManages } from './actions.js';
import type { Actor, AdminContext } from './admin-context.js';
import { assertProjectName, assertRole, assertUserName, assertVisibility } from './admin-rules.js';
import type { ProjectView } from './admin-views.js';
import { unknownUser } from './user-admin.js';

export class ProjectAdmin {
  constructor(private readonly ctx: AdminContext) {}

  async list(actor: Actor): Promise<ProjectView[]> {
    const [projects, roles, proxies, routing] = await Promise.all([this.ctx.store.listProjects(), this.rolesOf(actor), this.proxies(), this.routing()]);
    return projects
      .filter((p) => this.visible(actor, p, roles))
      .map((p) => this.view(actor, p, roles, proxies.get(p.name), routing.groups.get(p.name), routing.mirrors.get(p.name)));
  }

  async get(actor: Actor, name: string): Promise<ProjectView> {
    const [project, roles] = await Promise.all([this.ctx.store.project(name), this.rolesOf(actor)]);
    if (!project || !this.visible(actor, project, roles)) throw unknownProject(name);
    const store = this.ctx.deps.proxies?.store;
    const mirrors = (await store?.listMirrors())?.filter((m) => m.project === name).map((m) => m.host);
    return this.view(actor, project, roles, await store?.get(name), await store?.group(name), mirrors);
  }

  /** A group project (system admins only): members in pull order, and the hosted member pushes go to. */
  async createGroup(actor: Actor, name: string, visibility: string, input: GroupInput): Promise<ProjectView> {
    await this.ctx.requireSystemAdmin(actor, 'project.create', { repository: name, detail: 'kind=group' });
    const deps = this.proxyDeps();
    const project = assertProjectName(name);
    const value = assertVisibility(visibility);
    if (await this.ctx.store.project(project)) throw new ConflictError(`project ${project} already exists`, { name: project });
    const settings = await groupFrom(project, input, undefined, deps.store, async (n) => (await this.ctx.store.project(n)) !== undefined);
    // The settings before the project: a push racing the creation must find it a group already.
    await deps.store.setGroup(project, settings);
    deps.changed?.(project);
    const view = await this.createProject(actor, project, value, 'explicit', undefined, settings);
    return view;
  }

  /** Changes a group's members or push member (system admins only). */
  async setGroup(actor: Actor, name: string, input: GroupInput): Promise<ProjectView> {
    await this.ctx.requireSystemAdmin(actor, 'project.group', { repository: name });
    const deps = this.proxyDeps();
    await this.requireProject(name);
    const previous = await deps.store.group(name);
    if (previous === undefined) throw new ConflictError(`project ${name} is not a group; create one with --group`, { name });
    const settings = await groupFrom(name, input, previous, deps.store, async (n) => (await this.ctx.store.project(n)) !== undefined);
    await deps.store.setGroup(name, settings);
    deps.changed?.(name);
    await this.ctx.record(actor, 'project.group', { repository: name, detail: groupDetail(settings) });
    return this.get(actor, name);
  }

  /**
   * Makes the project the transparent mirror of an upstream host (system admins only): pulls of
   * names that are no project here (or that carry `?ns=<host>`) are served from it. Null: the
   * project mirrors no host any more.
   */
  async setMirrorOf(actor: Actor, name: string, host: string | null): Promise<ProjectView> {
    await this.ctx.requireSystemAdmin(actor, 'project.mirror', { repository: name });
    const deps = this.proxyDeps();
    await this.requireProject(name);
    if (host === null) {
      for (const mirror of await deps.store.listMirrors()) if (mirror.project === name) await deps.store.setMirror(mirror.host, undefined);
    } else {
      const normalized = normalizeHost(host);
      if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(normalized)) throw new InvalidInputError(`mirror host ${JSON.stringify(host)} is not a host name such as docker.io or ghcr.io`, { host });
      if ((await deps.store.get(name)) === undefined && (await deps.store.group(name)) === undefined) {
        throw new ConflictError(`project ${name} is hosted; only a proxy or group project can mirror an upstream host`, { name });
      }
      await deps.store.setMirror(normalized, name);
    }
    deps.changed?.(name);
    await this.ctx.record(actor, 'project.mirror', { repository: name, detail: `mirror-of=${host === null ? 'none' : normalizeHost(host)}` });
    return this.get(actor, name);
  }

  /**
   * With `proxy`, a proxy project (system admins only): its upstream is pinged first unless
   * `proxy.check` is false, and the project is not created when that fails.
   */
  async create(actor: Actor, name: string, visibility: string = 'private', proxy?: ProxyInput & { check?: boolean }): Promise<ProjectView> {
    const mayCreate = this.ctx.isSystemAdmin(actor) || (actor.kind === 'user' && this.ctx.deps.authorizer.policy.createProjectsOnPush);
    if (!mayCreate) throw await this.ctx.deny(actor, 'project.create', { repository: name });
    if (proxy === undefined) return this.createProject(actor, assertProjectName(name), assertVisibility(visibility), 'explicit');
    await this.ctx.requireSystemAdmin(actor, 'project.create', { repository: name, detail: 'kind=proxy' });
    const deps = this.proxyDeps();
    const project = assertProjectName(name);
    const value = assertVisibility(visibility);
    if (await this.ctx.store.project(project)) throw new ConflictError(`project ${project} already exists`, { name: project });
    const settings = await settingsFrom(deps.secrets, proxy);
    if (proxy.check !== false) await checkUpstream(deps, project, settings);
    // The settings before the project: a push racing the creation must find it a proxy already.
    await deps.store.set(project, settings);
    deps.changed?.(project);
    return this.createProject(actor, project, value, 'explicit', settings);
  }

  /** Changes a proxy project's upstream settings (system admins only); pinged unless `check` is false. */
  async setProxy(actor: Actor, name: string, proxy: ProxyInput & { check?: boolean }): Promise<ProjectView> {
    await this.ctx.requireSystemAdmin(actor, 'project.proxy', { repository: name });
    const deps = this.proxyDeps();
    await this.requireProject(name);
    const previous = await deps.store.get(name);
    if (previous === undefined) {
      throw new ConflictError(`project ${name} is hosted; only a proxy project has upstream settings (create one with --proxy)`, { name });
    }
    const settings = await settingsFrom(deps.secrets, proxy, previous);
    if (proxy.check !== false) await checkUpstream(deps, name, settings);
    await deps.store.set(name, settings);
    deps.changed?.(name);
    await this.ctx.record(actor, 'project.proxy', { repository: name, detail: proxyDetail(settings) });
    return this.get(actor, name);
  }

  async setVisibility(actor: Actor, name: string, visibility: string): Promise<ProjectView> {
    await this.ctx.requireProjectManager(actor, name, 'project.visibility');
    const value = assertVisibility(visibility);
    if (!(await this.ctx.store.updateProject(name, { visibility: value }))) throw unknownProject(name);
    await this.ctx.record(actor, 'project.visibility', { repository: name, detail: `visibility=${value}` });
    return this.get(actor, name);
  }

  /** Members are shown to the project's members and to system admins. */
  async members(actor: Actor, name: string): Promise<MemberRecord[]> {
    const roles = await this.rolesOf(actor);
    if (!this.ctx.isSystemAdmin(actor) && !roles.has(name)) {
      const project = await this.ctx.store.project(name);
      if (!project || !this.visible(actor, project, roles)) throw unknownProject(name);
      throw await this.ctx.deny(actor, 'member.list', { repository: name });
    }
    if (!(await this.ctx.store.project(name))) throw unknownProject(name);
    return this.ctx.store.members(name);
  }

  async setMember(actor: Actor, project: string, user: string, role: string): Promise<MemberRecord> {
    await this.ctx.requireProjectManager(actor, project, 'member.set', { detail: `user=${user}` });
    const member: MemberRecord = { project, user: assertUserName(user), role: assertRole(role) };
    await this.requireProject(project);
    if (!(await this.ctx.store.user(user))) throw unknownUser(user);
    if (!roleManages(member.role)) await this.keepAManager(actor, project, user);
    await this.ctx.store.setMember(member);
    await this.ctx.record(actor, 'member.set', { repository: project, detail: `user=${user} role=${member.role}` });
    return member;
  }

  async removeMember(actor: Actor, project: string, user: string): Promise<void> {
    await this.ctx.requireProjectManager(actor, project, 'member.remove', { detail: `user=${user}` });
    await this.keepAManager(actor, project, user);
    if (!(await this.ctx.store.removeMember(project, user))) {
      throw new NotFoundError(`${user} is not a member of project ${project}`, { project, user });
    }
    await this.ctx.record(actor, 'member.remove', { repository: project, detail: `user=${user}` });
  }

  /**
   * Called before a push to `repository`: when its project does not exist and the authorizer
   * grants the pusher push anyway (projects created on push, or a system admin), creates it
   * private with the pusher as its admin. True when it created the project.
   */
  async ensureProjectForPush(actor: Actor, repository: string): Promise<boolean> {
    const name = projectOf(repository);
    if (await this.ctx.store.project(name)) return false;
    if (!(await this.ctx.deps.authorizer.granted(actor, repository)).has('push')) return false;
    try {
      await this.createProject(actor, assertProjectName(name), 'private', 'push');
      return true;
    } catch (error) {
      // Two first pushes to one new project race; whoever lost finds it created, which is fine.
      if (error instanceof ConflictError) return false;
      throw error;
    }
  }

  private async createProject(
    actor: Actor,
    name: string,
    visibility: Visibility,
    how: 'explicit' | 'push',
    proxy?: ProxySettings,
    group?: GroupSettings,
  ): Promise<ProjectView> {
    const record: ProjectRecord = { name, visibility, createdAt: this.ctx.deps.now() };
    await this.ctx.createOnce(
      () => this.ctx.store.createProject(record),
      async () => (await this.ctx.store.project(name)) !== undefined,
      () => new ConflictError(`project ${name} already exists`, { name }),
    );
    // The creator becomes its admin when they are a stored user (not the CLI, which has no account).
    const owner = actor.kind === 'user' && (await this.ctx.store.user(actor.name)) !== undefined ? actor.name : undefined;
    if (owner !== undefined) await this.ctx.store.setMember({ project: name, user: owner, role: 'admin' });
    const detail = `visibility=${visibility}${owner === undefined ? '' : ` admin=${owner}`}${how === 'push' ? ' on=push' : ''}${proxy === undefined ? '' : ` ${proxyDetail(proxy)}`}${group === undefined ? '' : ` ${groupDetail(group)}`}`;
    await this.ctx.record(actor, 'project.create', { repository: name, detail });
    const roles = new Map<string, MemberRecord['role']>(owner === undefined ? [] : [[name, 'admin']]);
    return this.view(actor, record, roles, proxy, group);
  }

  private proxyDeps() {
    const deps = this.ctx.deps.proxies;
    if (deps === undefined) throw new UnsupportedError('proxy projects are not available here');
    return deps;
  }

  private async proxies(): Promise<Map<string, ProxySettings>> {
    const list = (await this.ctx.deps.proxies?.store.list()) ?? [];
    return new Map(list.map((p) => [p.project, p.settings]));
  }

  private async routing(): Promise<{ groups: Map<string, GroupSettings>; mirrors: Map<string, string[]> }> {
    const store = this.ctx.deps.proxies?.store;
    const [groups, mirrors] = await Promise.all([store?.listGroups() ?? [], store?.listMirrors() ?? []]);
    const byProject = new Map<string, string[]>();
    for (const m of mirrors) byProject.set(m.project, [...(byProject.get(m.project) ?? []), m.host]);
    return { groups: new Map(groups.map((g) => [g.project, g.settings])), mirrors: byProject };
  }

  private view(
    actor: Actor,
    project: ProjectRecord,
    roles: Map<string, MemberRecord['role']>,
    proxy: ProxySettings | undefined,
    group?: GroupSettings,
    mirrorOf?: string[],
  ): ProjectView {
    const role = roles.get(project.name);
    return {
      ...project,
      ...(role === undefined ? {} : { role }),
      kind: group !== undefined ? 'group' : proxy === undefined ? 'hosted' : 'proxy',
      ...(proxy === undefined ? {} : { proxy: proxyView(proxy, this.ctx.isSystemAdmin(actor)) }),
      // Member names only: what each member holds stays behind its own access.
      ...(group === undefined ? {} : { group: { members: group.members, ...(group.pushTo === undefined ? {} : { pushTo: group.pushTo }) } }),
      ...(mirrorOf === undefined || mirrorOf.length === 0 ? {} : { mirrorOf }),
    };
  }

  /** A project admin may not remove or demote the project's last admin (themselves included). */
  private async keepAManager(actor: Actor, project: string, user: string): Promise<void> {
    if (this.ctx.isSystemAdmin(actor)) return;
    const admins = (await this.ctx.store.members(project)).filter((m) => roleManages(m.role));
    if (admins.length === 1 && admins[0]!.user === user) {
      throw new ConflictError(`${user} is the last admin of project ${project}; make someone else its admin first`, { project, user });
    }
  }

  private async rolesOf(actor: Actor): Promise<Map<string, MemberRecord['role']>> {
    if (actor.kind !== 'user') return new Map();
    return new Map((await this.ctx.store.memberships(actor.name)).map((m) => [m.project, m.role]));
  }

  private visible(actor: Actor, project: ProjectRecord, roles: Map<string, MemberRecord['role']>): boolean {
    if (this.ctx.isSystemAdmin(actor) || roles.has(project.name)) return true;
    if (actor.kind === 'robot' && actor.project === project.name) return true;
    if (project.visibility !== 'public') return false;
    return actor.kind !== 'anonymous' || this.ctx.deps.authorizer.policy.anonymousPull;
  }

  private async requireProject(project: string): Promise<void> {
    if (!(await this.ctx.store.project(project))) throw unknownProject(project);
  }
}

export function unknownProject(name: string): NotFoundError {
  return new NotFoundError(`project ${name} does not exist`, { name });
}
