/**
 * The wire shapes of /api/v1 (described in openapi.ts): times as RFC 3339 strings, absent
 * optional fields left out, and never a hash.
 */
import type { MemberRecord } from '../../ports/access-store.js';
import type { ProjectView, RobotView, TokenView, UserView } from '../../core/access/admin-views.js';

type Json = Record<string, unknown>;

export function userJson(user: UserView): Json {
  return { name: user.name, systemAdmin: user.systemAdmin, disabled: user.disabled, createdAt: user.createdAt.toISOString() };
}

export function tokenJson(token: TokenView): Json {
  return {
    id: token.id,
    user: token.user,
    name: token.name,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString(),
  };
}

export function robotJson(robot: RobotView): Json {
  return {
    name: robot.name,
    project: robot.project,
    actions: robot.actions,
    disabled: robot.disabled,
    createdAt: robot.createdAt.toISOString(),
    expiresAt: robot.expiresAt?.toISOString(),
  };
}

export function projectJson(project: ProjectView): Json {
  return { name: project.name, visibility: project.visibility, createdAt: project.createdAt.toISOString(), role: project.role };
}

export function memberJson(member: MemberRecord): Json {
  return { user: member.user, role: member.role };
}
