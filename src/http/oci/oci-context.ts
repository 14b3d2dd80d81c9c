/** What a /v2 handler receives: the matched route's parameters, the use cases and the edge options. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from '../../core/registry/registry.js';
import type { AccessGuard, CallerAccess } from '../auth/access-guard.js';

export interface OciOptions {
  /** Externally visible base URL for absolute Locations; relative Locations when undefined. */
  baseUrl: string | undefined;
  /** Authentication and authorization of every /v2 request. */
  guard: AccessGuard;
  /**
   * Set when a group routed the request to a member: Locations keep the name the client used
   * (`/v2/all/app/…`, not `/v2/team/app/…`), so its token's scope still covers them.
   */
  alias?: { served: string; asked: string };
}

export interface OciParams {
  name: string;
  reference: string;
  digest: string;
  id: string;
}

export interface OciContext {
  registry: Registry;
  options: OciOptions;
  params: OciParams;
  request: FastifyRequest;
  reply: FastifyReply;
  /** What the caller may do beyond this route's own requirement (already checked). */
  access: CallerAccess;
}

export type OciHandler = (context: OciContext) => Promise<unknown>;

/** A Location header value under the registry's base. */
export function location(options: OciOptions, path: string): string {
  const alias = options.alias;
  if (alias !== undefined && path.startsWith(`/v2/${alias.served}/`)) path = `/v2/${alias.asked}/${path.slice(alias.served.length + 5)}`;
  return options.baseUrl ? `${options.baseUrl}${path}` : path;
}

/** The first value of a query parameter, whatever shape the parser produced. */
export function queryValue(request: FastifyRequest, key: string): string | undefined {
  // request.query is absent when a framework error (an undecodable URL) routed the request here.
  const value = ((request.query ?? {}) as Record<string, string | string[] | undefined>)[key];
  return Array.isArray(value) ? value[0] : value;
}
