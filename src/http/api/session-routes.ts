/**
 *   POST   /api/v1/session  {username, password} → {user, csrfToken, idleTimeoutSeconds} + cookie
 *   GET    /api/v1/session  → {signedIn: false} or {signedIn: true, user, csrfToken, idleTimeoutSeconds}
 *   DELETE /api/v1/session  → 204, cookie cleared (with the CSRF header when signed in)
 *   GET    /api/v1/system   → {registryHost, anonymousPull, version} (public)
 * The web UI's sign-in (core/access/session-service.ts). Sign-in takes the password only, with
 * the same throttling and login audit as `docker login`; the cookie never reaches /v2 or /token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import type { SessionService } from '../../core/access/session-service.js';
import { DeniedError } from '../../core/errors.js';
import { requestAuthority } from '../auth/realm.js';
import { readJsonObject, requiredString } from './api-body.js';
import { CROSS_ORIGIN_REFUSED, sameOrigin } from './api-caller.js';
import type { Wrap } from './api-route.js';
import { clearSessionCookie, sessionCookieOf, setSessionCookie } from './session-cookie.js';

export interface SystemInfo {
  /** `http.host`, when configured; else each request's Host. */
  baseUrl: string | undefined;
  anonymousPull: () => boolean;
  version: string;
}

export function registerSessionRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionService; admin: AccessAdmin; system: SystemInfo },
  wrap: Wrap,
): void {
  const { sessions, admin } = deps;

  // Not wrapped: the body is the credential, and a browser whose old session is still live
  // must be able to sign in again without that session's CSRF token.
  app.post('/api/v1/session', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    // Another site's form must not sign this browser in to the attacker's account.
    if (!sameOrigin(request)) throw new DeniedError(CROSS_ORIGIN_REFUSED);
    const body = await readJsonObject(request, ['username', 'password']);
    const opened = await sessions.signIn(requiredString(body, 'username'), requiredString(body, 'password'), request.ip);
    // A browser signing in again replaces its session rather than leaving the old one live.
    const previous = sessionCookieOf(request);
    if (previous !== undefined) await sessions.signOut(previous, request.ip);
    setSessionCookie(request, reply, opened.cookie);
    return { user: await admin.me(opened.user), csrfToken: opened.csrfToken, idleTimeoutSeconds: sessions.idleTimeoutSeconds };
  });

  // Wrapped like every /api/v1 route, so a registry token sent here is refused as everywhere.
  app.get(
    '/api/v1/session',
    wrap(async (request, reply) => {
      const cookie = sessionCookieOf(request);
      const live = cookie === undefined ? undefined : await sessions.resolve(cookie);
      if (live === undefined) {
        if (cookie !== undefined) clearSessionCookie(request, reply);
        return { signedIn: false };
      }
      return { signedIn: true, user: await admin.me(live.user), csrfToken: live.csrfToken, idleTimeoutSeconds: sessions.idleTimeoutSeconds };
    }),
  );

  // Wrapped: a signed-in caller passes the CSRF check (api-caller.ts) before being signed out,
  // so another site cannot sign the user out either.
  app.delete(
    '/api/v1/session',
    wrap(async (request: FastifyRequest, reply: FastifyReply) => {
      const cookie = sessionCookieOf(request);
      if (cookie !== undefined) {
        await sessions.signOut(cookie, request.ip);
        clearSessionCookie(request, reply);
      }
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/system',
    wrap(async (request) => ({
      registryHost: deps.system.baseUrl === undefined ? requestAuthority(request) : new URL(deps.system.baseUrl).host,
      anonymousPull: deps.system.anonymousPull(),
      version: deps.system.version,
    })),
  );
}
