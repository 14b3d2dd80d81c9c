import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './load-config.js';

test('http connection limits: defaults, environment, and refusals that name the key', () => {
  const defaults = loadConfig({ env: {} }).config.http.connections;
  assert.deepEqual(defaults, { headerTimeoutSeconds: 20, bodyIdleTimeoutSeconds: 60, keepAliveTimeoutSeconds: 75, maxConnections: 2000 });

  const set = loadConfig({
    env: {
      REGISTRY_HTTP_HEADERTIMEOUT: '5s',
      REGISTRY_HTTP_BODYIDLETIMEOUT: '1m30s',
      REGISTRY_HTTP_KEEPALIVETIMEOUT: '10s',
      REGISTRY_HTTP_MAXCONNECTIONS: '500',
    },
  }).config.http.connections;
  assert.deepEqual(set, { headerTimeoutSeconds: 5, bodyIdleTimeoutSeconds: 90, keepAliveTimeoutSeconds: 10, maxConnections: 500 });
  assert.equal(loadConfig({ env: { REGISTRY_HTTP_MAXCONNECTIONS: '0' } }).config.http.connections.maxConnections, 0, '0 turns the cap off');

  assert.throws(
    () => loadConfig({ env: { REGISTRY_HTTP_HEADERTIMEOUT: '0s', REGISTRY_HTTP_BODYIDLETIMEOUT: '30', REGISTRY_HTTP_MAXCONNECTIONS: 'many' } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        'REGISTRY_HTTP_HEADERTIMEOUT (http.headertimeout): must be greater than 0',
        'REGISTRY_HTTP_BODYIDLETIMEOUT (http.bodyidletimeout): expected a duration with a unit such as "168h", got 30',
        'REGISTRY_HTTP_MAXCONNECTIONS (http.maxconnections): expected a whole number from 0 to 1000000, got "many"',
      ]);
      return true;
    },
  );
});

test('http.workers: 0 (one per core but one) by default, a number from the file or REGISTRY_HTTP_WORKERS, refused outside 0–256', () => {
  assert.equal(loadConfig({ env: {} }).config.http.workers, 0);
  assert.equal(loadConfig({ env: { REGISTRY_HTTP_WORKERS: '1' } }).config.http.workers, 1);
  for (const value of ['-1', '257', 'many', '1.5']) {
    assert.throws(
      () => loadConfig({ env: { REGISTRY_HTTP_WORKERS: value } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [`REGISTRY_HTTP_WORKERS (http.workers): expected a whole number from 0 to 256, got ${/^-?[\d.]+$/.test(value) ? value : `"${value}"`}`]);
        return true;
      },
      value,
    );
  }
});
