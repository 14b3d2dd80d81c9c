/**
 *   GET /api/v1/overview                                 what the caller may pull, in sum → Overview
 *   GET /api/v1/projects/{name}/repositories?n&page&sort&q   a project's repositories, paged
 *
 * The per-repository views (summary, tags, manifests, description, stars) sit with the other
 * repository operations in repository-routes.ts, which handles names with slashes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Browse } from '../../core/browse/browse.js';
import type { RepositorySort } from '../../core/browse/repository-browser.js';
import { requestAuthority } from '../auth/realm.js';
import { param, type Wrap } from './api-route.js';
import { overviewJson, repositoryItemJson } from './browse-json.js';
import { listQuery } from './browse-query.js';

const REPOSITORY_SORTS: readonly RepositorySort[] = ['name', '-pushed', '-size'];

export function registerBrowseRoutes(app: FastifyInstance, browse: Browse, wrap: Wrap): void {
  app.get('/api/v1/overview', wrap(async (_request, _reply, actor) => overviewJson(await browse.repositories.overview(actor))));
  app.get(
    '/api/v1/projects/:name/repositories',
    wrap(async (request, _reply, actor) => {
      const query = listQuery(request, REPOSITORY_SORTS, { n: 25, sort: 'name' });
      const result = await browse.repositories.projectRepositories(actor, param(request, 'name'), query);
      return { repositories: result.items.map(repositoryItemJson), total: result.total, page: query.page, n: query.n };
    }),
  );
}

/** The registry's address for pull commands: http.host's when configured, else the request's. */
export function registryHost(request: FastifyRequest, baseUrl: string | undefined): string {
  if (baseUrl !== undefined) {
    try {
      return new URL(baseUrl).host;
    } catch {
      // A base URL that does not parse was refused at start; fall back to the request.
    }
  }
  return requestAuthority(request);
}
