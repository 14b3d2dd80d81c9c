import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, defaultSqlitePath } from './defaults.js';
import { loadConfig } from './load-config.js';

test('with no file and no environment, every default applies', () => {
  const { config, warnings } = loadConfig({ env: {}, cwd: '/srv/berth' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    log: { level: 'info' },
    http: {
      addr: ':5000',
      host: undefined,
      tls: undefined,
      drainTimeoutSeconds: 30,
      trustedProxies: [],
      connections: { headerTimeoutSeconds: 20, bodyIdleTimeoutSeconds: 60, keepAliveTimeoutSeconds: 75, maxConnections: 2000 },
      workers: 0,
      connectors: [],
    },
    storage: {
      filesystem: { rootdirectory: '/srv/berth/data' },
      delete: { enabled: true },
      redirect: { disable: false },
      maintenance: { uploadpurging: { enabled: true, ageSeconds: 604800, intervalSeconds: 86400 } },
    },
    metadata: { sqlite: { path: '/srv/berth/data/berth.db' } },
    database: { url: undefined, poolSize: 10, statementTimeoutSeconds: 30, connectTimeoutSeconds: 10 },
    lifecycle: { gc: { graceSeconds: 3600, intervalSeconds: 86400 }, restoreWindowSeconds: 86400 },
    uploads: { maxPerAccount: 200, maxPerProject: 1000, reclaimAfterSeconds: 900 },
    ui: { enabled: true, path: undefined },
    notifications: { endpoints: [], includeReferences: false, maxEvents: 100_000, logRetentionSeconds: 604_800, webhooks: { allowPrivateTargets: false } },
    auth: {
      mode: 'builtin',
      service: 'berth',
      issuer: 'berth-token-service',
      realm: undefined,
      anonymousPull: true,
      createProjectsOnPush: false,
      tokenTtlSeconds: 300,
      auditRetentionSeconds: 7776000,
      loginThrottle: { freeFailures: 10, maxDelaySeconds: 900, perAddress: 100, perAccount: 100, windowSeconds: 900 },
      session: { idleTimeoutSeconds: 1800, lifetimeSeconds: 43200, maxPerUser: 20 },
    },
  });
});

test('the metadata database follows the blob root unless placed elsewhere', () => {
  assert.equal(defaultSqlitePath('/var/lib/registry'), '/var/lib/registry/berth.db');
  const { config } = loadConfig({ env: { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/var/lib/registry' } });
  assert.equal(config.metadata.sqlite.path, '/var/lib/registry/berth.db');
});

test('upload caps are read from the environment; a count below 1 or not whole is a problem', () => {
  const { config } = loadConfig({
    env: { BERTH_UPLOADS_MAXPERACCOUNT: '5', BERTH_UPLOADS_MAXPERPROJECT: '7', BERTH_UPLOADS_RECLAIMAFTER: '2m' },
  });
  assert.deepEqual(config.uploads, { maxPerAccount: 5, maxPerProject: 7, reclaimAfterSeconds: 120 });
  for (const bad of ['0', '-1', '2.5', 'many']) {
    assert.throws(() => loadConfig({ env: { BERTH_UPLOADS_MAXPERACCOUNT: bad } }), /uploads\.maxperaccount.*whole number/s, bad);
  }
});

test('the defaults themselves cannot be changed', () => {
  assert.ok(Object.isFrozen(DEFAULTS));
});
