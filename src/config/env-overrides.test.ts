import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from './load-config.js';
import { tempDir, type TempDir } from './test-support.js';

let dir: TempDir;
before(() => {
  dir = tempDir();
});
after(() => dir.remove());

const load = (env: Record<string, string | undefined>, file?: string) => loadConfig({ file, env, cwd: '/srv' });

function problemsOf(env: Record<string, string | undefined>, file?: string): string[] {
  try {
    load(env, file);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('each REGISTRY_ override', () => {
  test('REGISTRY_HTTP_ADDR, including an IPv6 address YAML would misread', () => {
    assert.equal(load({ REGISTRY_HTTP_ADDR: '127.0.0.1:6000' }).config.http.addr, '127.0.0.1:6000');
    assert.equal(load({ REGISTRY_HTTP_ADDR: '[::1]:6000' }).config.http.addr, '[::1]:6000');
  });

  test('REGISTRY_HTTP_HOST', () => {
    assert.equal(load({ REGISTRY_HTTP_HOST: 'https://r.example.com:5000' }).config.http.host, 'https://r.example.com:5000');
  });

  test('REGISTRY_HTTP_TLS_CERTIFICATE and REGISTRY_HTTP_TLS_KEY', () => {
    const { config } = load({ REGISTRY_HTTP_TLS_CERTIFICATE: '/certs/domain.crt', REGISTRY_HTTP_TLS_KEY: 'certs/domain.key' });
    assert.deepEqual(config.http.tls, { certificate: '/certs/domain.crt', key: '/srv/certs/domain.key' });
  });

  test('REGISTRY_HTTP_DRAINTIMEOUT', () => {
    assert.equal(load({ REGISTRY_HTTP_DRAINTIMEOUT: '2m' }).config.http.drainTimeoutSeconds, 120);
  });

  test('REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY', () => {
    const { config } = load({ REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/somewhere' });
    assert.equal(config.storage.filesystem.rootdirectory, '/somewhere');
    assert.equal(config.metadata.sqlite.path, '/somewhere/berth.db');
  });

  test('REGISTRY_STORAGE_DELETE_ENABLED, with YAML 1.1 booleans', () => {
    assert.equal(load({ REGISTRY_STORAGE_DELETE_ENABLED: 'false' }).config.storage.delete.enabled, false);
    assert.equal(load({ REGISTRY_STORAGE_DELETE_ENABLED: 'no' }).config.storage.delete.enabled, false);
    assert.equal(load({ REGISTRY_STORAGE_DELETE_ENABLED: 'True' }).config.storage.delete.enabled, true);
  });

  test('REGISTRY_LOG_LEVEL', () => {
    assert.equal(load({ REGISTRY_LOG_LEVEL: 'debug' }).config.log.level, 'debug');
  });

  test('REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_ENABLED, _AGE and _INTERVAL', () => {
    const { config } = load({
      REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_ENABLED: 'false',
      REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_AGE: '48h',
      REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_INTERVAL: '30m',
    });
    assert.deepEqual(config.storage.maintenance.uploadpurging, { enabled: false, ageSeconds: 172800, intervalSeconds: 1800 });
  });

  test('BERTH_METADATA_SQLITE_PATH', () => {
    assert.equal(load({ BERTH_METADATA_SQLITE_PATH: 'db/meta.db' }).config.metadata.sqlite.path, '/srv/db/meta.db');
  });
});

describe('precedence and shape', () => {
  test('the environment overrides the file; an empty variable leaves a string key unset', () => {
    const file = dir.write('c.yml', 'http:\n  addr: :5000\n  host: https://a.example.com\nlog:\n  level: warn\n');
    const { config } = load({ REGISTRY_HTTP_ADDR: ':7000', REGISTRY_HTTP_HOST: '' }, file);
    assert.equal(config.http.addr, ':7000');
    assert.equal(config.http.host, undefined);
    assert.equal(config.log.level, 'warn');
  });

  test('a whole section can be set as YAML, and deeper variables refine it', () => {
    const { config } = load({
      REGISTRY_STORAGE: '{filesystem: {rootdirectory: /a}, delete: {enabled: false}}',
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/b',
    });
    assert.equal(config.storage.filesystem.rootdirectory, '/b');
    assert.equal(config.storage.delete.enabled, false);
  });

  test('REGISTRY_STORAGE=s3 with REGISTRY_STORAGE_S3_* selects the S3 store with registry:2\'s keys', () => {
    const { config } = load({
      REGISTRY_STORAGE: 's3',
      REGISTRY_STORAGE_S3_REGION: 'eu-west-1',
      REGISTRY_STORAGE_S3_REGIONENDPOINT: 'http://127.0.0.1:7480/',
      REGISTRY_STORAGE_S3_BUCKET: 'images',
      REGISTRY_STORAGE_S3_ACCESSKEY: 'AKID',
      REGISTRY_STORAGE_S3_SECRETKEY: 'secret',
      REGISTRY_STORAGE_S3_ROOTDIRECTORY: '/berth/',
      REGISTRY_STORAGE_S3_CHUNKSIZE: '5242880',
      REGISTRY_STORAGE_S3_FORCEPATHSTYLE: 'true',
      REGISTRY_STORAGE_REDIRECT_DISABLE: 'true',
      REGISTRY_STORAGE_DELETE_ENABLED: 'true',
    });
    assert.deepEqual(config.storage.s3, {
      region: 'eu-west-1',
      regionendpoint: 'http://127.0.0.1:7480',
      bucket: 'images',
      accesskey: 'AKID',
      secretkey: 'secret',
      rootdirectory: 'berth',
      chunksize: 5242880,
      forcepathstyle: true,
    });
    assert.equal(config.storage.redirect.disable, true);
  });

  test('REGISTRY_STORAGE=s3 alone names what is missing', () => {
    assert.deepEqual(problemsOf({ REGISTRY_STORAGE: 's3' }), [
      'REGISTRY_STORAGE (storage.s3.bucket): is required: the bucket that holds the blobs (REGISTRY_STORAGE_S3_BUCKET)',
      'REGISTRY_STORAGE (storage.s3.region): is required unless regionendpoint is set (e.g. us-east-1)',
    ]);
  });

  test('S3 settings Berth cannot honour are refused in one line naming what to use', () => {
    assert.deepEqual(
      problemsOf({
        REGISTRY_STORAGE: 's3',
        REGISTRY_STORAGE_S3_REGION: 'us-east-1',
        REGISTRY_STORAGE_S3_BUCKET: 'images',
        REGISTRY_STORAGE_S3_ENCRYPT: 'true',
        REGISTRY_STORAGE_S3_CHUNKSIZE: '1048576',
        REGISTRY_STORAGE_S3_ACCESSKEY: 'AKID',
      }),
      [
        'REGISTRY_STORAGE_S3_ENCRYPT (storage.s3.encrypt): server-side encryption is not supported yet; enable default encryption on the bucket instead',
        'REGISTRY_STORAGE (storage.s3.secretkey): is required with the other of accesskey and secretkey (or leave both unset for the AWS credential chain)',
        'REGISTRY_STORAGE_S3_CHUNKSIZE (storage.s3.chunksize): expected a whole number from 5242880 to 5368709120, got 1048576',
      ],
    );
  });

  test('REGISTRY_STORAGE=gcs selects a driver Berth refuses, even with later refinements', () => {
    assert.deepEqual(problemsOf({ REGISTRY_STORAGE: 'gcs', REGISTRY_STORAGE_DELETE_ENABLED: 'true' }), [
      'REGISTRY_STORAGE (storage.gcs): not supported yet; Berth supports storage.filesystem and storage.s3 (any S3-compatible store)',
    ]);
  });

  test('Distribution keys Berth ignores are warnings naming the variable', () => {
    const { warnings } = load({ REGISTRY_HTTP_SECRET: 's3cr3t', REGISTRY_HEALTH_STORAGEDRIVER_ENABLED: 'true' });
    assert.deepEqual(warnings, [
      'REGISTRY_HEALTH_STORAGEDRIVER_ENABLED (health): ignored; Berth serves /healthz and /readyz',
      'REGISTRY_HTTP_SECRET (http.secret): ignored; Berth keeps upload state server-side, so nothing is signed with it',
    ]);
  });

  test('notification endpoints come as one YAML list, as Distribution reads them', () => {
    const { config, warnings } = load({
      REGISTRY_NOTIFICATIONS_ENDPOINTS: '- name: hook\n  url: http://listener.example/events\n  headers:\n    Authorization: [Bearer x]\n  timeout: 500ms\n  threshold: 5\n  backoff: 2s\n  ignoredmediatypes: [application/octet-stream]\n  ignore:\n    actions: [pull]\n',
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.notifications.endpoints, [
      {
        name: 'hook',
        url: 'http://listener.example/events',
        headers: { Authorization: ['Bearer x'] },
        timeoutSeconds: 0.5,
        threshold: 5,
        backoffSeconds: 2,
        ignoredMediaTypes: ['application/octet-stream'],
        ignoredActions: ['pull'],
        disabled: false,
      },
    ]);
  });

  test('a variable for one field of one endpoint is refused: the list is set as a whole', () => {
    assert.throws(() => load({ REGISTRY_NOTIFICATIONS_ENDPOINTS_0_NAME: 'hook' }), /REGISTRY_NOTIFICATIONS_ENDPOINTS_0_NAME: not a setting/);
  });

  test('bad endpoints are problems naming the entry', () => {
    const endpoints = '- name: a\n  url: ftp://x\n- url: http://x\n  ignore:\n    actions: [fetch]\n  color: red\n- name: a\n  url: http://y\n  headers:\n    "X-A": ["a\\nb"]\n';
    assert.throws(
      () => load({ REGISTRY_NOTIFICATIONS_ENDPOINTS: endpoints }),
      (error: Error & { problems?: string[] }) => {
        assert.deepEqual(error.problems, [
          'REGISTRY_NOTIFICATIONS_ENDPOINTS (notifications.endpoints.0.url): expected an http:// or https:// URL, got "ftp://x"',
          'REGISTRY_NOTIFICATIONS_ENDPOINTS (notifications.endpoints.1.color): unknown key',
          'REGISTRY_NOTIFICATIONS_ENDPOINTS (notifications.endpoints.1.name): is required',
          'REGISTRY_NOTIFICATIONS_ENDPOINTS (notifications.endpoints.1.ignore.actions): "fetch" is not an action; use push, pull, mount or delete',
          'REGISTRY_NOTIFICATIONS_ENDPOINTS (notifications.endpoints.2.headers): the value of "X-A" holds a line break',
          'REGISTRY_NOTIFICATIONS_ENDPOINTS (notifications.endpoints): two endpoints are named "a"; names must be unique',
        ]);
        return true;
      },
    );
  });

  test('variables injected for a service or container named "registry" are left alone', () => {
    const { warnings } = load({
      REGISTRY_PORT: 'tcp://10.0.0.7:5000',
      REGISTRY_PORT_5000_TCP_ADDR: '10.0.0.7',
      REGISTRY_SERVICE_HOST: '10.0.0.7',
      REGISTRY_SERVICE_PORT: '5000',
      REGISTRY_NAME: '/web/registry',
      REGISTRY_ENV_FOO: 'bar',
      BERTH_TEST_FILTER: 'config',
    });
    assert.deepEqual(warnings, []);
  });
});

describe('problems from the environment', () => {
  test('bad values name the variable', () => {
    assert.deepEqual(
      problemsOf({
        REGISTRY_HTTP_ADDR: ':99999',
        REGISTRY_STORAGE_DELETE_ENABLED: 'maybe',
        REGISTRY_HTTP_DRAINTIMEOUT: 'a while',
        REGISTRY_LOG_LEVEL: 'loud',
        REGISTRY_HTTP_TLS_CERTIFICATE: '/c.pem',
      }),
      [
        'REGISTRY_LOG_LEVEL (log.level): "loud" is not one of error, warn, info, debug, trace',
        'REGISTRY_HTTP_ADDR (http.addr): ":99999" is not a valid port',
        'REGISTRY_HTTP_TLS_CERTIFICATE (http.tls): certificate is set but key is missing',
        'REGISTRY_HTTP_DRAINTIMEOUT (http.draintimeout): expected a duration such as "30s", "168h" or "1h30m", got "a while"',
        'REGISTRY_STORAGE_DELETE_ENABLED (storage.delete.enabled): expected a boolean, got "maybe"',
      ],
    );
  });

  test('a variable naming no known key is a problem with a suggestion', () => {
    assert.deepEqual(problemsOf({ REGISTRY_HTTP_ADRR: ':5000', REGISTRY_STORAGE_FILESYSTEM_ROOTDIR: '/x', REGISTRY_XYZZY: '1' }), [
      'REGISTRY_HTTP_ADRR: not a setting Berth or Distribution knows (did you mean REGISTRY_HTTP_ADDR?)',
      'REGISTRY_STORAGE_FILESYSTEM_ROOTDIR: not a setting Berth or Distribution knows (did you mean REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY?)',
      'REGISTRY_XYZZY: not a setting Berth or Distribution knows',
    ]);
  });

  test('Berth-only keys take BERTH_, Distribution keys take REGISTRY_', () => {
    assert.deepEqual(problemsOf({ REGISTRY_METADATA_SQLITE_PATH: '/m.db' }), [
      'REGISTRY_METADATA_SQLITE_PATH: Berth-only settings take the BERTH_ prefix (BERTH_METADATA_SQLITE_PATH)',
    ]);
    const { config, warnings } = load({ BERTH_HTTP_ADDR: ':6000' });
    assert.equal(config.http.addr, ':5000');
    assert.deepEqual(warnings, ['BERTH_HTTP_ADDR: ignored; Distribution settings take the REGISTRY_ prefix (REGISTRY_HTTP_ADDR)']);
  });

  test('a section set to YAML that does not parse is a problem naming the variable', () => {
    const problems = problemsOf({ REGISTRY_STORAGE: '{filesystem: [' });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^REGISTRY_STORAGE: cannot read the value as YAML: /);
  });

  test('unknown keys inside a section set from the environment name the variable', () => {
    assert.deepEqual(problemsOf({ REGISTRY_HTTP: '{adr: ":5000"}' }), [
      'REGISTRY_HTTP: unknown key "http.adr" (did you mean "http.addr"?)',
    ]);
  });
});
