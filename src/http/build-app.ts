/**
 * Builds the Fastify application from already-constructed dependencies. It never listens:
 * `berth serve` owns the socket, signals and shutdown; tests build the same app.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from '../core/registry/registry.js';
import type { AuditLog } from '../core/access/audit-log.js';
import type { Authenticator } from '../core/access/authenticator.js';
import { installAuditHook } from './auth/audit-hook.js';
import type { TokenService } from '../core/access/token-service.js';
import { registerManagementApi, type ManagementApiDeps } from './api/api-routes.js';
import { openAccess, type AccessGuard } from './auth/access-guard.js';
import { registerTokenRoute, type TokenRouteDeps } from './auth/token-route.js';
import { clientErrorHandler } from './errors/client-error.js';
import { installErrorHandler, replyWithError, sendError } from './errors/error-handler.js';
import { createOciDispatch, registerOciRoutes } from './oci/routes.js';
import { nativeSendsStarted } from './oci/sendfile-send.js';
import { registerSearchRoutes } from './oci/search.js';
import type { Metrics } from './ops/metrics.js';
import { registerOpsRoutes } from './ops/ops-routes.js';
import { installRequestLog } from './request-log.js';
import { installConnectorGate } from './connector/connector-server.js';
import { installConnectionLimits, type ConnectionLimits } from './connection-limits.js';
import type { UiBundle } from '../ports/ui-bundle.js';
import { registerUiRoutes } from './ui/ui-routes.js';
import type { Notifier } from '../core/events/notifier.js';
import { installNotifyHook } from './oci/registry-events.js';

export interface AppDeps {
  registry: Registry;
  metrics: Metrics;
  logger: Logger;
  /** PEM strings; with them the app speaks HTTPS with HTTP/2 offered via ALPN. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Externally visible base URL for absolute Location headers. */
  baseUrl?: string;
  /** Header, body-idle and keep-alive timeouts and the connection cap (`http.*` config). */
  limits?: ConnectionLimits;
  /** Peers whose X-Forwarded-For sets `request.ip` (http.trustedproxies); none when empty. */
  trustedProxies?: readonly string[];
  /** The web UI, read at start; undefined when `ui.enabled` is false (then `/` is a 404). */
  ui?: UiBundle;
  /** registry:2's notifications; the hook is only installed when it is enabled. */
  notifier?: Notifier;
  /** Access control; without it the registry is open, as registry:2 is without `auth`. */
  auth?: {
    guard: AccessGuard;
    /** The built-in token service, served at /token when present. */
    tokenService?: TokenRouteDeps;
    /** Where pushes, pulls and deletes are recorded. */
    audit?: AuditLog;
    /** The management API under /api/v1. */
    managementApi?: ManagementApiDeps;
  };
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const dispatch = createOciDispatch(deps.registry, { baseUrl: deps.baseUrl, guard: deps.auth?.guard ?? openAccess });
  const common = {
    loggerInstance: deps.logger,
    // request-log.ts writes the one line per request; Fastify's own two lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    // Uploads of large layers take as long as they take; idle sockets are still reaped.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle' as const,
    genReqId: () => crypto.randomUUID(),
    trustProxy: deps.trustedProxies?.length ? [...deps.trustedProxies] : false,
    clientErrorHandler,
    // A path Fastify cannot percent-decode still goes through the /v2 table, which decodes
    // leniently and lets the name or reference check say precisely what is wrong.
    frameworkErrors: (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      if (error.code === 'FST_ERR_BAD_URL' && request.url.startsWith('/v2')) {
        dispatch(request, reply).catch((thrown: Error) => replyWithError(thrown, request, reply));
        return;
      }
      sendError(reply, { code: 'UNSUPPORTED', status: 400, message: error.message });
    },
  };
  // The HTTP/2 overload types requests as Http2ServerRequest; handlers only use what both
  // versions share, so the instance is handled as the HTTP/1 type.
  const app = (
    deps.tls
      ? Fastify({ ...(common as object), http2: true, https: { allowHTTP1: true, cert: deps.tls.cert, key: deps.tls.key } })
      : Fastify(common)
  ) as unknown as FastifyInstance;

  // Bodies are streamed by the handlers themselves (blobs can be gigabytes; manifests are
  // size-capped while read), so no content-type parser may consume or buffer them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  installErrorHandler(app);
  installConnectorGate(app);
  if (deps.limits) installConnectionLimits(app, deps.limits, Boolean(deps.tls));
  installRequestLog(app, deps.metrics);
  deps.metrics.gauge('berth_upload_sessions_active', 'Upload sessions being hashed (by every worker).', () => deps.registry.uploads.activeSessions);
  deps.metrics.gauge('berth_upload_hashes_off_thread', 'Upload hashes held by the hashing thread (by every worker).', () => deps.registry.uploads.offThreadHashes);
  deps.metrics.family(
    'berth_blob_native_sends_total',
    'Blob GETs sent by the native addon, by mode: sendfile, or copy (a client on this host; docs/configuration.md, BERTH_SENDFILE).',
    'counter',
    async () => Object.entries(nativeSendsStarted()).map(([mode, value]) => ({ labels: { mode }, value })),
    'process',
  );
  registerOciRoutes(app, dispatch);
  registerSearchRoutes(app, deps.registry, deps.auth?.guard ?? openAccess);
  registerOpsRoutes(app, deps.registry, deps.metrics);
  if (deps.auth?.audit) installAuditHook(app, deps.auth.audit, () => Date.now());
  else app.decorateRequest('actor', null);
  app.decorateRequest('servedEvent', undefined);
  app.decorateRequest('quotaRefusal', undefined);
  if (deps.notifier?.enabled) installNotifyHook(app, deps.notifier, deps.baseUrl);
  const tokenService = deps.auth?.tokenService;
  if (tokenService) registerTokenRoute(app, tokenService);
  if (deps.auth?.managementApi) registerManagementApi(app, deps.auth.managementApi);
  if (deps.ui) registerUiRoutes(app, deps.ui);
  return app;
}
