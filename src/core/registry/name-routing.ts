/**
 * Names that are served from another repository: group projects and transparent mirrors.
 *
 * Groups (Nexus's model): `all/library/nginx` in group `all` with members `team, hub` is the
 * same path in each member, `team/library/nginx` then `hub/library/nginx`. A manifest read
 * tries the members in order and the first that has it wins; a blob read is served by a
 * member that links the digest, else by a proxy member that can fetch it. Only members the
 * caller may pull are ever consulted, so a public group never shows a private member's content.
 * Writes go to the group's push member (the caller needs push there too), or are refused.
 *
 * Mirrors: a pull of a name whose project does not exist (the Docker engine's registry-mirrors
 * asks for `library/busybox`) is served from the project that mirrors docker.io, with its name
 * unchanged for the client; containerd's `?ns=<host>` picks the project mirroring that host.
 */
import type { GroupSettings } from '../../ports/proxy-store.js';
import { projectOf } from '../../ports/project-name.js';
import type { Action } from '../access/actions.js';
import { BlobUnknownError, DeniedError, ManifestUnknownError, NameUnknownError, RegistryError } from '../errors.js';
import type { BlobService } from './blob-service.js';
import type { ManifestService } from './manifest-service.js';
import type { RegistryDeps } from './registry-deps.js';

/** What the routing asks of the caller: whether they may act on a member repository. */
export interface RoutingCaller {
  may(repository: string, action: Action): Promise<boolean>;
}

export type RoutedOperation =
  | { kind: 'manifest'; reference: string }
  | { kind: 'blob'; digest: string }
  | { kind: 'tags' }
  | { kind: 'referrers'; digest: string }
  | { kind: 'write'; action: Action };

/** Misses that let the next member answer; anything else is remembered and reported if none does. */
const MISSES = new Set(['manifest-unknown', 'name-unknown', 'blob-unknown', 'not-found']);

export class NameRouting {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly manifests: ManifestService,
    private readonly blobs: BlobService,
  ) {}

  /** The group a repository is read through, with the repository's path inside it; undefined when none. */
  async groupOf(repository: string): Promise<{ project: string; path: string; settings: GroupSettings } | undefined> {
    const routing = this.deps.mirror?.routing;
    if (routing === undefined) return undefined;
    const project = projectOf(repository);
    if (project === repository) return undefined;
    const settings = await routing.group(project);
    return settings === undefined ? undefined : { project, path: repository.slice(project.length + 1), settings };
  }

  /**
   * The member repository that serves `operation` on `repository` of a group, or undefined when
   * its project is no group. Throws the registry's own 404 when no member may answer.
   */
  async member(repository: string, operation: RoutedOperation, caller: RoutingCaller): Promise<string | undefined> {
    const group = await this.groupOf(repository);
    if (group === undefined) return undefined;
    const { project, path, settings } = group;
    if (operation.kind === 'write') return this.pushMember(repository, project, path, settings, operation.action, caller);
    const readable: string[] = [];
    for (const member of settings.members) {
      const candidate = `${member}/${path}`;
      if (await caller.may(candidate, 'pull')) readable.push(candidate);
    }
    switch (operation.kind) {
      case 'manifest':
        return this.firstWithManifest(repository, readable, operation.reference);
      case 'blob':
        return this.firstWithBlob(repository, readable, operation.digest);
      case 'tags':
        for (const candidate of readable) if ((await this.deps.metadata.listTags(candidate, { limit: 1 })).length > 0) return candidate;
        return this.firstOrUnknown(repository, readable);
      case 'referrers':
        for (const candidate of readable) if (await this.deps.metadata.manifest(candidate, operation.digest)) return candidate;
        return this.firstOrUnknown(repository, readable);
    }
  }

  /**
   * The member repositories of a group repository the caller may pull, in member order;
   * undefined when its project is no group. A group's tag list merges these.
   */
  async readableMembers(repository: string, caller: RoutingCaller): Promise<string[] | undefined> {
    const group = await this.groupOf(repository);
    if (group === undefined) return undefined;
    const readable: string[] = [];
    for (const member of group.settings.members) {
      const candidate = `${member}/${group.path}`;
      if (await caller.may(candidate, 'pull')) readable.push(candidate);
    }
    return readable;
  }

  /** A project's members when it is a group (a connector's catalog lists theirs); else undefined. */
  async groupMembers(project: string): Promise<readonly string[] | undefined> {
    return (await this.deps.mirror?.routing.group(project))?.members;
  }

  /**
   * The repository a cross-repository mount from `from` takes `digest` from: `from` itself, or
   * for a group the first member the caller may pull that links it. Undefined when no member
   * does, so the caller falls back to an ordinary upload; an upstream is never asked (a mount
   * must not make a proxy fetch, nor say whether the upstream has the blob).
   */
  async mountSource(from: string, digest: string, caller: RoutingCaller): Promise<string | undefined> {
    const members = await this.readableMembers(from, caller);
    if (members === undefined) return from;
    for (const member of members) if (await this.deps.metadata.linkedBlob(member, digest)) return member;
    return undefined;
  }

  /**
   * For a read of a name that is no project: the name in the project mirroring `ns` (or, without
   * it, docker.io), or undefined when no mirror serves it. With `ns` the name is always the
   * upstream's; without, only names whose project is unknown here are redirected, so a hosted
   * or proxy repository is never shadowed by the mirror.
   */
  async mirrored(repository: string, ns: string | undefined): Promise<string | undefined> {
    const routing = this.deps.mirror?.routing;
    if (routing === undefined) return undefined;
    if (ns !== undefined) {
      const project = await routing.mirrorOf(normalizeHost(ns));
      return project === undefined ? undefined : `${project}/${repository}`;
    }
    const project = await routing.mirrorOf('docker.io');
    if (project === undefined) return undefined;
    if (await this.isKnown(projectOf(repository), repository)) return undefined;
    return `${project}/${repository}`;
  }

  private async isKnown(project: string, repository: string): Promise<boolean> {
    const mirror = this.deps.mirror!;
    if ((await this.deps.projectExists?.(project)) === true) return true;
    if ((await mirror.targets.settingsOf(project)) !== undefined) return true;
    if ((await mirror.routing.group(project)) !== undefined) return true;
    return this.deps.metadata.hasRepository(repository);
  }

  private async pushMember(repository: string, project: string, path: string, settings: GroupSettings, action: Action, caller: RoutingCaller): Promise<string> {
    if (settings.pushTo === undefined) {
      throw new DeniedError(
        `${project} is a group of ${settings.members.join(', ')} with no push member; push to one of them, or give the group one (berth project group ${project} --push-to MEMBER)`,
        { rule: 'group-project', project, members: settings.members, action },
      );
    }
    const target = `${settings.pushTo}/${path}`;
    if (!(await caller.may(target, action))) {
      throw new DeniedError(`${action} to ${repository} goes to ${target}, which you may not ${action}`, { rule: 'group-project', project, member: settings.pushTo, action });
    }
    return target;
  }

  /** Never a member the caller may not pull: with none, the group's name is unknown to them. */
  private firstOrUnknown(repository: string, readable: string[]): string {
    if (readable[0] !== undefined) return readable[0];
    throw new NameUnknownError('repository name not known to registry', { name: repository });
  }

  private async firstWithManifest(repository: string, candidates: string[], reference: string): Promise<string> {
    let failure: unknown;
    for (const candidate of candidates) {
      try {
        await this.manifests.get(candidate, reference);
        return candidate;
      } catch (error) {
        if (error instanceof RegistryError && MISSES.has(error.kind)) continue;
        // An upstream that is down must not hide what a later member has.
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    throw new ManifestUnknownError('manifest unknown to registry', { repository, reference });
  }

  private async firstWithBlob(repository: string, candidates: string[], digest: string): Promise<string> {
    for (const candidate of candidates) if (await this.deps.metadata.linkedBlob(candidate, digest)) return candidate;
    const mirror = this.deps.mirror!;
    const proxied: string[] = [];
    for (const candidate of candidates) if ((await mirror.targetOf(candidate)) !== undefined) proxied.push(candidate);
    // One proxy member: let the blob stream through it. Several: fetch from the first that has it.
    if (proxied.length === 1) return proxied[0]!;
    for (const candidate of proxied) {
      try {
        await this.blobs.stat(candidate, digest);
        return candidate;
      } catch (error) {
        if (!(error instanceof RegistryError && MISSES.has(error.kind))) throw error;
      }
    }
    throw new BlobUnknownError('blob unknown to registry', { repository, digest });
  }
}

/** `registry-1.docker.io`, `index.docker.io` and `docker.io` are one upstream; others by host, lower-cased. */
export function normalizeHost(value: string): string {
  const host = value.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return /^(registry-1|index)\.docker\.io$/.test(host) ? 'docker.io' : host;
}
