/**
 * Names on a connector port are relative to its project: the client says `ubuntu`, Berth acts
 * on `all/ubuntu`. Inside, only full names exist (access checks, tokens, audit, storage), so a
 * token issued on one port names exactly the repositories it does on the other and can never
 * widen what the caller may do there. At the edge, what the client reads is made relative
 * again: Locations and Links (built relative by the handlers), errors, and the Bearer challenge,
 * whose scopes the connector's own /token maps back to full names.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../../core/access/scope.js';
import { RegistryError } from '../../core/errors.js';
import { domainErrorOf } from '../../core/store-errors.js';
import { quoted, tokenRealm } from '../auth/realm.js';

/** The full name of a name a client used on `project`'s connector. */
export function fullName(project: string, name: string): string {
  return `${project}/${name}`;
}

/** The name as the connector's client knows it; names outside the project are left whole. */
export function relativeName(project: string, name: string): string {
  return name.startsWith(`${project}/`) ? name.slice(project.length + 1) : name;
}

/** Scopes asked of a connector's /token name repositories relative to its project. */
export function connectorScopes(project: string, scopes: readonly Scope[]): Scope[] {
  return scopes.map((scope) => (scope.type === 'repository' ? { ...scope, name: fullName(project, scope.name) } : scope));
}

/**
 * An error as the connector's client should read it: full names in the message and detail made
 * relative, and a Bearer challenge pointing at this port's /token with relative scopes.
 */
export function outwardError(thrown: unknown, project: string, request: FastifyRequest, reply: FastifyReply): unknown {
  const challenge = reply.getHeader('www-authenticate');
  if (typeof challenge === 'string' && /^bearer /i.test(challenge)) {
    reply.header('www-authenticate', outwardChallenge(challenge, project, tokenRealm(request, undefined)));
  }
  const error = domainErrorOf(thrown) ?? thrown;
  if (!(error instanceof RegistryError)) return thrown;
  const relabeled = new RegistryError(error.kind, relativeText(error.message, project), relativeValue(error.detail, project), { cause: error });
  return relabeled;
}

function outwardChallenge(challenge: string, project: string, realm: string): string {
  return challenge
    .replace(/realm="(?:[^"\\]|\\.)*"/, `realm=${quoted(realm)}`)
    .replace(/scope="((?:[^"\\]|\\.)*)"/, (_whole, scopes: string) => {
      const relative = scopes
        .split(' ')
        .map((scope) => (scope.startsWith(`repository:${project}/`) ? `repository:${scope.slice(`repository:${project}/`.length)}` : scope))
        .join(' ');
      return `scope=${quoted(relative)}`;
    });
}

/** `all/ubuntu` → `ubuntu` wherever a full name of the project starts a word. */
function relativeText(text: string, project: string): string {
  const escaped = project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(^|[\\s"'(\\[:,=])${escaped}/`, 'g'), '$1');
}

function relativeValue(value: unknown, project: string): unknown {
  if (typeof value === 'string') return relativeText(value, project);
  if (Array.isArray(value)) return value.map((item) => relativeValue(item, project));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, relativeValue(item, project)]));
  }
  return value;
}
