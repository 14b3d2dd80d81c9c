import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConnectors } from './connectors.js';
import { ConfigError, loadConfig } from './load-config.js';
import { tempDir, type TempDir } from './test-support.js';

let dir: TempDir;
before(() => {
  dir = tempDir();
});
after(() => dir.remove());

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a configuration problem');
}

describe('http.connectors', () => {
  test('none by default', () => {
    assert.deepEqual(loadConfig({ env: {}, cwd: '/srv' }).config.http.connectors, []);
  });

  test('YAML list of project=addr strings or {project, addr} maps', () => {
    const file = dir.write('connectors.yml', 'http:\n  connectors:\n    - all=:5001\n    - project: team\n      addr: "127.0.0.1:5002"\n');
    assert.deepEqual(loadConfig({ file, env: {}, cwd: '/srv' }).config.http.connectors, [
      { project: 'all', addr: ':5001' },
      { project: 'team', addr: '127.0.0.1:5002' },
    ]);
  });

  test('REGISTRY_HTTP_CONNECTORS takes them comma-separated, IPv6 hosts included', () => {
    const { config } = loadConfig({ env: { REGISTRY_HTTP_CONNECTORS: 'all=:5001, hub=[::1]:5003' }, cwd: '/srv' });
    assert.deepEqual(config.http.connectors, [
      { project: 'all', addr: ':5001' },
      { project: 'hub', addr: '[::1]:5003' },
    ]);
  });

  test('bad entries are problems naming the entry', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['all', /expected "project=addr"/],
      ['All=:5001', /not a project name/],
      ['team/app=:5001', /not a project name/],
      ['all=5001', /not host:port or :port/],
      ['all=:99999', /not a valid port/],
      ['all=:5000', /already the address of http.addr/],
      [['a=:5001', 'b=127.0.0.1:5001'], /already the address of the connector of a/],
      [[{ project: 'all', addr: ':5001', tls: true }], /expected "project=addr"/],
      [{ all: ':5001' }, /in a list/],
    ];
    for (const [value, message] of cases) {
      const { problems } = parseConnectors(value, ':5000');
      assert.equal(problems.length, 1, `${JSON.stringify(value)}: ${problems.join('; ')}`);
      assert.match(problems[0]!, message);
    }
    assert.deepEqual(parseConnectors('a=:0,b=:0', ':5000').problems, [], 'port 0 (any free port) never clashes');
  });

  test('refused with an external token server, which would grant the relative names', () => {
    const file = dir.write(
      'token.yml',
      'http:\n  connectors: [all=:5001]\nauth:\n  token:\n    realm: https://auth.example.com/token\n    service: registry\n    issuer: auth\n    rootcertbundle: /etc/ca.pem\n',
    );
    assert.match(problemsOf(() => loadConfig({ file, env: {}, cwd: '/srv' })), /connectors.*auth\.token/s);
  });
});
