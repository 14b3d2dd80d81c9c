/**
 * The composition root: the only place (with the CLI) that turns configuration into adapters,
 * wires them into the core and hands the result to the HTTP edge.
 */
import { composeNotifications, type Notifications } from './compose-notifications.js';
import { composeWebhooks, webhookAdminDeps, type ComposedWebhooks } from './compose-webhooks.js';
import type { WebhookAdminDeps } from '../core/webhooks/webhook-admin.js';
import type { Logger } from 'pino';
import { randomUUID, type KeyObject } from 'node:crypto';
import { blobStoreIsShared, chunkFreer, openBlobStore } from './blob-store.js';
import { BcryptPasswordHasher } from '../adapters/crypto/bcrypt-password-hasher.js';
import { InitialPasswordFile } from '../adapters/crypto/initial-password-file.js';
import { loadTrustedKeys } from '../adapters/crypto/trusted-keys.js';
import { WorkerThreadHashes } from '../adapters/crypto/worker-thread-hashes.js';
import { HtpasswdFile } from '../adapters/htpasswd/htpasswd-file.js';
import { openMetadataDatabase, type MetadataStores } from './metadata-database.js';
import { tokenSigningKey } from './signing-key.js';
import { MemoryThrottleStore } from '../adapters/throttle/memory-throttle-store.js';
import type { LoginThrottleStore } from '../ports/login-throttle-store.js';
import { tightenDataRoot } from './private-data.js';
import type { BerthConfig } from '../config/config.js';
import { AuditLog } from '../core/access/audit-log.js';
import { Authenticator } from '../core/access/authenticator.js';
import { Authorizer } from '../core/access/authorizer.js';
import { RuntimeSettings } from '../core/access/runtime-settings.js';
import { bootstrapAdmin, type AdminSignIn } from '../core/access/bootstrap-admin.js';
import { keyIdOf } from '../core/access/jwt.js';
import { DEFAULT_LIMITS, LoginLimiter, type LimiterOptions } from '../core/access/login-limiter.js';
import { DEFAULT_MAX_REFRESH_TOKENS_PER_ACCOUNT, DEFAULT_REFRESH_TTL_SECONDS, RefreshTokens } from '../core/access/refresh-tokens.js';
import { SessionService } from '../core/access/session-service.js';
import { TokenService } from '../core/access/token-service.js';
import type { UiBundle } from '../ports/ui-bundle.js';
import { DEFAULT_UI_PATH, loadUiBundle } from './ui-bundle.js';
import { packageVersion } from './package-version.js';
import type { AccessStore } from '../ports/access-store.js';
import type { CredentialChecker } from '../ports/credential-checker.js';
import type { InitialPasswordNote } from '../ports/initial-password.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { PolicyStore } from '../ports/policy-store.js';
import { Lifecycle } from '../core/lifecycle/lifecycle.js';
import { PullRecorder } from '../core/lifecycle/pull-recorder.js';
import { Retention } from '../core/lifecycle/retention.js';
import { Registry } from '../core/registry/registry.js';
import { Mirror } from '../core/mirror/mirror.js';
import type { ProxyAdminDeps } from '../core/mirror/proxy-admin.js';
import { ProxyStats } from '../core/mirror/proxy-stats.js';
import { proxyAdminDeps, registryProxySettings } from './proxy-projects.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../core/registry/registry-deps.js';

/** The access-control pieces, present when `auth` is the built-in token service. */
export interface AccessComponents {
  store: AccessStore;
  hasher: PasswordHasher;
  authorizer: Authorizer;
  /** The access policy in force: settings stored by the CLI or API over the config. */
  settings: RuntimeSettings;
  authenticator: Authenticator;
  tokens: TokenService;
  /** Refresh tokens of offline logins, as records tied to their credential. */
  refreshTokens: RefreshTokens;
  /** The web UI's browser sessions. */
  sessions: SessionService;
  audit: AuditLog;
  service: string;
  realm: string | undefined;
  /** `<root>/admin.password`: emptied when the admin's password is changed. */
  initialPassword: InitialPasswordNote;
}

export interface Composed {
  registry: Registry;
  /** Garbage collection, repository delete and tag restore (see core/lifecycle). */
  lifecycle: Lifecycle;
  /** Per-project write policies, enforced by the registry whatever the auth mode. */
  policies: PolicyStore;
  /** Retention rules per project (core/lifecycle/retention.ts), run by the scheduled job. */
  retention: Retention;
  /** Pull stamps for retention, written in batches; close() writes what is pending. */
  pulls: PullRecorder;
  /** Always present: users and projects can be managed even while `auth: none` is set. */
  accessStore: AccessStore;
  access: AccessComponents | undefined;
  /** registry:2's `auth.token` (an external token server), when configured. */
  externalToken: { realm: string; service: string; issuer: string; keys: Map<string, KeyObject> } | undefined;
  /** registry:2's htpasswd mode, when configured. */
  htpasswd: { checker: CredentialChecker; realm: string; limiter: LoginLimiter } | undefined;
  /**
   * With the built-in access control: how the bootstrap admin signs in, while the banner should
   * say so (just created, or its generated password still unchanged in `<root>/admin.password`).
   */
  bootstrap: AdminSignIn | undefined;
  /** The web UI as read at start; undefined when `ui.enabled` is false. */
  ui: UiBundle | undefined;
  /** Proxy projects' settings, for the management use cases. */
  proxies: ProxyAdminDeps;
  /** Proxy requests and upstream bytes, for /metrics. */
  proxyStats: ProxyStats;
  /** Berth's version (package.json). */
  version: string;
  /**
   * With a shared (PostgreSQL) database or several workers: claims a scheduled job's turn across
   * processes, so each interval runs it once (see schedule-gc.ts). Undefined: this process is alone.
   */
  claimJob: ((name: string, minGapMs: number) => Promise<boolean>) | undefined;
  /** registry:2's notifications and project webhooks (a no-op notifier when neither is possible). */
  notifications: Notifications;
  /** Project webhooks' admin dependencies; undefined without the built-in access control. */
  webhooks: WebhookAdminDeps | undefined;
  close(): Promise<void>;
}

export interface ComposeOptions {
  /**
   * The storage clock (push and pull times, retention, collection). Tests set it to make
   * "40 days ago" without waiting; access control keeps the real clock (tokens, rate limits).
   */
  now?: () => Date;
  /** Login throttling limits other than the shipped ones (tests that must reach a limit quickly). */
  loginLimits?: Partial<Omit<LimiterOptions, 'now'>>;
  /** The clock of browser sessions (idle and absolute expiry); the real one by default. */
  sessionNow?: () => Date;
  /**
   * How many processes serve this data root at once (`berth serve --workers N`); 1 by default.
   * Above 1, what one process kept for itself (failed logins, upload locks and hash state, the
   * scheduled collection's turn) goes to the database, SQLite included, as it does for several
   * instances on PostgreSQL.
   */
  processes?: number;
  /**
   * False for a worker started while others may be serving: the start-up sweep would take an
   * upload another worker is writing for one a crash left. The first worker sweeps alone.
   */
  sweep?: boolean;
}

export async function compose(config: BerthConfig, logger: Logger, options: ComposeOptions = {}): Promise<Composed> {
  const clock = options.now ?? (() => new Date());
  const root = config.storage.filesystem.rootdirectory;
  await tightenDataRoot(root, config.metadata.sqlite.path, logger);
  const workers = (options.processes ?? 1) > 1;
  const blobs = await openBlobStore(config, { otherWriters: workers });
  // SQLite: WAL with synchronous=NORMAL, a committed push survives kill -9; see ARCHITECTURE.md.
  const stores = await openMetadataDatabase(config, { synchronous: 'normal', now: options.now });
  const metadata = stores.metadata;
  // Several instances can share a PostgreSQL database; SQLite is one process's, or several
  // workers' of one `berth serve` on one machine.
  const sharedDatabase = config.database.url !== undefined;
  const othersShareState = sharedDatabase || workers;
  // Workers share the data root's blob tree as instances share a bucket.
  const othersShareBlobs = blobStoreIsShared(config) || workers;
  try {
    await metadata.migrate();
  } catch (error) {
    await stores.close().catch(() => undefined);
    throw error;
  }
  const pulls = new PullRecorder(metadata, clock, { writeThroughAfterMs: PULL_WRITE_THROUGH_MS });
  const proxyStats = new ProxyStats();
  const freeChunks = chunkFreer();
  const proxies = proxyAdminDeps(config, stores.proxies);
  const mirror = new Mirror({
    ...(config.proxy === undefined ? {} : { registryProxy: await registryProxySettings(config.proxy, proxies.secrets) }),
    proxies: stores.proxies,
    secrets: proxies.secrets,
    openUpstream: proxies.openUpstream,
    metadata,
    blobs,
    policies: stores.policies,
    now: clock,
    stats: proxyStats,
    log: (level, fields, message) => logger[level](fields, message),
    // One upstream GET per uncached blob across the processes sharing this data.
    ...(othersShareState ? { fillLocks: stores.shared.uploadLocks } : {}),
    ...(freeChunks === undefined ? {} : { freeChunks }),
  });
  proxies.changed = (project) => mirror.changed(project);
  // One process owning its uploads hashes long bodies on a thread of its own (started on the
  // first such upload). With several, uploads hash with the saveable WASM hash above instead.
  const offThreadHashes = othersShareBlobs ? undefined : new WorkerThreadHashes();
  const registry = new Registry({
    mirror,
    projectExists: async (name) => (await stores.access.project(name)) !== undefined,
    pulls,
    blobs,
    metadata,
    deleteEnabled: config.storage.delete.enabled,
    redirectBlobs: !config.storage.redirect.disable,
    // Uploads move between instances only when they share the blob store; hash-wasm (~10 MB
    // resident) is imported only then.
    resumableHashes: othersShareBlobs ? new (await import('../adapters/crypto/wasm-resumable-hashes.js')).WasmResumableHashes() : undefined,
    // ... and so are their locks, when the database is shared too.
    offThreadHashes,
    sessionLocks: othersShareBlobs && othersShareState ? stores.shared.uploadLocks : undefined,
    maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
    now: clock,
    policies: stores.policies,
    uploadLimits: {
      perAccount: config.uploads.maxPerAccount,
      perProject: config.uploads.maxPerProject,
      reclaimAfterMs: config.uploads.reclaimAfterSeconds * 1000,
    },
  });
  if (options.sweep !== false) await startupSweep(registry, config, logger);
  const lifecycle = new Lifecycle({
    metadata,
    blobs,
    now: clock,
    graceMs: config.lifecycle.gc.graceSeconds * 1000,
    restoreWindowMs: config.lifecycle.restoreWindowSeconds * 1000,
    deleteEnabled: config.storage.delete.enabled,
    policies: stores.policies,
    onRecoveryError: (error) => logger.error({ err: error }, 'cleaning up after an interrupted garbage collection failed; retried shortly'),
    onReportError: (error) => logger.error({ err: error }, 'could not store the garbage collection report; the status shows the one before'),
  });
  const retention = new Retention({
    metadata,
    policies: stores.policies,
    now: clock,
    restoreWindowMs: config.lifecycle.restoreWindowSeconds * 1000,
  });
  const stopPullFlush = schedulePullFlush(pulls, logger);
  const throttle: LoginThrottleStore = othersShareState
    ? stores.shared.throttle
    : new MemoryThrottleStore(options.loginLimits?.maxKeys ?? DEFAULT_LIMITS.maxKeys);
  const stopThrottlePrune = scheduleThrottlePrune(throttle, logger);
  const hasher = new BcryptPasswordHasher();
  const now = () => new Date();
  const initialPassword = new InitialPasswordFile(root);
  // Only the built-in access control signs anyone in with an account: under `auth: none`,
  // htpasswd or an external token server an admin would be one nobody can use.
  const bootstrap =
    config.auth.mode === 'builtin'
      ? await bootstrapAdmin(stores.access, hasher, process.env.BERTH_ADMIN_PASSWORD, now, initialPassword)
      : undefined;
  const access =
    config.auth.mode === 'builtin'
      ? await composeAccess(config, { stores, throttle, sharedDatabase }, hasher, initialPassword, logger, options)
      : undefined;
  const registry2 = composeNotifications(config, stores.shared.outbox, logger, packageVersion(), othersShareState);
  const webhookAdmin = config.auth.mode === 'builtin' ? webhookAdminDeps(config, stores.shared.webhooks, stores.shared.outbox) : undefined;
  const notifications = webhookAdmin === undefined
    ? registry2
    : withWebhooks(registry2, composeWebhooks(config, { admin: webhookAdmin, access: stores.access, outbox: stores.shared.outbox, registry2: registry2.notifier }, logger, packageVersion(), othersShareState), logger);
  const ui = config.ui.enabled ? await loadUiBundle(config.ui.path ?? DEFAULT_UI_PATH) : undefined;
  if (ui?.kind === 'missing') logger.warn({ path: ui.path }, 'the web UI is not built (npm run build:ui); / says so until it is');
  return {
    registry,
    lifecycle,
    policies: stores.policies,
    retention,
    pulls,
    accessStore: stores.access,
    access,
    externalToken:
      config.auth.mode === 'token'
        ? { ...config.auth, keys: await loadTrustedKeys(config.auth.rootCertBundle, config.auth.jwks) }
        : undefined,
    htpasswd:
      config.auth.mode === 'htpasswd'
        ? {
            checker: new HtpasswdFile(config.auth.path, hasher, (message) => logger.warn(message)),
            realm: config.auth.realm,
            limiter: new LoginLimiter({ ...DEFAULT_LIMITS, ...options.loginLimits, now: () => Date.now() }, throttle),
          }
        : undefined,
    bootstrap,
    ui,
    proxies,
    proxyStats,
    version: packageVersion(),
    claimJob: othersShareState ? (name, minGapMs) => stores.shared.jobs.claim(name, randomUUID(), Date.now(), minGapMs) : undefined,
    notifications,
    webhooks: webhookAdmin,
    async close() {
      stopPullFlush();
      await notifications.close().catch((error: unknown) => logger.error({ err: error }, 'could not write pending notifications'));
      await mirror.close();
      stopThrottlePrune();
      await pulls.flush().catch((error: unknown) => logger.error({ err: error }, 'could not write pull times'));
      await stores.close();
      await blobs.close();
      await offThreadHashes?.close();
    },
  };
}

/** A manifest's first pull in this long is written at once; see core/lifecycle/pull-recorder.ts. */
const PULL_WRITE_THROUGH_MS = 60 * 60_000;
/** How often pull times reach the database; see core/lifecycle/pull-recorder.ts. */
const PULL_FLUSH_MS = 10_000;

function schedulePullFlush(pulls: PullRecorder, logger: Logger): () => void {
  const timer = setInterval(() => {
    pulls.flush().catch((error: unknown) => logger.error({ err: error }, 'could not write pull times'));
  }, PULL_FLUSH_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Expired failed-login counts leave a shared database every minute (memory bounds itself). */
function scheduleThrottlePrune(throttle: LoginThrottleStore, logger: Logger): () => void {
  if (throttle.prune === undefined) return () => undefined;
  const timer = setInterval(() => {
    throttle.prune?.(Date.now()).catch((error: unknown) => logger.error({ err: error }, 'could not prune failed-login counts'));
  }, 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

async function composeAccess(
  config: BerthConfig,
  shared: { stores: MetadataStores; throttle: LoginThrottleStore; sharedDatabase: boolean },
  hasher: PasswordHasher,
  initialPassword: InitialPasswordNote,
  logger: Logger,
  options: ComposeOptions,
): Promise<AccessComponents> {
  const limits = options.loginLimits;
  if (config.auth.mode !== 'builtin') throw new Error('composeAccess needs auth.builtin');
  const store = shared.stores.access;
  const now = () => new Date();
  const keys = await tokenSigningKey(config.storage.filesystem.rootdirectory, shared.stores, shared.sharedDatabase);
  const settings = new RuntimeSettings(
    store,
    { anonymousPull: config.auth.anonymousPull, createProjectsOnPush: config.auth.createProjectsOnPush },
    { now: () => Date.now(), onError: (error) => logger.error({ err: error }, 'could not read the system settings; keeping the last ones') },
  );
  await settings.refresh();
  const authorizer = new Authorizer(store, settings);
  const audit = new AuditLog(store, now, (error) => logger.error({ err: error }, 'audit log write failed'));
  const throttle = config.auth.loginThrottle;
  const limiter = new LoginLimiter({
    ...DEFAULT_LIMITS,
    freeFailures: throttle.freeFailures,
    maxDelayMs: throttle.maxDelaySeconds * 1000,
    perAddress: throttle.perAddress,
    perAccount: throttle.perAccount,
    windowMs: throttle.windowSeconds * 1000,
    ...limits,
    now: () => Date.now(),
  }, shared.throttle);
  const authenticator = new Authenticator(store, hasher, limiter, audit, now);
  const tokens = new TokenService(authorizer, {
    key: { ...keys, kid: keyIdOf(keys.publicKey) },
    issuer: config.auth.issuer,
    service: config.auth.service,
    accessTtlSeconds: config.auth.tokenTtlSeconds,
    now,
  });
  const refreshTokens = new RefreshTokens(store, authenticator, audit, {
    ttlSeconds: DEFAULT_REFRESH_TTL_SECONDS,
    maxPerAccount: DEFAULT_MAX_REFRESH_TOKENS_PER_ACCOUNT,
    now,
  });
  const sessions = new SessionService(store, authenticator, audit, { ...config.auth.session, now: options.sessionNow ?? now });
  return { store, hasher, authorizer, settings, authenticator, tokens, refreshTokens, sessions, audit, service: config.auth.service, realm: config.auth.realm, initialPassword };
}

/**
 * Removes what a crash or an abandoned client left: staging files older than the purge age,
 * upload sessions idle longer than it (with their staged bytes), staged bytes no session owns,
 * and then sessions whose bytes the file sweep removed. The last step keeps the two records in
 * agreement: the file sweep judges by a file's age and the purge by the session's, so either
 * may outlive the other, and a session left without its bytes must not live on.
 *
 * That last step is only safe while no other instance shares the blob store: another instance
 * may be between recording a session and creating its staging object. With a shared store (S3)
 * it is skipped; such sessions still expire through the purge.
 */
async function startupSweep(registry: Registry, config: BerthConfig, logger: Logger): Promise<void> {
  const purging = config.storage.maintenance.uploadpurging;
  const cutoff = new Date(Date.now() - purging.ageSeconds * 1000);
  const files = await registry.deps.blobs.sweepStaging(purging.enabled ? cutoff : new Date(0));
  const sessions = purging.enabled ? await registry.uploads.purgeStale(cutoff) : 0;
  const orphans = await registry.uploads.removeOrphanStaging();
  const bare = blobStoreIsShared(config) ? 0 : await registry.uploads.closeSessionsWithoutBytes();
  if (sessions + files + orphans + bare > 0) {
    logger.info({ sessions, files, orphans, bare }, 'swept stale uploads and temporary files');
  }
}

/** Deletes audit events past the configured retention, hourly; returns a function that stops it. */
export function scheduleAuditPrune(composed: Composed, config: BerthConfig, logger: Logger): () => void {
  if (config.auth.mode !== 'builtin' || config.auth.auditRetentionSeconds <= 0) return () => undefined;
  const retentionMs = config.auth.auditRetentionSeconds * 1000;
  const prune = () =>
    composed.accessStore
      .pruneAudit(new Date(Date.now() - retentionMs))
      .then((count) => count > 0 && logger.info({ count }, 'pruned audit events past retention'))
      .catch((error: unknown) => logger.error({ err: error }, 'audit prune failed'));
  void prune();
  const timer = setInterval(prune, 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Purges stale upload sessions periodically; returns a function that stops it. */
export function scheduleUploadPurge(registry: Registry, config: BerthConfig, logger: Logger): () => void {
  const purging = config.storage.maintenance.uploadpurging;
  if (!purging.enabled) return () => undefined;
  const timer = setInterval(() => {
    const cutoff = new Date(Date.now() - purging.ageSeconds * 1000);
    registry.uploads
      .purgeStale(cutoff)
      .then((count) => count > 0 && logger.info({ count }, 'purged stale upload sessions'))
      .catch((error: unknown) => logger.error({ err: error }, 'upload purge failed'));
  }, purging.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** registry:2's endpoints and the project webhooks, started and closed together. */
function withWebhooks(registry2: Notifications, webhooks: ComposedWebhooks, logger: Logger): Notifications {
  return {
    notifier: webhooks.notifier,
    worker: registry2.worker,
    start() {
      registry2.start();
      webhooks.start().catch((error: unknown) => logger.error({ err: error }, 'could not start webhook delivery'));
    },
    async close() {
      await webhooks.close();
      await registry2.close();
    },
  };
}
