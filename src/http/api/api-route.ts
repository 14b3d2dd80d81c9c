/** The plumbing every /api/v1 handler shares: who is calling, path parameters, no caching. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/access/admin-context.js';
import { UnauthorizedError } from '../../core/errors.js';
import type { ApiCaller } from './api-caller.js';

export type ApiHandler = (request: FastifyRequest, reply: FastifyReply, actor: Actor) => Promise<unknown>;
export type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
/** Wraps an ApiHandler with caller identification. */
export type Wrap = (handler: ApiHandler) => RouteHandler;

export function wrapWith(caller: ApiCaller): Wrap {
  return (handler) => async (request, reply) => {
    // Answers carry secrets shown once and per-caller views: no cache may keep them.
    reply.header('cache-control', 'no-store');
    try {
      return await handler(request, reply, await caller.identify(request));
    } catch (error) {
      if (error instanceof UnauthorizedError) caller.challenge(request, reply);
      throw error;
    }
  };
}

/** A path parameter, as Fastify decoded it. */
export function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string | undefined>)[name] ?? '';
}

/** The query string, read as the URL has it (repeated keys and all). */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1));
}
