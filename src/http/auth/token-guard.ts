/**
 * Authentication and authorization for /v2 under the built-in token service. A request may
 * carry a Bearer token (from /token), HTTP Basic credentials (curl, scripts), or nothing
 * (anonymous). Without enough access the answer is 401 with a challenge naming the scope the
 * client should ask the token service for, or 403 DENIED when the caller is known and the
 * token service would never grant it, so clients fail fast instead of looping.
 *
 * Hot path: every pull verifies a token. Verified tokens and resolved accounts are memoised
 * (accounts for one second, so disabling one takes effect at once for practical purposes).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../core/access/authenticator.js';
import type { Authorizer } from '../../core/access/authorizer.js';
import { ANONYMOUS, principalName, type Principal } from '../../core/access/principal.js';
import { signInMessage } from '../../core/access/refusal.js';
import type { AccessClaim, TokenService } from '../../core/access/token-service.js';
import { DeniedError, UnauthorizedError } from '../../core/errors.js';
import type { AccessGuard, CallerAccess, Requirement } from './access-guard.js';
import { parseBasic } from './basic-credentials.js';
import { bearerChallenge, claimsAllow, describeRequirement, hasCatalogClaim } from './bearer-challenge.js';
import { requestAuthority } from './realm.js';

const ACCOUNT_TTL_MS = 1000;
// Short, so a changed password or a revoked access token stops working within seconds; one
// KDF check per credential per window is shared by every concurrent request (single flight).
const BASIC_TTL_MS = 5_000;
const MAX_MEMO = 10_000;

interface VerifiedToken {
  subject: string;
  kind: 'user' | 'robot';
  access: AccessClaim[];
  expiresAt: number;
}

export interface TokenGuardOptions {
  service: string;
  /** Absolute realm URL; derived from each request's host when undefined. */
  realm: string | undefined;
  now: () => number;
  /**
   * Called before a user's allowed push proceeds, so a project that does not exist yet is
   * created (owned by the pusher) where policy allows it.
   */
  beforePush?: (principal: Principal, repository: string) => Promise<unknown>;
}

export class TokenGuard implements AccessGuard {
  private readonly tokens = new Map<string, VerifiedToken>();
  private readonly accounts = new Map<string, { principal: Principal | undefined; until: number }>();
  private readonly basics = new Map<string, { login: Promise<Principal>; until: number }>();

  constructor(
    private readonly tokenService: TokenService,
    private readonly authenticator: Authenticator,
    private readonly authorizer: Authorizer,
    private readonly options: TokenGuardOptions,
  ) {}

  async check(request: FastifyRequest, reply: FastifyReply, needed: Requirement): Promise<CallerAccess> {
    const header = request.headers.authorization;
    let principal: Principal = ANONYMOUS;
    let claims: AccessClaim[] | undefined;
    if (header !== undefined) {
      if (/^bearer /i.test(header)) {
        const verified = this.verifyToken(header.slice(7).trim(), request, reply);
        principal = await this.account(verified.subject, verified.kind, request, reply);
        claims = verified.access;
      } else if (/^basic /i.test(header)) {
        principal = await this.basic(header, request, reply, needed);
      } else {
        throw this.challenge(request, reply, needed, 'invalid_token', 'unsupported Authorization scheme; use Bearer or Basic');
      }
    }
    const access = this.callerAccess(principal, claims, request, reply, needed);
    if (await this.allows(access, principal, claims, needed)) {
      if (needed.kind === 'repository' && needed.mountFrom !== undefined && claims !== undefined) {
        await this.askForMountSource(principal, claims, needed, request, reply);
      }
      if (needed.kind === 'repository' && needed.action === 'push' && principal.kind === 'user') {
        await this.options.beforePush?.(principal, needed.name);
      }
      return access;
    }

    const host = requestAuthority(request);
    if (header === undefined) throw this.challenge(request, reply, needed, undefined, signInMessage(host));
    // An anonymous token's caller is not a known caller: signing in might grant what the token
    // lacks, so it is challenged (clients then ask for credentials) rather than told DENIED,
    // which would end `docker pull` of a private image with no chance to log in.
    if (principal.kind === 'anonymous') {
      // Not named for the audit hook: anyone can get an anonymous token, so counting its
      // refusals per repository would let an outsider add rows at will (as with no header).
      throw this.challenge(request, reply, needed, 'insufficient_scope', signInMessage(host));
    }
    // The token service grants the catalog scope to every caller, so a token without it only
    // predates the need: the client should fetch one, not give up.
    if (claims !== undefined && needed.kind === 'catalog') {
      throw this.challenge(request, reply, needed, 'insufficient_scope', 'token does not grant the catalog');
    }
    if (claims !== undefined && needed.kind === 'repository') {
      // The token may simply predate this need (pulled first, now pushing): let the client ask
      // for a new one, unless no token could ever carry it.
      const grantable = await this.authorizer.granted(principal, needed.name);
      if (grantable.has(needed.action)) {
        throw this.challenge(request, reply, needed, 'insufficient_scope', 'token does not grant this action');
      }
    }
    request.actor = principalName(principal); // refused: named for the audit hook
    const message =
      needed.kind === 'repository' ? await this.authorizer.whyDenied(principal, needed.name, needed.action, host) : 'requested access to the resource is denied';
    throw new DeniedError(message, describeRequirement(needed));
  }

  /**
   * A mount whose source the token does not name: when the caller could pull the source, the
   * client is challenged for both scopes (as Distribution does), so its next token carries the
   * source and the blob is mounted rather than uploaded again. When it could not, the request
   * goes on and the handler answers with an ordinary upload, as for any mount it refuses.
   */
  private async askForMountSource(
    principal: Principal,
    claims: AccessClaim[],
    needed: Extract<Requirement, { kind: 'repository' }>,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const from = needed.mountFrom!;
    if (claimsAllow(claims, from, 'pull')) return;
    if (!(await this.authorizer.granted(principal, from)).has('pull')) return;
    throw this.challenge(request, reply, needed, 'insufficient_scope', `token does not grant pull on the mount source ${from}`);
  }

  private callerAccess(
    principal: Principal,
    claims: AccessClaim[] | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    needed: Requirement,
  ): CallerAccess {
    // Clients ask the token service for the name they pull, which a mirror serves from another
    // project (the token service, not knowing the mirror, grants nothing on that name). A token
    // naming the asked name is judged, for this request, on whether the caller may pull the
    // serving repository now: it opens no other name, no mirror the caller may not pull, and
    // nothing but pulls (a push or delete through a mirrored name needs a token for the real one).
    const asked = needed.kind === 'repository' ? needed.asked : undefined;
    const served = needed.kind === 'repository' ? needed.name : undefined;
    return {
      signInChallenge:
        principal.kind === 'anonymous'
          ? () => this.challenge(request, reply, needed, claims === undefined ? undefined : 'insufficient_scope', signInMessage(requestAuthority(request)))
          : undefined,
      actor: principalName(principal),
      // A token is limited to the repositories it names even for a system admin: only Basic
      // credentials act with the whole account (a mount without `from` searches everywhere).
      unrestricted: principal.kind === 'user' && principal.systemAdmin && claims === undefined,
      may: async (repository, action) =>
        claims === undefined
          ? (await this.authorizer.granted(principal, repository)).has(action)
          : asked !== undefined && repository === served
            ? action === 'pull' &&
              claims.some((c) => c.type === 'repository' && c.name === asked) &&
              (await this.authorizer.granted(principal, repository)).has('pull')
            : claimsAllow(claims, repository, action),
      accountMay: async (repository, action) => (await this.authorizer.granted(principal, repository)).has(action),
      pullable: (repositories) => this.authorizer.pullable(principal, repositories),
    };
  }

  private async allows(access: CallerAccess, principal: Principal, claims: AccessClaim[] | undefined, needed: Requirement): Promise<boolean> {
    switch (needed.kind) {
      case 'authenticated':
        return principal.kind !== 'anonymous';
      case 'catalog':
        return claims === undefined ? principal.kind !== 'anonymous' || this.authorizer.policy.anonymousPull : hasCatalogClaim(claims);
      case 'repository':
        return access.may(needed.name, needed.action);
    }
  }

  private verifyToken(token: string, request: FastifyRequest, reply: FastifyReply): VerifiedToken {
    const now = this.options.now();
    const memo = this.tokens.get(token);
    if (memo && memo.expiresAt * 1000 > now) return memo;
    try {
      const verified = this.tokenService.verifyAccess(token);
      if (this.tokens.size >= MAX_MEMO) this.tokens.clear();
      this.tokens.set(token, verified);
      return verified;
    } catch (error) {
      throw this.challenge(request, reply, undefined, 'invalid_token', (error as Error).message);
    }
  }

  private async account(name: string, kind: 'user' | 'robot', request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    if (name === '') return ANONYMOUS;
    const now = this.options.now();
    const key = `${kind}:${name}`;
    let memo = this.accounts.get(key);
    if (!memo || memo.until <= now) {
      memo = { principal: await this.authenticator.resolve(name, kind), until: now + ACCOUNT_TTL_MS };
      if (this.accounts.size >= MAX_MEMO) this.accounts.clear();
      this.accounts.set(key, memo);
    }
    if (!memo.principal) throw this.challenge(request, reply, undefined, 'invalid_token', 'the account of this token can no longer sign in');
    return memo.principal;
  }

  /** Basic credentials on /v2 itself: checked with the KDF once, then memoised by hash. */
  private async basic(header: string, request: FastifyRequest, reply: FastifyReply, needed: Requirement): Promise<Principal> {
    const credentials = parseBasic(header);
    if (!credentials) throw this.challenge(request, reply, undefined, 'invalid_request', 'malformed Basic credentials');
    const key = createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('base64');
    const now = this.options.now();
    let memo = this.basics.get(key);
    if (!memo || memo.until <= now) {
      if (this.basics.size >= MAX_MEMO) this.basics.clear();
      memo = { login: this.authenticator.login(credentials.username, credentials.password, request.ip), until: now + BASIC_TTL_MS };
      this.basics.set(key, memo);
      // A failed check is not remembered: the next attempt is checked (and rate-limited) again.
      memo.login.catch(() => this.basics.delete(key));
    }
    let principal: Principal;
    try {
      principal = await memo.login;
    } catch (error) {
      // A 401 must say how to authenticate (RFC 9110 §15.5.2); without a challenge, clients
      // that sent Basic credentials report a bare failure instead of going to the token service.
      if (error instanceof UnauthorizedError) throw this.challenge(request, reply, needed, undefined, error.message);
      throw error;
    }
    // Re-read through the one-second account cache, so a disabled account is refused at once.
    return principal.kind === 'anonymous' ? principal : this.account(principal.name, principal.kind, request, reply);
  }

  private challenge(
    request: FastifyRequest,
    reply: FastifyReply,
    needed: Requirement | undefined,
    error: string | undefined,
    message: string,
  ) {
    return bearerChallenge(request, reply, this.options, needed, error, message);
  }
}

