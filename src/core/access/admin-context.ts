/**
 * What every management use case shares: its dependencies, the acting principal, the
 * permission checks, and the audit trail. A refused attempt is audited as `denied` before it
 * is refused, because a probe of the management API is exactly what an operator wants to see.
 */
import { randomBytes } from 'node:crypto';
import type { AccessStore, RefreshTokenMatch } from '../../ports/access-store.js';
import type { InitialPasswordNote } from '../../ports/initial-password.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import { ConflictError, DeniedError, UnauthorizedError } from '../errors.js';
import type { ProxyAdminDeps } from '../mirror/proxy-admin.js';
import type { WebhookAdminDeps } from '../webhooks/webhook-admin.js';
import type { AuditLog } from './audit-log.js';
import type { Authorizer } from './authorizer.js';
import type { RuntimeSettings } from './runtime-settings.js';
import { principalName, type Principal } from './principal.js';

export interface AdminDeps {
  store: AccessStore;
  hasher: PasswordHasher;
  authorizer: Authorizer;
  /** The system settings the authorizer's policy reads (SettingsAdmin changes them). */
  settings: RuntimeSettings;
  audit: AuditLog;
  now: () => Date;
  /** Where the bootstrap admin's generated password waits; emptied when that password changes. */
  initialPassword?: InitialPasswordNote;
  /** Proxy projects' settings (core/mirror/proxy-admin.ts); absent: only hosted projects. */
  proxies?: ProxyAdminDeps;
  /** Project webhooks (core/webhooks/webhook-admin.ts); absent: not managed here. */
  webhooks?: WebhookAdminDeps;
}

/** The principal acting, and where from when known (for the audit log). */
export type Actor = Principal & { readonly clientIp?: string };

export interface AuditTarget {
  /** The project (or repository) concerned; the audit log filters on it. */
  repository?: string;
  /** The rest of what was done, as `key=value` pairs. Never a secret. */
  detail?: string;
}

export class AdminContext {
  constructor(readonly deps: AdminDeps) {}

  get store(): AccessStore {
    return this.deps.store;
  }

  async record(actor: Actor, action: string, target: AuditTarget = {}): Promise<void> {
    await this.deps.audit.record({ actor: principalName(actor), clientIp: actor.clientIp, action, result: 'success', ...target });
  }

  /** Audits the refusal and returns the error to throw: 401 for nobody, 403 for a known caller. */
  async deny(actor: Actor, action: string, target: AuditTarget = {}): Promise<Error> {
    await this.deps.audit.record({ actor: principalName(actor), clientIp: actor.clientIp, action, result: 'denied', ...target });
    if (actor.kind === 'anonymous') return new UnauthorizedError('sign in to manage users, projects, robots and tokens');
    return new DeniedError(`${principalName(actor)} may not ${describeAction(action)}`, { action, ...target });
  }

  isSystemAdmin(actor: Actor): boolean {
    return actor.kind === 'user' && actor.systemAdmin;
  }

  async requireSystemAdmin(actor: Actor, action: string, target?: AuditTarget): Promise<void> {
    if (!this.isSystemAdmin(actor)) throw await this.deny(actor, action, target);
  }

  /**
   * Creating or changing a credential (a personal access token, a password, a user, a robot)
   * needs the account's password, not a personal access token: otherwise a leaked token could
   * mint credentials that outlive its revocation. The CLI counts as the password (whoever runs
   * it holds the database). Call after the permission check, so a caller who may not do the
   * action at all is told that first.
   */
  async requirePassword(actor: Actor, action: string, target: AuditTarget = {}): Promise<void> {
    if (actor.kind === 'anonymous') throw await this.deny(actor, action, target);
    const how = actor.credential?.kind;
    if (how === 'password' || how === 'cli') return;
    await this.deps.audit.record({
      actor: principalName(actor),
      clientIp: actor.clientIp,
      action,
      result: 'denied',
      ...target,
      detail: `${target.detail === undefined ? '' : `${target.detail} `}reason=needs the password`,
    });
    const used = how === 'pat' ? 'a personal access token' : how === 'robot' ? 'a robot secret' : 'this credential';
    throw new DeniedError(
      `sign in with your password to ${describeAction(action)}: ${used} may not create or change credentials`,
      { action, needs: 'password' },
    );
  }

  /** Revokes the matching refresh tokens and audits it once, when there were any. */
  async revokeRefreshTokens(actor: Actor, match: RefreshTokenMatch, reason: string): Promise<number> {
    const ids = await this.deps.store.revokeRefreshTokens(match, this.deps.now());
    if (ids.length > 0) {
      const account = match.account === undefined ? '' : ` account=${match.account}`;
      await this.record(actor, 'refresh.revoke', { detail: `${account.trim()} count=${ids.length} ${ids.length <= 20 ? `ids=${ids.join(',')}` : `ids=${ids.slice(0, 20).join(',')},…`} reason=${reason}`.trim() });
    }
    return ids.length;
  }

  /**
   * Ends a user's browser sessions and audits it once, when there were any. A session also
   * checks its password and account on every use; deleting it here is what keeps a disabled
   * and then re-enabled account from getting its old sessions back.
   */
  async endSessions(actor: Actor, user: string, reason: string): Promise<number> {
    const count = await this.deps.store.deleteSessions({ user });
    if (count > 0) await this.record(actor, 'session.signout', { detail: `user=${user} count=${count} reason=${reason}` });
    return count;
  }

  /** System admins and the project's admins manage its members, robots and visibility. */
  async requireProjectManager(actor: Actor, project: string, action: string, target: AuditTarget = {}): Promise<void> {
    if (!(await this.deps.authorizer.mayManageProject(actor, project))) {
      throw await this.deny(actor, action, { repository: project, ...target });
    }
  }

  /**
   * Runs a store `create…` that core has already checked is free; when another caller took the
   * key in between, the store rejects and the caller gets the same conflict as if it had lost
   * the check.
   */
  async createOnce(create: () => Promise<void>, exists: () => Promise<boolean>, conflict: () => ConflictError): Promise<void> {
    if (await exists()) throw conflict();
    try {
      await create();
    } catch (error) {
      if (await exists()) throw conflict();
      throw error;
    }
  }
}

/** A fresh secret for a robot or a token: 192 random bits, URL- and header-safe. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

const PHRASES: Readonly<Record<string, string>> = {
  'user.list': 'list users',
  'user.read': 'see this user',
  'user.create': 'create users',
  'user.passwd': "change this user's password",
  'user.delete': 'delete users',
  'user.disable': 'disable users',
  'user.enable': 'enable users',
  'user.admin': 'grant or revoke system admin',
  'token.list': "list this user's tokens",
  'token.create': 'create tokens for this user',
  'token.revoke': 'revoke this token',
  'refresh.list': "list this account's refresh tokens",
  'refresh.revoke': 'revoke this refresh token',
  'robot.list': 'list these robot accounts',
  'robot.create': 'create robot accounts in this project',
  'robot.delete': 'delete robot accounts in this project',
  'project.create': 'create projects',
  'project.visibility': "change this project's visibility",
  'member.list': "list this project's members",
  'member.set': "change this project's members",
  'member.remove': "change this project's members",
  'audit.read': 'read the audit log',
  'settings.read': 'read the system settings (system admins only)',
  'settings.set': 'change the system settings (system admins only)',
  'audit.prune': 'prune the audit log',
  'webhook.list': "see this project's webhooks",
  'webhook.create': 'add webhooks to this project',
  'webhook.update': "change this project's webhooks",
  'webhook.delete': "remove this project's webhooks",
  'policy.set': "change this project's policy",
  'quota.set': 'set storage quotas (system admins only)',
  'usage.read': "see every project's usage",
  'retention.run': "run this project's retention rules",
  'gc.run': 'run garbage collection',
  'gc.read': 'see garbage collection status',
  'repository.delete': 'delete this repository',
  delete: 'delete in this repository',
  restore: 'restore tags in this repository',
  'deleted-tags.read': "see this repository's deleted tags",
  'description.set': "edit this repository's description (it needs the push right)",
};

function describeAction(action: string): string {
  return PHRASES[action] ?? action;
}
