/**
 * Builds the HTTP app from a composed registry: the one place that turns the access-control
 * components into the /v2 guard and the /token route, so `berth serve` and the tests that
 * build the app in-process get the same wiring.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { directWriteBytes, releasedUploadBytes } from '../compose/blob-store.js';
import type { Composed } from '../compose/compose.js';
import { AccessAdmin } from '../core/access/access-admin.js';
import { AdminContext, type Actor } from '../core/access/admin-context.js';
import { StorageAdmin } from '../core/lifecycle/storage-admin.js';
import { Browse } from '../core/browse/browse.js';
import { BasicGuard } from '../http/auth/basic-guard.js';
import { ExternalTokenGuard } from '../http/auth/external-token-guard.js';
import { TokenGuard } from '../http/auth/token-guard.js';
import { buildApp } from '../http/build-app.js';
import type { SearchQuery } from '../http/oci/search.js';
import type { ConnectionLimits } from '../http/connection-limits.js';
import { Metrics } from '../http/ops/metrics.js';
import { registerStorageMetrics } from './storage-metrics.js';

export interface AppOptions {
  logger: Logger;
  tls?: { cert: string | Buffer; key: string | Buffer };
  baseUrl?: string;
  /** Timeouts and the connection cap (http/connection-limits.ts); Node's defaults without. */
  limits?: ConnectionLimits;
  /** `http.trustedproxies`. */
  trustedProxies?: readonly string[];
  /** The metrics to fill (serve links them to the other workers'); a fresh set by default. */
  metrics?: Metrics;
}

export function appFromComposed(composed: Composed, options: AppOptions): FastifyInstance {
  const access = composed.access;
  const adminDeps = access
    ? { ...access, now: () => new Date(), proxies: composed.proxies, ...(composed.webhooks === undefined ? {} : { webhooks: composed.webhooks }) }
    : undefined;
  const admin = adminDeps ? new AccessAdmin(adminDeps) : undefined;
  const storage = adminDeps
    ? new StorageAdmin({
        ctx: new AdminContext(adminDeps),
        policies: composed.policies,
        metadata: composed.registry.deps.metadata,
        lifecycle: composed.lifecycle,
        retention: composed.retention,
        registry: composed.registry,
        deleteEnabled: composed.registry.deps.deleteEnabled,
      })
    : undefined;
  // Challenges name the configured realm, else the configured base URL's /token; only without
  // either is it derived from the request (and then from a validated Host: http/auth/realm.ts).
  const realm = access?.realm ?? (options.baseUrl ? `${options.baseUrl}/token` : undefined);
  const auth = access && admin
    ? {
        guard: new TokenGuard(access.tokens, access.authenticator, access.authorizer, {
          service: access.service,
          realm,
          now: () => Date.now(),
          beforePush: (principal, repository) => admin.projects.ensureProjectForPush(principal, repository),
        }),
        tokenService: { tokens: access.tokens, authenticator: access.authenticator, refreshTokens: access.refreshTokens },
        audit: access.audit,
        managementApi: {
          admin,
          notifier: composed.notifications.notifier,
          storage,
          authenticator: access.authenticator,
          tokens: access.tokens,
          sessions: access.sessions,
          system: { baseUrl: options.baseUrl, anonymousPull: () => access.settings.anonymousPull, version: composed.version },
          browse: storage && adminDeps
            ? new Browse({
                ctx: new AdminContext(adminDeps),
                metadata: composed.registry.deps.metadata,
                blobs: composed.registry.deps.blobs,
                policies: composed.policies,
                gcStatus: () => composed.lifecycle.gcStatus(),
                deleteEnabled: composed.registry.deps.deleteEnabled,
              })
            : undefined,
          baseUrl: options.baseUrl,
          search: (actor: Actor, query: SearchQuery) =>
            composed.registry.listings.search(query.term, query.page, query.size, (names) => access.authorizer.pullable(actor, names)),
          realm,
        },
      }
    : composed.externalToken
      ? { guard: new ExternalTokenGuard({ ...composed.externalToken, now: () => Date.now() }) }
      : composed.htpasswd
      ? { guard: new BasicGuard(composed.htpasswd.checker, composed.htpasswd.realm, () => Date.now(), composed.htpasswd.limiter) }
      : undefined;
  const metrics = options.metrics ?? new Metrics();
  const gc = () => composed.lifecycle.gcStats();
  metrics.counter('berth_gc_runs_total', 'Garbage collections run.', () => gc().runs);
  metrics.counter('berth_gc_failed_runs_total', 'Garbage collections that failed.', () => gc().failedRuns);
  metrics.counter('berth_gc_bytes_freed_total', 'Blob bytes deleted by garbage collection.', () => gc().bytesFreedTotal);
  metrics.counter('berth_gc_blobs_removed_total', 'Blobs deleted by garbage collection.', () => gc().blobsRemovedTotal);
  metrics.counter('berth_gc_manifests_removed_total', 'Manifests deleted by garbage collection.', () => gc().manifestsRemovedTotal);
  metrics.gauge('berth_gc_last_duration_seconds', 'Duration of the last garbage collection.', () => (gc().lastDurationMs ?? 0) / 1000, 'max');
  registerStorageMetrics(metrics, composed);
  metrics.counter(
    'berth_blob_direct_write_bytes_total',
    'Upload bytes written past the page cache (O_DIRECT; docs/configuration.md, BERTH_DIRECT_WRITES).',
    directWriteBytes,
  );
  metrics.counter(
    'berth_upload_bytes_released_total',
    "Upload body and proxied blob bytes whose memory was freed as soon as they were written (and, for a proxied blob, sent), not at V8's next collection.",
    releasedUploadBytes,
  );
  const notify = composed.notifications.worker;
  if (notify) {
    metrics.counter('berth_notifications_delivered_total', 'Notification events delivered by this process.', () => notify.stats.delivered);
    metrics.counter('berth_notifications_failed_attempts_total', 'Notification requests that failed (each is retried).', () => notify.stats.failed);
    metrics.counter('berth_notifications_dropped_total', 'Queued notification events deleted by the queue cap.', () => notify.stats.dropped);
  }
  metrics.family('berth_proxy_requests_total', 'Reads through proxy projects by upstream and result (hit, miss, revalidated, stale, error).', 'counter', async () =>
    composed.proxyStats.requestSamples(),
  'process');
  metrics.family('berth_proxy_upstream_bytes_total', 'Bytes proxy projects fetched from each upstream.', 'counter', async () => composed.proxyStats.byteSamples(), 'process');
  return buildApp({ registry: composed.registry, metrics, ...options, auth, ui: composed.ui, notifier: composed.notifications.notifier });
}
