/** What a /v2 handler receives: the matched route's parameters, the use cases and the edge options. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from '../../core/registry/registry.js';
import type { Action } from '../../core/access/actions.js';
import type { AccessGuard, CallerAccess } from '../auth/access-guard.js';
import { isValidName } from '../../core/reference/reference.js';
import { fullName, relativeName } from '../connector/connector-names.js';

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
  /** Set on a connector port: the project its names are relative to (connector/connector-names.ts). */
  connector?: string;
  /** A group's tag list: the member repositories (pullable by the caller) whose tags are merged. */
  tagSources?: string[];
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
  const connector = options.connector;
  if (connector !== undefined && path.startsWith(`/v2/${connector}/`)) path = `/v2/${path.slice(connector.length + 5)}`;
  return options.baseUrl ? `${options.baseUrl}${path}` : path;
}

/** A repository name as the client knows it: the group it asked for, relative on a connector. */
export function clientName(options: OciOptions, name: string): string {
  const asked = options.alias !== undefined && name === options.alias.served ? options.alias.asked : name;
  return options.connector === undefined ? asked : relativeName(options.connector, asked);
}

/** The first value of a query parameter, whatever shape the parser produced. */
export function queryValue(request: FastifyRequest, key: string): string | undefined {
  // request.query is absent when a framework error (an undecodable URL) routed the request here.
  const value = ((request.query ?? {}) as Record<string, string | string[] | undefined>)[key];
  return Array.isArray(value) ? value[0] : value;
}

/** The `from` of a mount as a full name (relative on a connector); an invalid name stays as sent. */
export function mountFrom(request: FastifyRequest, options: OciOptions): string | undefined {
  const from = queryValue(request, 'from');
  if (from === undefined || !isValidName(from)) return from;
  return options.connector === undefined ? from : fullName(options.connector, from);
}

/** The caller as a group's routing judges members: on the account (the token named the group). */
export function memberCaller(context: Pick<OciContext, 'access'>): { may(repository: string, action: Action): Promise<boolean> } {
  const access = context.access;
  return { may: (repository, action) => (access.accountMay ?? access.may)(repository, action) };
}
