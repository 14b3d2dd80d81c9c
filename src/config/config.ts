/**
 * The one typed configuration. Key names follow Distribution's config.yml where a setting
 * exists there (so a registry:2 config file works unchanged); Berth-only settings live under
 * keys Distribution does not use. Loaded once, validated once, frozen, and passed explicitly.
 */
import type { ConnectorConfig } from './connectors.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface TlsConfig {
  /** PEM certificate chain file. */
  certificate: string;
  /** PEM private key file. */
  key: string;
}

export interface HttpConfig {
  /** host:port or :port to listen on. */
  addr: string;
  /** Externally visible base URL (Distribution's http.host), used for absolute Location headers. */
  host: string | undefined;
  tls: TlsConfig | undefined;
  /** Seconds to wait for in-flight requests at shutdown (Distribution's http.draintimeout). */
  drainTimeoutSeconds: number;
  /** Peers (IPs or CIDR blocks) whose X-Forwarded-For gives the client address; empty trusts none. */
  trustedProxies: readonly string[];
  /** Berth-only limits that keep slow or stalled clients from holding sockets and descriptors. */
  connections: ConnectionLimitsConfig;
  /** Processes serving the one port and data root (http.workers); 0: one per core but one (at least 1). */
  workers: number;
  /** Berth-only: extra listen addresses bound to one project each (config/connectors.ts). */
  connectors: readonly ConnectorConfig[];
}

export interface ConnectionLimitsConfig {
  /** The whole request header block must arrive within this (http.headertimeout). */
  headerTimeoutSeconds: number;
  /** A request body that sends no byte for this long is cut off: idle, not total (http.bodyidletimeout). */
  bodyIdleTimeoutSeconds: number;
  /** An idle keep-alive connection is closed after this (http.keepalivetimeout). */
  keepAliveTimeoutSeconds: number;
  /** Open client connections at most; beyond it new ones get a fast 503. 0: no cap (http.maxconnections). */
  maxConnections: number;
}

/** registry:2's `storage.s3`: blobs in an S3-compatible bucket (adapters/blob/s3-blob-store.ts). */
export interface S3StorageConfig {
  region: string;
  /** A non-AWS endpoint (Ceph RGW, MinIO…); unset means AWS's own for the region. */
  regionendpoint: string | undefined;
  bucket: string;
  /** Unset: the AWS SDK's default credential chain (environment, profile, instance role). */
  accesskey: string | undefined;
  secretkey: string | undefined;
  /** Key prefix inside the bucket, without leading or trailing slash ('' for the bucket's root). */
  rootdirectory: string;
  /** Bytes per multipart part, at least 5 MiB. */
  chunksize: number;
  forcepathstyle: boolean;
}

export interface StorageConfig {
  /**
   * Also the local directory of the SQLite database, the signing key and `admin.password`
   * when blobs live in S3.
   */
  filesystem: { rootdirectory: string };
  /** Set when `storage.s3` is configured: blobs go to the bucket instead of the filesystem. */
  s3?: S3StorageConfig;
  /** registry:2's `redirect.disable`: false lets blob GETs redirect to presigned URLs (S3 only). */
  redirect: { disable: boolean };
  delete: { enabled: boolean };
  maintenance: {
    uploadpurging: { enabled: boolean; ageSeconds: number; intervalSeconds: number };
  };
}

/** Berth-only: garbage collection and restorable deletes. */
export interface LifecycleConfig {
  gc: {
    /** Nothing created, linked or unreferenced more recently than this is collected. */
    graceSeconds: number;
    /** Time between scheduled collections in `berth serve`; 0 turns them off. */
    intervalSeconds: number;
  };
  /** How long a deleted tag can be restored (and keeps its content from collection). */
  restoreWindowSeconds: number;
}

/** Berth-only: bounds on unfinished uploads (see core/registry/upload-service.ts). */
export interface UploadsConfig {
  /** Open upload sessions one account may hold at once. */
  maxPerAccount: number;
  /** Open upload sessions the repositories of one project may hold at once. */
  maxPerProject: number;
  /** A session idle this long may be closed to make room when its account or project is full. */
  reclaimAfterSeconds: number;
}

export interface MetadataConfig {
  /** SQLite file; defaults to `<rootdirectory>/berth.db`. Unused when `database.url` is set. */
  sqlite: { path: string };
}

/**
 * Berth-only: PostgreSQL for the metadata instead of the SQLite file (several instances on one
 * database). `url` undefined means the embedded SQLite default.
 */
export interface DatabaseConfig {
  /** postgres:// or postgresql:// URL; it may hold a password, so it is never logged as is. */
  url: string | undefined;
  /** Connections each process keeps at most. */
  poolSize: number;
  /** A statement running longer is cancelled by the server; 0 means no limit. */
  statementTimeoutSeconds: number;
  /** How long a start or a query waits for a connection before failing. */
  connectTimeoutSeconds: number;
}

/**
 * Access control. `builtin` (the default) is Berth's own users, projects and token service;
 * `none` (registry:2's `auth: none`, or no auth at all there) leaves the registry open.
 */
export type AuthConfig =
  | { mode: 'none' }
  /** registry:2's htpasswd: Basic auth against a bcrypt htpasswd file; every user may do anything. */
  | { mode: 'htpasswd'; realm: string; path: string }
  /** registry:2's token auth: an external token server issues JWTs that Berth verifies. */
  | { mode: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string | undefined; jwks: string | undefined }
  | {
      mode: 'builtin';
      /** `service` in challenges and the token audience. */
      service: string;
      /** `iss` of issued tokens. */
      issuer: string;
      /** Absolute URL of /token for challenges; derived from each request when undefined. */
      realm: string | undefined;
      /** Anonymous callers may pull from public projects. */
      anonymousPull: boolean;
      /** Pushing to a project that does not exist creates it, owned by the pusher. */
      createProjectsOnPush: boolean;
      tokenTtlSeconds: number;
      /** Audit events older than this are deleted; 0 keeps them forever. */
      auditRetentionSeconds: number;
      loginThrottle: LoginThrottleConfig;
      /** Browser sessions of the web UI (core/access/session-service.ts). */
      session: SessionConfig;
    };

/** Browser sign-in sessions (cookie `berth_session`). */
export interface SessionConfig {
  /** A session unused this long ends. */
  idleTimeoutSeconds: number;
  /** A session ends this long after sign-in, however busy. */
  lifetimeSeconds: number;
  /** Live sessions one user may hold; a new sign-in beyond it ends the oldest. */
  maxPerUser: number;
}

/** Berth-only: the web UI (the `ui/` package, built into ui/dist). */
export interface UiConfig {
  enabled: boolean;
  /** The built UI's directory; undefined means `ui/dist` in Berth's package. */
  path: string | undefined;
}

/** Failed-login throttling (see core/access/login-limiter.ts). */
export interface LoginThrottleConfig {
  /** Failures of one name from one address before each further one makes the next attempt wait. */
  freeFailures: number;
  /** The longest such wait (the first is 1 s, doubling). */
  maxDelaySeconds: number;
  /** Failures from one address (any names) per window before the address must wait. */
  perAddress: number;
  /** Failures of one account (any addresses) per window before unknown addresses must wait. */
  perAccount: number;
  windowSeconds: number;
}

/**
 * registry:2's `proxy:` section: the whole registry is a pull-through cache of `remoteUrl`
 * (every repository name proxied, pushes refused).
 */
export interface RegistryProxyConfig {
  remoteUrl: string;
  username: string | undefined;
  password: string | undefined;
  /** How long a cached tag is served before it is re-validated upstream (registry:2: 168h). */
  ttlSeconds: number;
}

/** One of registry:2's `notifications.endpoints`: where events are POSTed. */
export interface NotificationEndpointConfig {
  name: string;
  url: string;
  /** Sent with every request, as registry:2's `headers` (each value a list). */
  headers: Readonly<Record<string, readonly string[]>>;
  timeoutSeconds: number;
  /** Failures in a row before the wait between attempts starts at `backoff` and doubles. */
  threshold: number;
  backoffSeconds: number;
  /** Events whose target has one of these media types are not sent (`ignoredmediatypes` and `ignore.mediatypes`). */
  ignoredMediaTypes: readonly string[];
  /** Actions (push, pull, mount, delete) not sent to this endpoint. */
  ignoredActions: readonly string[];
  disabled: boolean;
}

/** registry:2's `notifications` section, plus Berth's bounds on the durable queue. */
export interface NotificationsConfig {
  endpoints: readonly NotificationEndpointConfig[];
  /** Manifest events list the descriptors the manifest references. */
  includeReferences: boolean;
  /** Events kept per endpoint while it is failing; the oldest go past it. */
  maxEvents: number;
  /** Delivery log entries older than this are deleted. */
  logRetentionSeconds: number;
  /** Project webhooks (core/webhooks). */
  webhooks: {
    /** Webhook URLs may reach loopback, private and link-local addresses (off: SSRF). */
    allowPrivateTargets: boolean;
  };
}

export interface BerthConfig {
  log: { level: LogLevel };
  http: HttpConfig;
  storage: StorageConfig;
  metadata: MetadataConfig;
  database: DatabaseConfig;
  lifecycle: LifecycleConfig;
  uploads: UploadsConfig;
  auth: AuthConfig;
  ui: UiConfig;
  notifications: NotificationsConfig;
  /** Undefined unless `proxy.remoteurl` is set. */
  proxy?: RegistryProxyConfig | undefined;
}
