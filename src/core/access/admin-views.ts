import type { ProxyView } from '../mirror/proxy-admin.js';
/**
 * What the management use cases hand back: the stored records without their hashes, so no
 * edge can leak one by printing a whole record.
 */
import type { PersonalTokenRecord, ProjectRecord, ProjectRole, RobotRecord, UserRecord } from '../../ports/access-store.js';

export type UserView = Omit<UserRecord, 'passwordHash'>;
export type RobotView = Omit<RobotRecord, 'secretHash'>;
export type TokenView = Omit<PersonalTokenRecord, 'secretHash'>;
/** A project, with the caller's role in it when they are a member. */
/** A project as its viewers see it: `kind` proxy with its upstream (never its password), else hosted. */
export type ProjectView = ProjectRecord & {
  role?: ProjectRole;
  kind: 'hosted' | 'proxy' | 'group';
  proxy?: ProxyView;
  group?: { members: string[]; pushTo?: string };
  /** Upstream hosts this project is the transparent mirror of. */
  mirrorOf?: string[];
};

export function userView({ passwordHash: _, ...user }: UserRecord): UserView {
  return user;
}

export function robotView({ secretHash: _, ...robot }: RobotRecord): RobotView {
  return robot;
}

export function tokenView({ secretHash: _, ...token }: PersonalTokenRecord): TokenView {
  return token;
}
