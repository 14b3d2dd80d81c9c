/**
 * The deployment files kept true without running them: the systemd unit passes
 * `systemd-analyze verify` with no warning and scores as hardened by `systemd-analyze security`
 * (when systemd's tools are on the machine); the configs shipped for the image and the unit,
 * and registry:2's own default config.yml, load as `berth serve` would load them; the compose
 * files' Berth environment is a valid Berth configuration and nginx's upstreams are the compose
 * services. (The image itself is built and run by test/e2e/container-image.test.ts; docker
 * compose is not installed here, so the stacks are not started.)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/cli/command-table.js';
import { checkConfigFile } from '../../src/config/check-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { berthCli, startBerth } from '../support/registry-process.js';
import { createTestCa } from '../e2e/support/tls-ca.js';
import { run } from '../e2e/support/run.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

/** Only the variables a test sets: the runner's own REGISTRY_* must not leak into these checks. */
const noEnv: Record<string, string> = {};

describe('systemd unit', { skip: systemdAnalyze === undefined && 'systemd-analyze is not installed' }, () => {
  let dir: string;
  let unit: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-unit-'));
    // verify checks that ExecStart exists; the unit names where npm install -g puts berth, so
    // the copy under test points at this checkout's entry point instead (its only change).
    const text = read('deploy/systemd/berth.service');
    assert.match(text, /^ExecStart=\/usr\/local\/bin\/berth serve /m);
    unit = join(dir, 'berth.service');
    await writeFile(unit, text.replace(/^ExecStart=\/usr\/local\/bin\/berth /m, `ExecStart=${berthCli} `));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes systemd-analyze verify without a warning', async () => {
    const result = await run(systemdAnalyze!, ['verify', unit], { allowFailure: true });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '');
  });

  it('verify would name a mistyped hardening option (the check above can fail)', async () => {
    const bad = join(dir, 'berth-typo.service');
    await writeFile(bad, readFileSync(unit, 'utf8').replace('ProtectSystem=strict', 'ProtectSystm=strict'));
    const result = await run(systemdAnalyze!, ['verify', bad], { allowFailure: true });
    assert.match(result.stderr, /Unknown key 'ProtectSystm'/);
  });

  it('is hardened: exposure at most 2.0 by systemd-analyze security, no capabilities, a read-only system', async () => {
    const result = await run(systemdAnalyze!, ['security', '--offline=yes', '--no-pager', unit], { allowFailure: true });
    const score = /Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout);
    assert.ok(score, result.stdout + result.stderr);
    console.log(`# systemd-analyze security: exposure ${score[1]}`);
    assert.ok(Number(score[1]) <= 2.0, `exposure ${score[1]}`);
    const text = read('deploy/systemd/berth.service');
    for (const line of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=\n', 'ReadWritePaths=/var/lib/berth']) {
      assert.ok(text.includes(line), line.trim());
    }
  });
});

describe('shipped configs', () => {
  for (const file of ['deploy/container/config.yml', 'deploy/systemd/config.yml']) {
    it(`${file} loads with no problem`, () => {
      const result = checkConfigFile(join(repoRoot, file), noEnv);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.warnings, []);
    });
  }

  it("registry:2's own default config.yml, which users mount into the image, loads with no problem", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-r2-'));
    try {
      const file = join(dir, 'config.yml');
      await writeFile(
        file,
        'version: 0.1\nlog:\n  fields:\n    service: registry\nstorage:\n  cache:\n    blobdescriptor: inmemory\n' +
          '  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  addr: :5000\n  headers:\n    X-Content-Type-Options: [nosniff]\n' +
          'health:\n  storagedriver:\n    enabled: true\n    interval: 10s\n    threshold: 3\n',
      );
      assert.deepEqual(checkConfigFile(file, noEnv).problems, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the image config keeps its data in /var/lib/registry, on :5000, draining within docker stop’s 10 s', () => {
    const outcome = resolveConfig({ file: join(repoRoot, 'deploy/container/config.yml'), env: noEnv });
    assert.ok(outcome.ok);
    assert.equal(outcome.config.storage.filesystem.rootdirectory, '/var/lib/registry');
    assert.equal(outcome.config.http.addr, ':5000');
    assert.ok(outcome.config.http.drainTimeoutSeconds < 10);
  });
});

describe('container entry point', () => {
  it("runs every berth command as berth's, not as a program of the same name", () => {
    const script = read('deploy/container/entrypoint.sh');
    const list = /case "\$1" in\s*\n\s*(serve[^)]*)\)/.exec(script);
    assert.ok(list, 'the command list in entrypoint.sh');
    const names = new Set(list[1].split(/[\s|\\]+/).filter(Boolean));
    assert.deepEqual(COMMANDS.map((c) => c.name).filter((name) => !names.has(name)), []);
  });
});

describe('container healthcheck script', () => {
  // The image's check, run here against a Berth over TLS: it must follow REGISTRY_* as serve does.
  it('answers 0 when Berth answers /healthz where the config says, 1 when it does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-health-'));
    const ca = await createTestCa(dir);
    const tls = { certificate: ca.serverCert, key: ca.serverKey };
    const berth = await startBerth({ tls });
    try {
      const check = (env: Record<string, string>) =>
        run(process.execPath, [join(repoRoot, 'deploy/container/healthcheck.mjs'), join(repoRoot, 'deploy/container/config.yml')], { env: { PATH: process.env.PATH, ...env }, allowFailure: true, timeoutMs: 30_000 });
      const tlsEnv = { REGISTRY_HTTP_TLS_CERTIFICATE: tls.certificate, REGISTRY_HTTP_TLS_KEY: tls.key };
      const ok = await check({ REGISTRY_HTTP_ADDR: `127.0.0.1:${berth.port}`, ...tlsEnv });
      assert.equal(ok.code, 0, ok.stderr);
      // Plain HTTP to the TLS port, and the right protocol to a port nobody listens on.
      assert.equal((await check({ REGISTRY_HTTP_ADDR: `127.0.0.1:${berth.port}` })).code, 1);
      assert.equal((await check({ REGISTRY_HTTP_ADDR: '127.0.0.1:1', ...tlsEnv })).code, 1);
    } finally {
      await berth.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compose files', () => {
  it('the embedded compose.yaml runs the image as registry:2 is run', () => {
    const compose = parse(read('compose.yaml')) as { services: Record<string, { build: string; ports: string[]; volumes: string[]; restart: string }> };
    const registry = compose.services.registry!;
    assert.equal(registry.build, '.');
    assert.deepEqual(registry.ports, ['5000:5000']);
    assert.deepEqual(registry.volumes, ['./data:/var/lib/registry']);
    assert.equal(registry.restart, 'always');
  });

  it('the scale-out stack gives each Berth a valid configuration and nginx routes to all of them', () => {
    const compose = parse(read('deploy/scale-out/compose.yaml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; image?: string; volumes?: string[] }>;
    };
    const berths = Object.entries(compose.services).filter(([, s]) => s.image === 'berth');
    assert.equal(berths.length, 3);
    // Compose's ${VAR:-default} and ${VAR:?message}, with the values a user would set.
    const values: Record<string, string> = { BERTH_ADMIN_PASSWORD: 'a long admin secret', S3_SECRET: 'an s3 secret', POSTGRES_PASSWORD: 'pg' };
    const interpolate = (text: string) =>
      text.replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => values[name] ?? fallback ?? '');
    for (const [name, service] of berths) {
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
      assert.match(env.BERTH_DATABASE_URL ?? '', /^postgres:\/\/berth:pg@postgres:5432\/berth$/, name);
      const outcome = resolveConfig({ env });
      assert.ok(outcome.ok, `${name}: ${outcome.ok ? '' : outcome.problems.join('; ')}`);
      assert.equal(outcome.config.storage.s3?.bucket, 'berth');
      // auth/secrets.key must be one file for all instances.
      assert.deepEqual(service.volumes, ['berth-root:/var/lib/registry'], name);
    }
    const upstreams = [...read('deploy/scale-out/nginx.conf').matchAll(/^\s*server (\S+):5000\b/gm)].map((m) => m[1]).sort();
    assert.deepEqual(upstreams, berths.map(([name]) => name).sort());
  });
});
