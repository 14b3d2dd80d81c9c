/**
 * Refresh tokens (docker login's offline token) as server-side records rather than stateless
 * JWTs, so one cannot outlive what made it: each names the credential it was obtained with (a
 * password or robot secret by the fingerprint of its stored hash, a personal access token by
 * its id), and redeeming one checks the record, that credential and the account again. A
 * password change, a new robot secret, a revoked or expired PAT, a disabled or deleted account
 * all end it, besides revoking it by id.
 *
 * The token is `brt_<id>_<secret>`; only a SHA-256 of the secret is kept (the secret is 192
 * random bits, so a slow KDF would add nothing but latency).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessStore, RefreshTokenRecord } from '../../ports/access-store.js';
import { UnauthorizedError } from '../errors.js';
import { newSecret } from './admin-context.js';
import type { AuditLog } from './audit-log.js';
import type { Authenticator } from './authenticator.js';
import { credentialRef } from './credential.js';
import type { Principal } from './principal.js';

export const REFRESH_PREFIX = 'brt_';

export interface RefreshTokensOptions {
  ttlSeconds: number;
  /** Live refresh tokens one account may hold; a new login beyond it revokes the oldest. */
  maxPerAccount: number;
  now: () => Date;
}

export const DEFAULT_REFRESH_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_MAX_REFRESH_TOKENS_PER_ACCOUNT = 100;

const REDEEM_REFUSED =
  'this refresh token was revoked or has expired, or the password or token it was obtained with changed; sign in again (docker login)';

export class RefreshTokens {
  constructor(
    private readonly store: AccessStore,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditLog,
    private readonly options: RefreshTokensOptions,
  ) {}

  /** A new refresh token for a principal that signed in with a credential; undefined otherwise. */
  async issue(principal: Principal): Promise<string | undefined> {
    if (principal.kind === 'anonymous' || principal.credential === undefined) return undefined;
    const credential = credentialRef(principal.credential);
    if (credential === undefined) return undefined;
    const now = this.options.now();
    await this.store.pruneRefreshTokens(principal.kind, principal.name, now);
    await this.keepUnderCap(principal.kind, principal.name, now);
    const secret = newSecret();
    const record: RefreshTokenRecord = {
      id: randomBytes(8).toString('hex'),
      accountKind: principal.kind,
      account: principal.name,
      credentialKind: credential.kind,
      credentialRef: credential.ref,
      secretHash: hashOf(secret),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.ttlSeconds * 1000),
      lastUsedAt: undefined,
      revokedAt: undefined,
    };
    await this.store.createRefreshToken(record);
    return `${REFRESH_PREFIX}${record.id}_${secret}`;
  }

  /** The principal a refresh token still stands for; UnauthorizedError saying what to do otherwise. */
  async redeem(token: string): Promise<Principal> {
    const parsed = parse(token);
    if (parsed === undefined) throw new UnauthorizedError('not a refresh token; sign in again (docker login)');
    const record = await this.store.refreshToken(parsed.id);
    const now = this.options.now();
    if (!record || !sameHash(record.secretHash, hashOf(parsed.secret))) throw new UnauthorizedError('unknown refresh token; sign in again (docker login)');
    if (record.revokedAt !== undefined || record.expiresAt.getTime() <= now.getTime()) throw new UnauthorizedError(REDEEM_REFUSED);
    const principal = await this.authenticator.resolveCredential(record.account, record.accountKind, {
      kind: record.credentialKind,
      ref: record.credentialRef,
    });
    if (!principal) {
      // The credential or the account is gone: the record is dead for good, so say so in it.
      await this.store.revokeRefreshTokens({ id: record.id }, now);
      await this.audit.record({
        actor: record.account,
        clientIp: undefined,
        action: 'refresh.revoke',
        result: 'success',
        detail: `id=${record.id} reason=credential or account no longer valid`,
      });
      throw new UnauthorizedError(REDEEM_REFUSED);
    }
    await this.store.touchRefreshToken(record.id, now);
    return principal;
  }

  private async keepUnderCap(kind: 'user' | 'robot', name: string, now: Date): Promise<void> {
    const live = (await this.store.listRefreshTokens(kind, name)).filter((t) => t.revokedAt === undefined);
    const excess = live.length - this.options.maxPerAccount + 1;
    for (const oldest of live.slice(0, Math.max(0, excess))) {
      await this.store.revokeRefreshTokens({ id: oldest.id }, now);
      await this.audit.record({
        actor: name,
        clientIp: undefined,
        action: 'refresh.revoke',
        result: 'success',
        detail: `id=${oldest.id} reason=more than ${this.options.maxPerAccount} refresh tokens`,
      });
    }
  }
}

function parse(token: string): { id: string; secret: string } | undefined {
  if (!token.startsWith(REFRESH_PREFIX)) return undefined;
  const rest = token.slice(REFRESH_PREFIX.length);
  const cut = rest.indexOf('_');
  if (cut <= 0 || cut === rest.length - 1 || rest.length > 200) return undefined;
  return { id: rest.slice(0, cut), secret: rest.slice(cut + 1) };
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
