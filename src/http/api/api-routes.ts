/**
 * The management API, /api/v1: registered only when access control is on (without it there
 * is nobody to manage). One file per resource; this one wires them and serves /me and the
 * OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import type { Authenticator } from '../../core/access/authenticator.js';
import type { SessionService } from '../../core/access/session-service.js';
import type { TokenService } from '../../core/access/token-service.js';
import type { StorageAdmin } from '../../core/lifecycle/storage-admin.js';
import { UnauthorizedError } from '../../core/errors.js';
import { ApiCaller } from './api-caller.js';
import { wrapWith } from './api-route.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerBrowseRoutes } from './browse-routes.js';
import type { Browse } from '../../core/browse/browse.js';
import { openApiDocument } from './openapi.js';
import { registerProjectRoutes } from './project-routes.js';
import { registerWebhookRoutes } from './webhook-routes.js';
import type { Notifier } from '../../core/events/notifier.js';
import { registerRepositoryRoutes } from './repository-routes.js';
import { registerSearchRoutes, type SearchAs } from './search-routes.js';
import { registerSessionRoutes, type SystemInfo } from './session-routes.js';
import { registerSettingsRoutes } from './settings-routes.js';
import { registerStorageRoutes } from './storage-routes.js';
import { registerUserRoutes } from './user-routes.js';

export interface ManagementApiDeps {
  admin: AccessAdmin;
  /** Policies, quotas, usage, retention, collection, deletes and restores (core/lifecycle). */
  storage?: StorageAdmin;
  authenticator: Authenticator;
  tokens: TokenService;
  /** Repository search as a caller may see it (GET /api/v1/search). */
  search?: SearchAs;
  /** Absolute /token URL for challenges; derived from each request when undefined. */
  realm: string | undefined;
  /** The web UI's sign-in sessions (/api/v1/session; the cookie on every /api/v1 route). */
  sessions?: SessionService;
  /** What GET /api/v1/system tells the web UI. */
  system?: SystemInfo;
  /** The web UI's read API (core/browse); its routes are registered only with it. */
  browse?: Browse;
  /** `http.host`: the registry's address in pull commands (else each request's Host). */
  baseUrl?: string;
  /** Where a manifest deleted through the API is announced (registry:2 endpoints, webhooks). */
  notifier?: Notifier;
}

export function registerManagementApi(app: FastifyInstance, deps: ManagementApiDeps): void {
  const wrap = wrapWith(new ApiCaller(deps));
  // Public, but credentials sent with it are still checked: a registry token is refused on
  // every /api/v1 route alike, so a client learns at once that it holds the wrong kind.
  app.get('/api/v1/openapi.json', wrap(async () => openApiDocument));
  app.get(
    '/api/v1/me',
    wrap(async (_request, _reply, actor) => {
      if (actor.kind === 'anonymous') throw new UnauthorizedError('sign in to see who you are');
      return deps.admin.me(actor);
    }),
  );
  if (deps.sessions && deps.system) registerSessionRoutes(app, { sessions: deps.sessions, admin: deps.admin, system: deps.system }, wrap);
  registerUserRoutes(app, deps.admin, wrap);
  registerProjectRoutes(app, deps.admin, wrap);
  registerWebhookRoutes(app, deps.admin, wrap);
  registerAuditRoutes(app, deps.admin, wrap);
  registerSettingsRoutes(app, deps.admin, wrap);
  if (deps.search) registerSearchRoutes(app, deps.search, wrap);
  if (deps.storage) {
    registerStorageRoutes(app, deps.storage, wrap);
    registerRepositoryRoutes(app, deps.storage, wrap, deps.browse === undefined ? undefined : { browse: deps.browse, baseUrl: deps.baseUrl }, deps.notifier);
  }
  if (deps.browse) registerBrowseRoutes(app, deps.browse, wrap);
}
