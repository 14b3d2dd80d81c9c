/**
 * A real Berth app on a random loopback port, built in-process from the real adapters on a
 * temp directory (the fastify "app never listens; tests build the real app" pattern).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { appFromComposed } from '../../src/cli/app-from-composed.js';
import { compose, type Composed, type ComposeOptions } from '../../src/compose/compose.js';
import type { BerthConfig } from '../../src/config/config.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { Registry } from '../../src/core/registry/registry.js';
import { closeApp } from '../../src/http/close-app.js';
import { closeConnector, createConnectorServer, listenConnector } from '../../src/http/connector/connector-server.js';
import type { Server } from 'node:http';
import type { ConnectionLimits } from '../../src/http/connection-limits.js';
import { stackMode } from './stack-mode.js';
import { startStackTestServer } from './test-stack-server.js';
import { createTestDatabase, type DatabaseKind } from './test-database.js';

export interface TestServer {
  url: string;
  /**
   * Each instance's own address: `[url]` for one server; in stack mode the three behind nginx
   * (for what is per process by nature, such as the Prometheus counters every instance keeps).
   */
  instanceUrls: string[];
  root: string;
  registry: Registry;
  /** The composed registry, for tests that set up users, projects and robots directly. */
  composed: Composed;
  /** The PostgreSQL database's URL when the server runs on one. */
  databaseUrl: string | undefined;
  /** The URL of each connector port, by project. */
  connectorUrls: Record<string, string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  deleteEnabled?: boolean;
  /** Access control: off unless a test is about it. */
  auth?: BerthConfig['auth'];
  /** Where the server logs; silent unless a test inspects the log (e.g. for leaked secrets). */
  logger?: Logger;
  /** Garbage collection and restore window; the shipped defaults unless a test is about them. */
  lifecycle?: BerthConfig['lifecycle'];
  /** The storage clock (push/pull times, retention, collection); the real one by default. */
  now?: () => Date;
  /** Caps on unfinished uploads; the shipped defaults unless a test is about them. */
  uploads?: Partial<BerthConfig['uploads']>;
  /** Upload purging; the shipped defaults unless a test is about it. */
  uploadPurging?: BerthConfig['storage']['maintenance']['uploadpurging'];
  /** `http.trustedproxies`: peers whose X-Forwarded-For is believed; none by default. */
  trustedProxies?: string[];
  /** Login throttling limits other than the shipped ones. */
  loginLimits?: ComposeOptions['loginLimits'];
  /** The clock of browser sessions; the real one by default. */
  sessionNow?: () => Date;
  /** The web UI: served from `ui/dist` of the package (missing in a checkout: the not-built page) unless set. */
  ui?: BerthConfig['ui'];
  /** The metadata database: SQLite in the temp directory unless a test runs on each of databaseKinds(). */
  database?: DatabaseKind;
  /** Blobs in this S3 bucket instead of the filesystem (see test/support/ceph-rgw.ts). */
  s3?: BerthConfig['storage']['s3'];
  /** `storage.redirect.disable`; true (never redirect) unless a test is about redirects. */
  redirectDisabled?: boolean;
  /** registry:2's notifications; none unless a test is about them. */
  notifications?: BerthConfig['notifications'];
  /** A data directory (SQLite database, signing key) shared with another server; kept on close. */
  root?: string;
  /** Projects that get a connector port each (`http.connectors`), on a random loopback port. */
  connectors?: string[];
  /** Connection limits (idle timeouts, cap) as `berth serve` installs them; none unless a test is about them. */
  limits?: ConnectionLimits;
}

export function testConfig(root: string, overrides: TestServerOptions = {}): BerthConfig {
  return {
    log: { level: 'error' },
    http: {
      addr: '127.0.0.1:0',
      host: undefined,
      tls: undefined,
      drainTimeoutSeconds: 5,
      workers: 1,
      trustedProxies: overrides.trustedProxies ?? [],
      connectors: [],
      connections: {
        headerTimeoutSeconds: DEFAULTS.headerTimeoutSeconds,
        bodyIdleTimeoutSeconds: DEFAULTS.bodyIdleTimeoutSeconds,
        keepAliveTimeoutSeconds: DEFAULTS.keepAliveTimeoutSeconds,
        maxConnections: DEFAULTS.maxConnections,
      },
    },
    storage: {
      filesystem: { rootdirectory: root },
      ...(overrides.s3 === undefined ? {} : { s3: overrides.s3 }),
      redirect: { disable: overrides.redirectDisabled ?? true },
      delete: { enabled: overrides.deleteEnabled ?? true },
      maintenance: { uploadpurging: overrides.uploadPurging ?? { enabled: true, ageSeconds: 7 * 24 * 3600, intervalSeconds: 24 * 3600 } },
    },
    uploads: { maxPerAccount: 200, maxPerProject: 1000, reclaimAfterSeconds: 900, ...overrides.uploads },
    metadata: { sqlite: { path: join(root, 'berth.db') } },
    database: {
      url: undefined,
      poolSize: DEFAULTS.databasePoolSize,
      statementTimeoutSeconds: DEFAULTS.databaseStatementTimeoutSeconds,
      connectTimeoutSeconds: DEFAULTS.databaseConnectTimeoutSeconds,
    },
    lifecycle: overrides.lifecycle ?? { gc: { graceSeconds: 3600, intervalSeconds: 0 }, restoreWindowSeconds: 86400 },
    auth: overrides.auth ?? { mode: 'none' },
    ui: overrides.ui ?? { enabled: true, path: undefined },
    notifications: overrides.notifications ?? {
      endpoints: [],
      includeReferences: false,
      maxEvents: DEFAULTS.notifyMaxEvents,
      logRetentionSeconds: DEFAULTS.notifyLogRetentionSeconds,
      webhooks: { allowPrivateTargets: false },
    },
  };
}

export async function startTestServer(overrides: TestServerOptions = {}): Promise<TestServer> {
  // A test that sets its own topology (a shared root, its own bucket) runs it as written.
  if (stackMode() && overrides.root === undefined && overrides.s3 === undefined) return startStackTestServer(overrides);
  const root = overrides.root ?? (await mkdtemp(join(tmpdir(), 'berth-http-')));
  const logger = overrides.logger ?? pino({ level: 'silent' });
  const base = testConfig(root, overrides);
  const database = await createTestDatabase(overrides.database ?? 'sqlite', 'server');
  const config: BerthConfig = { ...base, database: { ...base.database, url: database.url } };
  let composed: Composed;
  try {
    composed = await compose(config, logger, { now: overrides.now, loginLimits: overrides.loginLimits, sessionNow: overrides.sessionNow });
  } catch (error) {
    await database.drop();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const app = appFromComposed(composed, { logger, trustedProxies: config.http.trustedProxies, limits: overrides.limits });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const connectorServers: Server[] = [];
  const connectorUrls: Record<string, string> = {};
  for (const project of overrides.connectors ?? []) {
    const server = createConnectorServer(app, project);
    connectorServers.push(server);
    connectorUrls[project] = `http://127.0.0.1:${(await listenConnector(server, '127.0.0.1', 0)).port}`;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    instanceUrls: [`http://127.0.0.1:${port}`],
    root,
    registry: composed.registry,
    composed,
    databaseUrl: database.url,
    connectorUrls,
    async close() {
      try {
        await Promise.all([closeApp(app), ...connectorServers.map((server) => closeConnector(server))]);
        await composed.close();
      } finally {
        await database.drop();
        if (overrides.root === undefined) await rm(root, { recursive: true, force: true });
      }
    },
  };
}

