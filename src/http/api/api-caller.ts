/**
 * Who is calling /api/v1: HTTP Basic (a password, a personal access token, or a robot secret,
 * checked by the same Authenticator as `docker login`, throttling included), a personal access
 * token as a Bearer (`Authorization: Bearer bpat_…`, for scripts and the web UI), or nobody.
 *
 * Registry tokens from /token are refused here, access and refresh alike: they are scoped to
 * repositories on /v2 (a pull token for one repository must never act as its whole account),
 * and are handed to anyone who signs in, anonymous callers included. A 401 challenges with
 * Bearer, not Basic, so a browser running the web UI never pops up its own login dialog;
 * scripts send Basic anyway.
 *
 * With no Authorization header, the web UI's session cookie (session-service.ts) makes the
 * caller its user, with the password's rights. A browser sends cookies with requests other
 * sites cause, so a cookie-authenticated request that may change anything (not GET or HEAD)
 * must also carry the session's CSRF token, which only the UI's own pages received, and an
 * Origin header, when sent, must name this host. SameSite=Strict already keeps the cookie off
 * cross-site requests in current browsers; this holds without relying on it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/access/admin-context.js';
import { TOKEN_PREFIX, type Authenticator } from '../../core/access/authenticator.js';
import type { SessionService } from '../../core/access/session-service.js';
import type { TokenService } from '../../core/access/token-service.js';
import { DeniedError, UnauthorizedError } from '../../core/errors.js';
import { parseBasic } from '../auth/basic-credentials.js';
import { quoted } from '../auth/realm.js';
import { sessionCookieOf } from './session-cookie.js';

export interface ApiCallerOptions {
  authenticator: Authenticator;
  tokens: TokenService;
  /** Absolute /token URL for /v2 challenges (unused here: /api/v1 takes no registry token). */
  realm: string | undefined;
  /** Browser sessions; without them the cookie is ignored. */
  sessions?: SessionService;
}

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_REFUSED = 'missing or wrong CSRF token: reload the page';
export const CROSS_ORIGIN_REFUSED = 'cross-site request refused: the Origin header names another site';

export const REGISTRY_TOKEN_REFUSED =
  'registry tokens from /token are for /v2 only; on /api/v1 use Basic with your password or a personal access token, ' +
  'or Authorization: Bearer <personal access token> (create one with POST /api/v1/users/{name}/tokens or berth token add)';

export class ApiCaller {
  constructor(private readonly options: ApiCallerOptions) {}

  async identify(request: FastifyRequest): Promise<Actor> {
    const clientIp = request.ip;
    const header = request.headers.authorization;
    if (header === undefined) return this.fromSession(request);
    if (/^basic /i.test(header)) {
      const credentials = parseBasic(header);
      if (!credentials) throw new UnauthorizedError('malformed Basic credentials');
      const principal = await this.options.authenticator.login(credentials.username, credentials.password, clientIp);
      return { ...principal, clientIp };
    }
    if (/^bearer /i.test(header)) {
      const token = header.slice(7).trim();
      if (!token.startsWith(TOKEN_PREFIX)) throw new UnauthorizedError(REGISTRY_TOKEN_REFUSED);
      try {
        return { ...(await this.options.authenticator.loginWithToken(token, clientIp)), clientIp };
      } catch (error) {
        if (error instanceof UnauthorizedError) throw new UnauthorizedError('invalid, expired or revoked personal access token');
        throw error;
      }
    }
    throw new UnauthorizedError('unsupported Authorization scheme; use Basic (password or personal access token) or Bearer <personal access token>');
  }

  /** The session cookie's user, after the CSRF and Origin checks; anonymous without a live session. */
  private async fromSession(request: FastifyRequest): Promise<Actor> {
    const clientIp = request.ip;
    const cookie = sessionCookieOf(request);
    const sessions = this.options.sessions;
    if (cookie === undefined || sessions === undefined) return { kind: 'anonymous', clientIp };
    const session = await sessions.resolve(cookie);
    if (session === undefined) return { kind: 'anonymous', clientIp };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const what = `${request.method} ${request.url.split('?')[0]}`;
      if (!sameOrigin(request)) {
        await sessions.refused(session.user.name, clientIp, 'cross-site origin', what);
        throw new DeniedError(CROSS_ORIGIN_REFUSED);
      }
      const sent = request.headers[CSRF_HEADER];
      if (!sessions.csrfMatches(cookie, typeof sent === 'string' ? sent : undefined)) {
        await sessions.refused(session.user.name, clientIp, 'csrf token', what);
        throw new DeniedError(CSRF_REFUSED);
      }
    }
    return { ...session.user, clientIp };
  }

  /** Sets the challenge a 401 from /api/v1 carries: Bearer, for a personal access token. */
  challenge(_request: FastifyRequest, reply: FastifyReply): void {
    reply.header('www-authenticate', `Bearer realm=${quoted(`${this.options.tokens.service} API`)}`);
  }
}

/** True without an Origin header; otherwise whether it names the host the request was sent to. */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.host.toLowerCase();
  } catch {
    // "null" (sandboxed frames, some redirects) and anything unparsable.
    return false;
  }
}
