/**
 * Personal access tokens: passwords a user can hand to a script and revoke alone. A token is
 * shown once as `bpat_<id>_<secret>`; only the secret's hash is kept. The id is public (it is
 * how listings and revocation name a token), so it is random only to stay unguessable as a
 * handle, and uses no `_`, which separates it from the secret.
 */
import { randomBytes } from 'node:crypto';
import type { PersonalTokenRecord } from '../../ports/access-store.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newSecret, type Actor, type AdminContext } from './admin-context.js';
import { assertFutureExpiry, assertTokenName } from './admin-rules.js';
import { tokenView, type TokenView } from './admin-views.js';
import { TOKEN_PREFIX } from './authenticator.js';
import { unknownUser } from './user-admin.js';

export interface NewToken {
  name: string;
  expiresAt?: Date;
}

export class TokenAdmin {
  constructor(private readonly ctx: AdminContext) {}

  async list(actor: Actor, user: string): Promise<TokenView[]> {
    await this.requireOwnerOrAdmin(actor, user, 'token.list');
    await this.requireUser(user);
    return (await this.ctx.store.listTokens(user)).map(tokenView);
  }

  /** Creates a token; `token` is the whole credential, returned this once. */
  async create(actor: Actor, user: string, input: NewToken): Promise<{ view: TokenView; token: string }> {
    await this.requireOwnerOrAdmin(actor, user, 'token.create');
    await this.ctx.requirePassword(actor, 'token.create', { detail: `user=${user}` });
    await this.requireUser(user);
    const name = assertTokenName(input.name);
    const now = this.ctx.deps.now();
    const expiresAt = assertFutureExpiry(input.expiresAt, now);
    if ((await this.ctx.store.listTokens(user)).some((t) => t.name === name)) {
      throw new ConflictError(`${user} already has a token named "${name}"; revoke it or pick another name`, { user, name });
    }
    const secret = newSecret();
    const record: PersonalTokenRecord = {
      id: newTokenId(),
      user,
      name,
      secretHash: await this.ctx.deps.hasher.hash(secret),
      expiresAt,
      createdAt: now,
      lastUsedAt: undefined,
    };
    await this.ctx.store.createToken(record);
    await this.ctx.record(actor, 'token.create', { detail: `user=${user} id=${record.id} name=${name}` });
    return { view: tokenView(record), token: `${TOKEN_PREFIX}${record.id}_${secret}` };
  }

  /** Revokes a token by id; when `user` is given, the token must be theirs (the API names both). */
  async revoke(actor: Actor, id: string, user?: string): Promise<void> {
    const token = await this.ctx.store.token(id);
    // Permission is checked against the named user when there is one, and against the token's
    // owner otherwise (nobody's when it is missing), so a caller cannot tell someone else's
    // token from no token.
    const owner = user ?? token?.user;
    if (owner === undefined) await this.ctx.requireSystemAdmin(actor, 'token.revoke', { detail: `id=${id}` });
    else await this.requireOwnerOrAdmin(actor, owner, 'token.revoke', id);
    if (!token || (user !== undefined && token.user !== user)) {
      throw new NotFoundError(`token ${id} does not exist${user === undefined ? '' : ` for user ${user}`}`, { id });
    }
    await this.ctx.store.deleteToken(id);
    await this.ctx.record(actor, 'token.revoke', { detail: `user=${token.user} id=${id} name=${token.name}` });
    await this.ctx.revokeRefreshTokens(actor, { credentialKind: 'pat', credentialRef: id }, `token ${id} revoked`);
  }

  private async requireOwnerOrAdmin(actor: Actor, user: string, action: string, id?: string): Promise<void> {
    if (actor.kind === 'user' && actor.name === user) return;
    await this.ctx.requireSystemAdmin(actor, action, { detail: `user=${user}${id === undefined ? '' : ` id=${id}`}` });
  }

  private async requireUser(user: string): Promise<void> {
    if (!(await this.ctx.store.user(user))) throw unknownUser(user);
  }
}

/** 64 random bits as 16 hex digits: short, URL-safe, and never containing `_`. */
function newTokenId(): string {
  return randomBytes(8).toString('hex');
}
