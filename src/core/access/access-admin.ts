/**
 * The management use cases in one object, built once per process and shared by the CLI and
 * the /api/v1 edge, so both apply the same permissions, validation and audit trail.
 */
import type { MemberRecord } from '../../ports/access-store.js';
import type { Action } from './actions.js';
import { AdminContext, type Actor, type AdminDeps } from './admin-context.js';
import { AuditQuery } from './audit-query.js';
import { ProjectAdmin } from './project-admin.js';
import { RefreshTokenAdmin } from './refresh-token-admin.js';
import { RobotAdmin } from './robot-admin.js';
import { SettingsAdmin } from './settings-admin.js';
import { TokenAdmin } from './token-admin.js';
import { UserAdmin } from './user-admin.js';
import { WebhookAdmin } from '../webhooks/webhook-admin.js';

/** Who the caller is, as a UI needs it to decide what to offer. */
export type Me =
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; systemAdmin: boolean; projects: Omit<MemberRecord, 'user'>[] }
  | { kind: 'robot'; name: string; project: string; actions: readonly Action[] };

export class AccessAdmin {
  readonly users: UserAdmin;
  readonly tokens: TokenAdmin;
  readonly refreshTokens: RefreshTokenAdmin;
  readonly robots: RobotAdmin;
  readonly projects: ProjectAdmin;
  readonly audit: AuditQuery;
  readonly settings: SettingsAdmin;
  /** Undefined when webhooks are not managed by this process (no built-in access control). */
  readonly webhooks: WebhookAdmin | undefined;
  private readonly ctx: AdminContext;

  constructor(deps: AdminDeps) {
    this.ctx = new AdminContext(deps);
    this.users = new UserAdmin(this.ctx);
    this.tokens = new TokenAdmin(this.ctx);
    this.refreshTokens = new RefreshTokenAdmin(this.ctx);
    this.robots = new RobotAdmin(this.ctx);
    this.projects = new ProjectAdmin(this.ctx);
    this.audit = new AuditQuery(this.ctx);
    this.settings = new SettingsAdmin(this.ctx, deps.settings);
    this.webhooks = deps.webhooks === undefined ? undefined : new WebhookAdmin(this.ctx, deps.webhooks);
  }

  async me(actor: Actor): Promise<Me> {
    switch (actor.kind) {
      case 'anonymous':
        return { kind: 'anonymous' };
      case 'robot':
        return { kind: 'robot', name: actor.name, project: actor.project, actions: actor.actions };
      case 'user': {
        const projects = (await this.ctx.store.memberships(actor.name)).map(({ project, role }) => ({ project, role }));
        return { kind: 'user', name: actor.name, systemAdmin: actor.systemAdmin, projects };
      }
    }
  }
}
