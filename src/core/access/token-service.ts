/**
 * The built-in Docker token service: turns an authenticated principal and the scopes a client
 * asks for into a short-lived ES256 JWT granting the intersection of what was asked and what
 * the principal may do. Verification of presented access tokens lives here too, so the claims
 * format is defined in one place. Refresh tokens are records, not JWTs: see refresh-tokens.ts.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';
import { isAction, type Action } from './actions.js';
import type { Authorizer } from './authorizer.js';
import { signJwt, verifyJwt, type JwtClaims, type SigningKey } from './jwt.js';
import type { Principal } from './principal.js';
import type { Scope } from './scope.js';

export interface TokenServiceOptions {
  key: SigningKey;
  /** `iss` of issued tokens. */
  issuer: string;
  /** `aud` of issued tokens: the registry's service name, as in the WWW-Authenticate challenge. */
  service: string;
  accessTtlSeconds: number;
  now: () => Date;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: string;
}

export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

interface BerthClaims extends JwtClaims {
  access?: AccessClaim[];
  /** Which kind of account `sub` names, so verification can resolve it again. */
  kind: 'user' | 'robot';
  /**
   * `refresh` on the stateless refresh tokens earlier versions issued; still refused as access
   * tokens (and no longer accepted as refresh tokens) until they expire.
   */
  use?: 'refresh';
}

export class TokenService {
  private readonly keys: ReadonlyMap<string, KeyObject>;

  constructor(
    private readonly authorizer: Authorizer,
    private readonly options: TokenServiceOptions,
  ) {
    this.keys = new Map([[options.key.kid, options.key.publicKey]]);
  }

  get service(): string {
    return this.options.service;
  }

  async issue(principal: Principal, scopes: readonly Scope[]): Promise<IssuedToken> {
    const access = await this.grant(principal, scopes);
    const now = Math.floor(this.options.now().getTime() / 1000);
    const subject = principal.kind === 'anonymous' ? '' : principal.name;
    const base = { iss: this.options.issuer, sub: subject, aud: this.options.service, iat: now, nbf: now };
    const kind = principal.kind === 'robot' ? 'robot' : 'user';
    const claims: BerthClaims = { ...base, exp: now + this.options.accessTtlSeconds, jti: randomUUID(), access, kind };
    return {
      token: signJwt(claims, this.options.key),
      expiresIn: this.options.accessTtlSeconds,
      issuedAt: new Date(now * 1000).toISOString(),
    };
  }

  /** Claims of a valid access token; UnauthorizedError otherwise (refresh tokens included). */
  verifyAccess(token: string): { subject: string; kind: 'user' | 'robot'; access: AccessClaim[]; expiresAt: number } {
    const claims = this.verify(token);
    if (claims.use === 'refresh') throw new UnauthorizedError('a refresh token cannot be used as an access token');
    return { subject: claims.sub, kind: claims.kind, access: Array.isArray(claims.access) ? claims.access : [], expiresAt: claims.exp };
  }

  private verify(token: string): BerthClaims {
    const nowSeconds = Math.floor(this.options.now().getTime() / 1000);
    const claims = verifyJwt(token, { keys: this.keys, audience: this.options.service, issuer: this.options.issuer, nowSeconds });
    return claims as BerthClaims;
  }

  private async grant(principal: Principal, scopes: readonly Scope[]): Promise<AccessClaim[]> {
    const claims: AccessClaim[] = [];
    for (const scope of scopes) {
      if (scope.type === 'registry') {
        // The catalog itself is filtered per caller, so any caller may ask for it.
        if (scope.name === 'catalog') claims.push({ type: 'registry', name: 'catalog', actions: ['*'] });
        continue;
      }
      const granted = await this.authorizer.granted(principal, scope.name);
      const wanted: Action[] = scope.actions.includes('*') ? [...granted] : scope.actions.filter(isAction);
      const actions = wanted.filter((a) => granted.has(a));
      claims.push({ type: 'repository', name: scope.name, actions });
    }
    return claims;
  }
}
