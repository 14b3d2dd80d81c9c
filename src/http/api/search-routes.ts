/**
 *   GET /api/v1/search?q=&n=&page=    repositories by name or description → Docker Hub's shape
 *
 * The same search as /v1/search (docker search), for management API callers: anonymous callers
 * see public projects only, and only when anonymous pull is on.
 */
import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../core/access/admin-context.js';
import type { SearchResult } from '../../core/registry/repository-search.js';
import { dockerSearchBody, parseSearchQuery, type SearchQuery } from '../oci/search.js';
import type { Wrap } from './api-route.js';

/** Runs a search as `actor` may see it (wired in cli/app-from-composed.ts). */
export type SearchAs = (actor: Actor, query: SearchQuery) => Promise<SearchResult>;

export function registerSearchRoutes(app: FastifyInstance, searchAs: SearchAs, wrap: Wrap): void {
  app.get(
    '/api/v1/search',
    wrap(async (request, _reply, actor) => {
      const query = parseSearchQuery(request);
      return dockerSearchBody(query, await searchAs(actor, query));
    }),
  );
}
