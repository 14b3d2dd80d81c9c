/**
 * GET /v1/search?q=&n=&page= — what `docker search HOST/term` asks the registry (the Docker
 * engine sends the login's credentials), in Docker Hub's response shape, listing only what the
 * caller may pull. GET /v1/_ping answers the engine's probe of a v1 endpoint before it searches.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError, PaginationInvalidError } from '../../core/errors.js';
import type { Registry } from '../../core/registry/registry.js';
import {
  DEFAULT_SEARCH_PAGE_SIZE,
  MAX_SEARCH_PAGE_SIZE,
  MAX_SEARCH_QUERY,
  type SearchResult,
} from '../../core/registry/repository-search.js';
import type { AccessGuard, CallerAccess } from '../auth/access-guard.js';
import { queryValue } from './oci-context.js';

export interface SearchQuery {
  term: string;
  page: number;
  size: number;
}

/** `q`, `n` (1…MAX_SEARCH_PAGE_SIZE) and `page` (1-based); refuses anything else with a 400. */
export function parseSearchQuery(request: FastifyRequest): SearchQuery {
  const term = queryValue(request, 'q') ?? '';
  if (term.length > MAX_SEARCH_QUERY) {
    throw new InvalidInputError(`q is ${term.length} characters long; at most ${MAX_SEARCH_QUERY} are accepted`);
  }
  // No repository name or stored description holds one, and `query` echoes the term back.
  if (/\p{Cc}/u.test(term)) throw new InvalidInputError('q must not contain control characters');
  return { term, size: positive(request, 'n', DEFAULT_SEARCH_PAGE_SIZE, MAX_SEARCH_PAGE_SIZE), page: positive(request, 'page', 1, 100_000) };
}

function positive(request: FastifyRequest, key: string, fallback: number, max: number): number {
  const raw = queryValue(request, key);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new PaginationInvalidError(`${key} must be an integer from 1 to ${max}, got "${raw.slice(0, 40)}"`);
  }
  return Number(raw);
}

/** The search as the caller may see it. */
export function searchFor(registry: Registry, access: CallerAccess, query: SearchQuery): Promise<SearchResult> {
  const visible = access.unrestricted ? undefined : (names: string[]) => access.pullable(names);
  return registry.listings.search(query.term, query.page, query.size, visible);
}

/** Docker Hub's /v1/search body; Berth has no official images or automated builds. */
export function dockerSearchBody(query: SearchQuery, result: SearchResult) {
  return {
    num_results: result.total,
    num_pages: Math.ceil(result.total / query.size),
    page: query.page,
    page_size: query.size,
    query: query.term,
    results: result.items.map((r) => ({ name: r.name, description: r.description, star_count: r.stars, is_official: false, is_automated: false })),
  };
}

export function registerSearchRoutes(app: FastifyInstance, registry: Registry, guard: AccessGuard): void {
  app.get('/v1/_ping', async (_request, reply) => reply.code(200).send({ standalone: true }));
  app.get('/v1/search', async (request, reply) => {
    const access = await guard.check(request, reply, { kind: 'catalog' });
    const query = parseSearchQuery(request);
    request.actor = access.actor;
    const result = await searchFor(registry, access, query);
    return reply.code(200).send(dockerSearchBody(query, result));
  });
}
