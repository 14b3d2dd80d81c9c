/**
 * Decides what a principal may do to a repository. The project is the repository's first path
 * segment; its visibility and the principal's membership (or a robot's grant) decide. System
 * admins may do everything. A project that does not exist yet grants a user push only when
 * projects are created on first push; the push then makes that user the project's admin.
 */
import type { AccessStore } from '../../ports/access-store.js';
import { ALL_ACTIONS, projectOf, roleActions, roleManages, type Action } from './actions.js';
import type { Principal } from './principal.js';
import { refusalMessage, type RefusalFacts } from './refusal.js';

export interface AccessPolicy {
  /** Anonymous callers may pull from public projects. */
  anonymousPull: boolean;
  /** A user pushing to a project that does not exist creates it (and becomes its admin). */
  createProjectsOnPush: boolean;
}

export class Authorizer {
  constructor(
    private readonly store: AccessStore,
    readonly policy: AccessPolicy,
  ) {}

  async granted(principal: Principal, repository: string): Promise<Set<Action>> {
    if (principal.kind === 'user' && principal.systemAdmin) return new Set(ALL_ACTIONS);
    const name = projectOf(repository);
    const project = await this.store.project(name);
    if (!project) {
      const mayCreate = principal.kind === 'user' && this.policy.createProjectsOnPush;
      return new Set(mayCreate ? ALL_ACTIONS : []);
    }
    const actions = new Set<Action>();
    if (project.visibility === 'public' && (principal.kind !== 'anonymous' || this.policy.anonymousPull)) {
      actions.add('pull');
    }
    if (principal.kind === 'user') {
      const membership = (await this.store.memberships(principal.name)).find((m) => m.project === name);
      for (const action of membership ? roleActions[membership.role] : []) actions.add(action);
    } else if (principal.kind === 'robot' && principal.project === name) {
      for (const action of principal.actions) actions.add(action);
    }
    return actions;
  }

  /**
   * Why `principal` may not `action` on `repository`, as a message saying what to do next
   * (see refusal.ts); `host` is the registry's address as the caller reached it. Only for a
   * refusal `granted` decided: it does not re-check the grant.
   */
  async whyDenied(principal: Principal, repository: string, action: Action, host: string): Promise<string> {
    return refusalMessage(await this.refusalFacts(principal, repository, action), host);
  }

  private async refusalFacts(principal: Principal, repository: string, action: Action): Promise<RefusalFacts> {
    if (principal.kind === 'anonymous') return { kind: 'anonymous' };
    const name = projectOf(repository);
    if (principal.kind === 'robot') return { kind: 'robot', robot: principal, project: name, action };
    const project = await this.store.project(name);
    const membership = project && (await this.store.memberships(principal.name)).find((m) => m.project === name);
    if (membership) return { kind: 'member', project: name, role: membership.role, action };
    if (project?.visibility === 'public') return { kind: 'public-outsider', project: name, action };
    return { kind: 'hidden', project: name, createOnPush: this.policy.createProjectsOnPush };
  }

  async mayManageProject(principal: Principal, project: string): Promise<boolean> {
    if (principal.kind !== 'user') return false;
    if (principal.systemAdmin) return true;
    const membership = (await this.store.memberships(principal.name)).find((m) => m.project === project);
    return membership !== undefined && roleManages(membership.role);
  }

  /** Of `repositories`, the ones the principal may pull (for the catalog and listings). */
  async pullable(principal: Principal, repositories: readonly string[]): Promise<string[]> {
    if (principal.kind === 'user' && principal.systemAdmin) return [...repositories];
    const byProject = new Map<string, boolean>();
    const result: string[] = [];
    for (const repository of repositories) {
      const project = projectOf(repository);
      let allowed = byProject.get(project);
      if (allowed === undefined) {
        allowed = (await this.granted(principal, repository)).has('pull');
        byProject.set(project, allowed);
      }
      if (allowed) result.push(repository);
    }
    return result;
  }
}
