/**
 * What can be done to a repository, and which project role may do it. The token spec's action
 * names are used as they are (`pull`, `push`, `delete`, `*`), so a grant reads the same in a
 * JWT, the API and the audit log.
 */
import type { ProjectRole } from '../../ports/access-store.js';

export type Action = 'pull' | 'push' | 'delete';
export const ALL_ACTIONS: readonly Action[] = ['pull', 'push', 'delete'];

export const roleActions: Readonly<Record<ProjectRole, readonly Action[]>> = {
  admin: ['pull', 'push', 'delete'],
  maintainer: ['pull', 'push', 'delete'],
  developer: ['pull', 'push'],
  guest: ['pull'],
};

/** Whether a role may manage the project itself (members, robots, visibility). */
export function roleManages(role: ProjectRole): boolean {
  return role === 'admin';
}

export function isAction(value: string): value is Action {
  return (ALL_ACTIONS as readonly string[]).includes(value);
}

export { projectOf } from '../../ports/project-name.js';
