import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from './load-config.js';
import { tempDir, type TempDir } from './test-support.js';

// The shape of a production registry:2 config.yml, including keys Berth does not use.
const DISTRIBUTION_CONFIG = `
version: 0.1
log:
  level: debug
  formatter: text
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: false
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: true
      age: 72h
      interval: 1h30m
      dryrun: false
    readonly:
      enabled: false
http:
  addr: 127.0.0.1:5443
  host: https://registry.example.com/
  secret: asecretforlocaldevelopment
  draintimeout: 60s
  tls:
    certificate: certs/domain.crt
    key: certs/domain.key
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;

let dir: TempDir;
before(() => {
  dir = tempDir();
});
after(() => dir.remove());

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('a Distribution config.yml', () => {
  test('loads unchanged, honouring the keys Berth uses', () => {
    const file = dir.write('config.yml', DISTRIBUTION_CONFIG);
    const { config } = loadConfig({ file, env: {}, cwd: '/etc/docker/registry' });
    assert.deepEqual(config, {
      log: { level: 'debug' },
      http: {
        addr: '127.0.0.1:5443',
        host: 'https://registry.example.com',
        tls: { certificate: '/etc/docker/registry/certs/domain.crt', key: '/etc/docker/registry/certs/domain.key' },
        drainTimeoutSeconds: 60,
        trustedProxies: [],
        connections: { headerTimeoutSeconds: 20, bodyIdleTimeoutSeconds: 60, keepAliveTimeoutSeconds: 75, maxConnections: 2000 },
        workers: 0,
        connectors: [],
      },
      storage: {
        filesystem: { rootdirectory: '/var/lib/registry' },
        delete: { enabled: false },
        redirect: { disable: false },
        maintenance: { uploadpurging: { enabled: true, ageSeconds: 72 * 3600, intervalSeconds: 5400 } },
      },
      metadata: { sqlite: { path: '/var/lib/registry/berth.db' } },
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

  test('warns about each Distribution key it accepts but ignores', () => {
    const file = dir.write('config.yml', DISTRIBUTION_CONFIG);
    const { warnings } = loadConfig({ file, env: {} });
    const keys = warnings.map((w) => w.split(':')[0]).sort();
    assert.deepEqual(keys, ['health', 'http.headers', 'http.secret', 'log.fields', 'log.formatter', 'storage.cache']);
  });

  test('a registry:2 replica config with Redis starts, and the warning says where shared state goes instead', () => {
    const file = dir.write(
      'replicas.yml',
      `version: 0.1
storage:
  s3:
    region: us-east-1
    bucket: images
  cache:
    blobdescriptor: redis
redis:
  addr: redis.internal:6379
  password: hunter2
  db: 0
  dialtimeout: 10ms
  pool:
    maxidle: 16
    maxactive: 64
`,
    );
    const { config, warnings } = loadConfig({ file, env: {} });
    assert.equal(config.storage.s3?.bucket, 'images');
    const redis = warnings.find((w) => w.startsWith('redis:'));
    assert.match(redis ?? '', /same database\.url \(or BERTH_DATABASE_URL\)/);
    assert.match(redis ?? '', /own SQLite metadata/);
    assert.ok(!redis?.includes('hunter2'), 'the password is not echoed');
    assert.match(warnings.find((w) => w.startsWith('storage.cache:')) ?? '', /blobdescriptor: redis/);
  });

  test('accepts the stock registry:2 image config and its shorthand forms', () => {
    const file = dir.write(
      'stock.yml',
      `version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
auth: none
`,
    );
    assert.equal(loadConfig({ file, env: {} }).config.http.addr, ':5000');
    const shorthand = dir.write('short.yml', 'version: 0.1\nstorage: filesystem\n');
    assert.equal(loadConfig({ file: shorthand, env: {}, cwd: '/x' }).config.storage.filesystem.rootdirectory, '/x/data');
  });

  test('reads YAML 1.1 booleans as Distribution\u2019s parser does', () => {
    const file = dir.write('yes.yml', 'storage:\n  delete:\n    enabled: no\n  maintenance:\n    uploadpurging:\n      enabled: off\n');
    const { config } = loadConfig({ file, env: {} });
    assert.equal(config.storage.delete.enabled, false);
    assert.equal(config.storage.maintenance.uploadpurging.enabled, false);
  });

  test('an empty file means all defaults', () => {
    const file = dir.write('empty.yml', '');
    assert.equal(loadConfig({ file, env: {} }).config.http.addr, ':5000');
  });

  test('the deprecated top-level loglevel still sets the level, with a warning', () => {
    const file = dir.write('old.yml', 'loglevel: WARN\n');
    const { config, warnings } = loadConfig({ file, env: {} });
    assert.equal(config.log.level, 'warn');
    assert.deepEqual(warnings, ['loglevel: deprecated in Distribution; use log.level']);
  });
});

describe('problems', () => {
  test('are all reported at once, each naming its key and why', () => {
    const file = dir.write(
      'bad.yml',
      `version: 0.2
htpp:
  addr: :5000
log:
  level: verbose
http:
  addr: ":99999"
  host: registry.example.com
  tls:
    certificate: /certs/domain.crt
storage:
  gcs:
    bucket: images
  delete:
    enabled: maybe
  maintenance:
    uploadpurging:
      age: 168
      interval: soon
`,
    );
    assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })), [
      'unknown key "htpp" (did you mean "http"?)',
      'storage.gcs: not supported yet; Berth supports storage.filesystem and storage.s3 (any S3-compatible store)',
      'version: "0.2" is not supported; Distribution config files are version 0.1',
      'log.level: "verbose" is not one of error, warn, info, debug, trace',
      'http.addr: ":99999" is not a valid port',
      'http.host: "registry.example.com" is not an absolute http(s) URL such as "https://registry.example.com"',
      'http.tls: certificate is set but key is missing',
      'storage.delete.enabled: expected a boolean, got "maybe"',
      'storage.maintenance.uploadpurging.age: expected a duration with a unit such as "168h", got 168',
      'storage.maintenance.uploadpurging.interval: expected a duration such as "30s", "168h" or "1h30m", got "soon"',
    ]);
  });

  test('unknown nested keys get a suggestion with their full path', () => {
    const file = dir.write('typo.yml', 'http:\n  adr: :5000\nstorage:\n  filesystem:\n    rootdir: /data\n  delet:\n    enabled: true\nfoo: 1\n');
    assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })), [
      'unknown key "http.adr" (did you mean "http.addr"?)',
      'unknown key "storage.filesystem.rootdir" (did you mean "storage.filesystem.rootdirectory"?)',
      'unknown key "storage.delet" (did you mean "storage.delete"?)',
      'unknown key "foo"',
    ]);
  });

  test('a wrong type names what was expected and what was found', () => {
    const file = dir.write(
      'types.yml',
      'http:\n  addr: [":5000"]\n  draintimeout: true\nstorage:\n  filesystem: /data\n  delete:\n    enabled: "true"\nlog: debug\n',
    );
    assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })), [
      'storage.filesystem: expected a mapping, got "/data"',
      'log: expected a mapping, got "debug"',
      'http.addr: expected a string, got a list',
      'http.draintimeout: expected a duration such as "30s", "168h" or "1h30m", got true',
      'storage.delete.enabled: expected a boolean, got "true"',
    ]);
  });

  test('a top level that is not a mapping is one problem', () => {
    const file = dir.write('list.yml', '- a\n- b\n');
    assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })), [
      `${file}: expected a mapping of settings at the top level, got a list`,
    ]);
  });

  test('keys Berth cannot honour safely are refused, unless set to what Berth does anyway', () => {
    const refusing = dir.write(
      'refused.yml',
      `storage:
  inmemory:
  maintenance:
    readonly:
      enabled: true
auth:
  silly:
    realm: basic
http:
  prefix: /nested/
  tls:
    clientcas: [/ca.pem]
`,
    );
    assert.deepEqual(
      problemsOf(() => loadConfig({ file: refusing, env: {} })).map((p) => p.split(':')[0]),
      ['storage.inmemory', 'storage.maintenance.readonly', 'auth.silly', 'http.prefix', 'http.tls.clientcas'],
    );
    const harmless = dir.write(
      'harmless.yml',
      'storage:\n  maintenance:\n    readonly:\n      enabled: false\nhttp:\n  net: tcp\n  prefix: /\n  tls:\n    minimumtls: tls1.2\n    clientcas: []\nproxy: {}\n',
    );
    assert.deepEqual(loadConfig({ file: harmless, env: {} }).warnings, []);
  });

  test('only 0 and negative values are rejected for durations that must be positive', () => {
    const file = dir.write('zero.yml', 'http:\n  draintimeout: -1s\nstorage:\n  maintenance:\n    uploadpurging:\n      interval: 0s\n');
    assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })), [
      'http.draintimeout: must not be negative, got "-1s"',
      'storage.maintenance.uploadpurging.interval: must be greater than 0 while upload purging is enabled',
    ]);
  });

  test('a missing file is a problem, not a crash', () => {
    assert.deepEqual(problemsOf(() => loadConfig({ file: 'no-such.yml', env: {}, cwd: dir.path })), ['no-such.yml: no such file']);
  });
});

describe('durations', () => {
  test('draintimeout takes Go durations; a bare number is nanoseconds, as in Distribution', () => {
    const durations = dir.write('d.yml', 'http:\n  draintimeout: 1m30s\n');
    assert.equal(loadConfig({ file: durations, env: {} }).config.http.drainTimeoutSeconds, 90);
    const bare = dir.write('bare.yml', 'http:\n  draintimeout: 30\n');
    const { config, warnings } = loadConfig({ file: bare, env: {} });
    assert.equal(config.http.drainTimeoutSeconds, 30e-9);
    assert.deepEqual(warnings, [
      'http.draintimeout: 30 has no unit, so it means 30 nanoseconds (as in Distribution); write "30s" for seconds',
    ]);
    const zero = dir.write('zero.yml', 'http:\n  draintimeout: 0\n');
    assert.deepEqual(loadConfig({ file: zero, env: {} }), {
      config: loadConfig({ file: zero, env: {} }).config,
      warnings: [],
    });
    assert.equal(loadConfig({ file: zero, env: {} }).config.http.drainTimeoutSeconds, 0);
  });

  test('upload purging age and interval take fractions and compound units', () => {
    const file = dir.write('p.yml', 'storage:\n  maintenance:\n    uploadpurging:\n      age: 1.5h\n      interval: 45m\n');
    const purging = loadConfig({ file, env: {} }).config.storage.maintenance.uploadpurging;
    assert.deepEqual(purging, { enabled: true, ageSeconds: 5400, intervalSeconds: 2700 });
  });
});

describe('trusted proxies', () => {
  test('a YAML list or a comma-separated variable of addresses and CIDR blocks; none by default', () => {
    assert.deepEqual(loadConfig({ env: {}, cwd: dir.path }).config.http.trustedProxies, []);
    const file = dir.write('proxies.yml', 'http:\n  trustedproxies: [10.0.0.0/8, "fd00::/8", 192.0.2.7]\n');
    assert.deepEqual(loadConfig({ file, env: {} }).config.http.trustedProxies, ['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    const env = { REGISTRY_HTTP_TRUSTEDPROXIES: '127.0.0.1/32, ::1/128' };
    assert.deepEqual(loadConfig({ env, cwd: dir.path }).config.http.trustedProxies, ['127.0.0.1/32', '::1/128']);
  });

  test('an entry that is not an address or block is a problem naming it', () => {
    const env = { REGISTRY_HTTP_TRUSTEDPROXIES: '10.0.0.0/33,proxy.local' };
    assert.deepEqual(problemsOf(() => loadConfig({ env, cwd: dir.path })), [
      'REGISTRY_HTTP_TRUSTEDPROXIES (http.trustedproxies): "10.0.0.0/33" is not an IP address or CIDR block such as "10.0.0.0/8" or "fd00::/8"',
      'REGISTRY_HTTP_TRUSTEDPROXIES (http.trustedproxies): "proxy.local" is not an IP address or CIDR block such as "10.0.0.0/8" or "fd00::/8"',
    ]);
  });
});

describe('login throttle', () => {
  test('is tuned from the file or the environment, and nonsense is a problem', () => {
    const file = dir.write('throttle.yml', 'auth:\n  builtin:\n    loginthrottle:\n      peraddress: 1000\n      maxdelay: 1h\n');
    const env = { REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_FREEFAILURES: '3' };
    const { config } = loadConfig({ file, env });
    assert.ok(config.auth.mode === 'builtin');
    assert.deepEqual(config.auth.loginThrottle, { freeFailures: 3, maxDelaySeconds: 3600, perAddress: 1000, perAccount: 100, windowSeconds: 900 });
    const bad = { REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_PERACCOUNT: '0', REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_WINDOW: '0s' };
    assert.deepEqual(problemsOf(() => loadConfig({ env: bad, cwd: dir.path })), [
      'REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_PERACCOUNT (auth.builtin.loginthrottle.peraccount): expected a whole number of at least 1, got 0',
      'REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_WINDOW (auth.builtin.loginthrottle.window): must be greater than 0',
    ]);
  });
});

describe('the result', () => {
  test('is deeply frozen', () => {
    const file = dir.write('config.yml', DISTRIBUTION_CONFIG);
    const { config } = loadConfig({ file, env: {} });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.http.tls));
    assert.ok(Object.isFrozen(config.storage.maintenance.uploadpurging));
    assert.throws(() => {
      (config.storage.delete as { enabled: boolean }).enabled = true;
    }, TypeError);
  });

  test('resolves relative paths against the working directory', () => {
    const file = dir.write('rel.yml', 'storage:\n  filesystem:\n    rootdirectory: ./registry\nmetadata:\n  sqlite:\n    path: meta/berth.db\n');
    const { config } = loadConfig({ file, env: {}, cwd: '/opt/berth' });
    assert.equal(config.storage.filesystem.rootdirectory, '/opt/berth/registry');
    assert.equal(config.metadata.sqlite.path, '/opt/berth/meta/berth.db');
  });
});
