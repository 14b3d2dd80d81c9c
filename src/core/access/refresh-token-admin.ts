/**
 * Listing and revoking refresh tokens (the sessions `docker login` leaves behind): a user sees
 * and revokes their own, a system admin anyone's; a robot's are managed by whoever manages its
 * project. Revoking needs no password: ending a session never creates access.
 */
import type { RefreshTokenRecord } from '../../ports/access-store.js';
import { NotFoundError } from '../errors.js';
import type { Actor, AdminContext } from './admin-context.js';
import { parseRobotName } from './robot-admin.js';
import { unknownUser } from './user-admin.js';

export type RefreshTokenView = Omit<RefreshTokenRecord, 'secretHash' | 'credentialRef'> & {
  /** The personal access token it was obtained with (its public id); undefined for a password or robot secret. */
  tokenId: string | undefined;
};

export function refreshTokenView({ secretHash: _, credentialRef, ...rest }: RefreshTokenRecord): RefreshTokenView {
  return { ...rest, tokenId: rest.credentialKind === 'pat' ? credentialRef : undefined };
}

export class RefreshTokenAdmin {
  constructor(private readonly ctx: AdminContext) {}

  /** The account's refresh tokens (a user, or a robot's full name), revoked ones included. */
  async list(actor: Actor, account: string): Promise<RefreshTokenView[]> {
    const kind = await this.requireManager(actor, account, 'refresh.list');
    return (await this.ctx.store.listRefreshTokens(kind, account)).map(refreshTokenView);
  }

  /** Revokes one by id; when `account` is given, the token must be that account's (the API names both). */
  async revoke(actor: Actor, id: string, account?: string): Promise<void> {
    const token = await this.ctx.store.refreshToken(id);
    // As for personal access tokens: the permission is checked against the named (or owning)
    // account first, so nobody can tell someone else's refresh token from none.
    const owner = account ?? token?.account;
    if (owner === undefined) await this.ctx.requireSystemAdmin(actor, 'refresh.revoke', { detail: `id=${id}` });
    else await this.requireManager(actor, owner, 'refresh.revoke', id);
    if (!token || (account !== undefined && token.account !== account)) {
      throw new NotFoundError(`refresh token ${id} does not exist${account === undefined ? '' : ` for ${account}`}`, { id });
    }
    await this.ctx.revokeRefreshTokens(actor, { id }, 'revoked by request');
  }

  private async requireManager(actor: Actor, account: string, action: string, id?: string): Promise<'user' | 'robot'> {
    const detail = `account=${account}${id === undefined ? '' : ` id=${id}`}`;
    const robot = parseRobotName(account);
    if (robot) {
      await this.ctx.requireProjectManager(actor, robot.project, action, { detail });
      if (!(await this.ctx.store.robot(account))) throw new NotFoundError(`robot account ${account} does not exist`, { name: account });
      return 'robot';
    }
    if (!(actor.kind === 'user' && actor.name === account)) await this.ctx.requireSystemAdmin(actor, action, { detail });
    if (!(await this.ctx.store.user(account))) throw unknownUser(account);
    return 'user';
  }
}
