/**
 * Builds the HTTP app from a composed registry: the one place that turns the access-control
 * components into the /v2 guard and the /token route, so `berth serve` and the tests that
 * build the app in-process get the same wiring.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Composed } from '../compose/compose.js';
import { AccessAdmin } from '../core/access/access-admin.js';
import { BasicGuard } from '../http/auth/basic-guard.js';
import { ExternalTokenGuard } from '../http/auth/external-token-guard.js';
import { TokenGuard } from '../http/auth/token-guard.js';
import { buildApp } from '../http/build-app.js';
import { Metrics } from '../http/ops/metrics.js';

export interface AppOptions {
  logger: Logger;
  tls?: { cert: string | Buffer; key: string | Buffer };
  baseUrl?: string;
}

export function appFromComposed(composed: Composed, options: AppOptions): FastifyInstance {
  const access = composed.access;
  const admin = access ? new AccessAdmin({ ...access, now: () => new Date() }) : undefined;
  const auth = access && admin
    ? {
        guard: new TokenGuard(access.tokens, access.authenticator, access.authorizer, {
          service: access.service,
          realm: access.realm,
          now: () => Date.now(),
          beforePush: (principal, repository) => admin.projects.ensureProjectForPush(principal, repository),
        }),
        tokenService: { tokens: access.tokens, authenticator: access.authenticator },
        audit: access.audit,
        managementApi: {
          admin,
          authenticator: access.authenticator,
          tokens: access.tokens,
          realm: access.realm,
        },
      }
    : composed.externalToken
      ? { guard: new ExternalTokenGuard({ ...composed.externalToken, now: () => Date.now() }) }
      : composed.htpasswd
      ? { guard: new BasicGuard(composed.htpasswd.checker, composed.htpasswd.realm, () => Date.now()) }
      : undefined;
  return buildApp({ registry: composed.registry, metrics: new Metrics(), ...options, auth });
}
