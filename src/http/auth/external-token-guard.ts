/**
 * registry:2's `auth.token`: an external token server (Harbor's core, a corporate SSO bridge)
 * issues JWTs; Berth trusts its keys and enforces exactly the `access` claims it granted.
 * Berth knows no users here, so a token lacking an action always earns a fresh challenge: only
 * the issuer can say whether the caller may have it.
 */
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyJwt } from '../../core/access/jwt.js';
import { signInMessage } from '../../core/access/refusal.js';
import type { AccessClaim } from '../../core/access/token-service.js';
import { UnauthorizedError } from '../../core/errors.js';
import type { AccessGuard, CallerAccess, Requirement } from './access-guard.js';
import { bearerChallenge, claimsAllow, hasCatalogClaim } from './bearer-challenge.js';
import { requestAuthority } from './realm.js';

const MAX_MEMO = 10_000;

export interface ExternalTokenOptions {
  realm: string;
  service: string;
  issuer: string;
  keys: ReadonlyMap<string, KeyObject>;
  now: () => number;
}

export class ExternalTokenGuard implements AccessGuard {
  private readonly verified = new Map<string, { subject: string; access: AccessClaim[]; expiresAt: number }>();

  constructor(private readonly options: ExternalTokenOptions) {}

  async check(request: FastifyRequest, reply: FastifyReply, needed: Requirement): Promise<CallerAccess> {
    const header = request.headers.authorization;
    if (header === undefined || !/^bearer /i.test(header)) {
      throw bearerChallenge(request, reply, this.options, needed, undefined, signInMessage(requestAuthority(request)));
    }
    const token = this.verify(header.slice(7).trim(), request, reply);
    const access: CallerAccess = {
      actor: token.subject || 'anonymous',
      unrestricted: false,
      may: async (repository, action) => claimsAllow(token.access, repository, action),
      pullable: async (repositories) =>
        hasCatalogClaim(token.access) ? repositories : repositories.filter((r) => claimsAllow(token.access, r, 'pull')),
    };
    const allowed =
      needed.kind === 'authenticated' ||
      (needed.kind === 'catalog' ? hasCatalogClaim(token.access) : claimsAllow(token.access, needed.name, needed.action));
    if (!allowed) throw bearerChallenge(request, reply, this.options, needed, 'insufficient_scope', 'the token does not grant this action; the external token service decides who may do what: ask its operator for access');
    return access;
  }

  private verify(token: string, request: FastifyRequest, reply: FastifyReply) {
    const now = this.options.now();
    const memo = this.verified.get(token);
    if (memo && memo.expiresAt * 1000 > now) return memo;
    try {
      const claims = verifyJwt(token, {
        keys: this.options.keys,
        audience: this.options.service,
        issuer: this.options.issuer,
        nowSeconds: Math.floor(now / 1000),
      });
      const access = Array.isArray(claims.access) ? (claims.access as AccessClaim[]) : [];
      const entry = { subject: claims.sub, access, expiresAt: claims.exp };
      if (this.verified.size >= MAX_MEMO) this.verified.clear();
      this.verified.set(token, entry);
      return entry;
    } catch (error) {
      const message = error instanceof UnauthorizedError ? error.message : 'invalid token';
      throw bearerChallenge(request, reply, this.options, undefined, 'invalid_token', message);
    }
  }
}
