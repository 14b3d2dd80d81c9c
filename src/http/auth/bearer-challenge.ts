/** What both Bearer guards (built-in and external issuer) say and check the same way. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Action } from '../../core/access/actions.js';
import type { AccessClaim } from '../../core/access/token-service.js';
import { UnauthorizedError } from '../../core/errors.js';
import type { Requirement } from './access-guard.js';
import { quoted, tokenRealm } from './realm.js';

/** Sets the Bearer challenge and returns the 401 to throw. */
export function bearerChallenge(
  request: FastifyRequest,
  reply: FastifyReply,
  where: { realm: string | undefined; service: string },
  needed: Requirement | undefined,
  error: string | undefined,
  message: string,
): UnauthorizedError {
  const parts = [`realm=${quoted(tokenRealm(request, where.realm))}`, `service=${quoted(where.service)}`];
  const scope = needed === undefined ? undefined : scopeOf(needed);
  if (scope) parts.push(`scope=${quoted(scope)}`);
  if (error) {
    parts.push(`error=${quoted(error)}`);
    // docker prints this (not the body) as the reason a request with a token failed.
    parts.push(`error_description=${quoted(message)}`);
  }
  reply.header('www-authenticate', `Bearer ${parts.join(',')}`);
  return new UnauthorizedError(message, needed === undefined ? undefined : describeRequirement(needed));
}

export function claimsAllow(claims: readonly AccessClaim[], repository: string, action: Action): boolean {
  return claims.some((c) => c.type === 'repository' && c.name === repository && (c.actions.includes(action) || c.actions.includes('*')));
}

export function hasCatalogClaim(claims: readonly AccessClaim[]): boolean {
  return claims.some((c) => c.type === 'registry' && c.name === 'catalog');
}

export function describeRequirement(needed: Requirement): Record<string, string> {
  return needed.kind === 'repository' ? { repository: needed.name, action: needed.action } : { resource: needed.kind };
}

function scopeOf(needed: Requirement): string | undefined {
  switch (needed.kind) {
    case 'authenticated':
      return undefined;
    case 'catalog':
      return 'registry:catalog:*';
    case 'repository': {
      // Clients that push also read (HEAD before upload), so ask for both at once.
      const scope = `repository:${needed.name}:${needed.action === 'pull' ? 'pull' : `pull,${needed.action}`}`;
      // A mount also reads its source: ask for that too, so the new token can carry it.
      return needed.mountFrom === undefined ? scope : `${scope} repository:${needed.mountFrom}:pull`;
    }
  }
}
