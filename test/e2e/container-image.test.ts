/**
 * Berth's own container image, built from the repository's Dockerfile with the Docker engine and
 * run as registry:2 users run theirs: `-v DATA:/var/lib/registry --restart=always`, a registry:2
 * config.yml mounted at /etc/docker/registry/config.yml, REGISTRY_* variables. Then skopeo
 * pushes and pulls through it, the container restarts with its data intact, the healthcheck
 * turns healthy, Berth runs as uid 10001 with no capabilities, and `docker stop` ends it by
 * SIGTERM well inside docker's 10 s.
 *
 * The base images the Dockerfile names are made locally (support/node-base-images.ts). The
 * private dockerd has no bridge (the tests must not touch the host's network set-up), so the
 * containers use the host's network on a free port instead of `-p 5000:5000`, and the build
 * reaches the npm registry with `--network host`. The build is the slow part: 3 to 7 minutes
 * here with overlay2, mostly compiling better-sqlite3 (vfs, where overlay is unavailable, is slower).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/registry-process.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import { baseRootfs, BUILD_BASE, fromImages, importBaseImages, RUNTIME_BASE } from './support/node-base-images.js';
import { run } from './support/run.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const IMAGE = 'berth-e2e:latest';
const BERTH_UID = 10001;
const ADMIN_PASSWORD = 'container-image-admin-pw';

/** registry:2's own default config.yml, verbatim but for the port (the containers share the host's network). */
function registry2Config(port: number): string {
  return `version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :${port}
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;
}

/** overlay2 where the kernel and the temp dir's filesystem allow it; vfs anywhere else. */
function storageDriver(dir: string): 'vfs' | 'overlay2' {
  const kernel = readFileSync('/proc/filesystems', 'utf8');
  if (!/\toverlay\n/.test(kernel)) return 'vfs';
  const fs = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  const mount = fs.filter((f) => f[1] !== undefined && dir.startsWith(f[1])).sort((a, b) => b[1].length - a[1].length)[0];
  return mount?.[2] === 'overlay' ? 'vfs' : 'overlay2';
}

async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  for (const mount of mounts.filter((m) => m.startsWith(`${dir}/`)).reverse()) {
    await run('umount', ['-l', mount], { allowFailure: true });
  }
}

interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  Health?: { Status: string; Log: { ExitCode: number; Output: string }[] };
}

describe('container image', () => {
  let ws: Workspace;
  let containerd: Containerd;
  let dockerd: Dockerd;

  before(async () => {
    ws = await createWorkspace('image');
    const tars = await baseRootfs((line) => console.log(`# ${line}`));
    containerd = await startContainerd(ws.subdir('containerd'));
    const dir = ws.subdir('dockerd');
    dockerd = await startDockerd(dir, { containerdAddress: containerd.address, caBundle: ws.ca.bundle, storageDriver: storageDriver(dir) });
    await importBaseImages(dockerd.docker, tars);
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    // Running containers leaves dockerd's network namespace mounted under its exec root.
    if (ws) await unmountUnder(ws.dir);
    await ws?.cleanup();
  });

  const docker = (args: readonly string[], timeoutMs = 180_000) => dockerd.docker(args, { timeoutMs });
  const state = async (name: string) => JSON.parse((await docker(['inspect', '--format', '{{json .State}}', name])).stdout) as ContainerState;
  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const healthz = async (port: number) => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  };
  const healthy = (name: string) =>
    waitFor(`${name} to turn healthy`, async () => {
      const s = await state(name);
      if (s.Health?.Status === 'unhealthy') throw new Error(`${name} is unhealthy: ${JSON.stringify(s.Health.Log.at(-1))}`);
      return s.Health?.Status === 'healthy' ? s : undefined;
    });
  /** The status line of PID 1 in the container: Berth itself, since the entry point execs it. */
  const pid1 = async (name: string, field: string) => {
    const status = (await docker(['exec', name, 'cat', '/proc/1/status'])).stdout;
    return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
  };

  it('the Dockerfile names the base images this test provides', () => {
    assert.deepEqual(fromImages(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')), [BUILD_BASE, RUNTIME_BASE]);
  });

  it('builds with docker build from the repository (legacy builder, --network host for npm)', async () => {
    const started = Date.now();
    const build = await docker(['build', '--network', 'host', '--tag', IMAGE, repoRoot], 1_800_000);
    const buildSeconds = (Date.now() - started) / 1000;
    // .dockerignore keeps node_modules, dist and data out: the context is the sources alone.
    const context = /Sending build context to Docker daemon\s+([\d.]+)([kMG]?B)/.exec(build.stdout);
    assert.ok(context, build.stdout.slice(0, 500));
    const megabytes = Number(context[1]) * ({ B: 1e-6, kB: 1e-3, MB: 1, GB: 1e3 } as Record<string, number>)[context[2]]!;
    console.log(`# docker build took ${buildSeconds.toFixed(0)} s; context ${context[1]} ${context[2]}`);
    assert.ok(megabytes < 20, `build context of ${context[1]} ${context[2]}`);
    const config = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .Config}}', IMAGE])).stdout) as {
      ExposedPorts: Record<string, unknown>;
      Volumes: Record<string, unknown>;
      Healthcheck: { Test: string[] };
      Entrypoint: string[];
      Cmd: string[];
    };
    assert.deepEqual(Object.keys(config.ExposedPorts), ['5000/tcp']);
    assert.deepEqual(Object.keys(config.Volumes), ['/var/lib/registry']);
    assert.deepEqual(config.Cmd, ['serve', '/etc/docker/registry/config.yml']);
    assert.match(config.Healthcheck.Test.join(' '), /healthcheck\.mjs/);
  });

  it('holds no compilers, dev dependencies, tests or sources, and answers berth --version', async () => {
    const probe = [
      'for c in gcc g++ cc make python3 tsc; do command -v $c; done',
      'ls /opt/berth/node_modules | grep -x -e typescript -e vite -e playwright-core',
      // Berth's own tests and sources; dependencies ship what they ship.
      'find /opt/berth -path /opt/berth/node_modules -prune -o \\( -name "*.test.js" -o -name "*.ts" -o -name "*.map" \\) -print | head -3',
      'test -e /opt/berth/dist/test && echo dist/test',
      'test -f /opt/berth/ui/dist/index.html || echo no-ui',
    ].join('; ');
    const { stdout } = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', IMAGE, '-c', `${probe}; true`]);
    assert.equal(stdout.trim(), '', `the image should not hold these:\n${stdout}`);
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await docker(['run', '--rm', '--network', 'none', IMAGE, '--version'])).stdout.trim(), version.version);
    // `rm` is also a program on the PATH; the entry point must give the word to Berth.
    assert.match((await docker(['run', '--rm', '--network', 'none', IMAGE, 'rm', '--help'])).stdout, /^Usage: berth rm /);
  });

  describe('run as registry:2 is run', () => {
    let port: number;
    let data: string;
    let tools: ContainersTools;
    const name = 'berth-main';
    const pushed: Record<string, string> = {};

    before(async () => {
      port = await freePort();
      // Not created beforehand: docker creates it, root's, as it does for `-v ./data:…`.
      data = join(ws.dir, 'data');
      const config = join(ws.dir, 'config.yml');
      await writeFile(config, registry2Config(port));
      tools = await containersTools(ws.subdir('tools'), { transport: 'plain', host: `127.0.0.1:${port}`, ca: undefined });
      await docker([
        'run', '-d', '--name', name, '--restart=always', '--network', 'host',
        '--health-interval', '2s',
        '-v', `${data}:/var/lib/registry`,
        '-v', `${config}:/etc/docker/registry/config.yml:ro`,
        '-e', `BERTH_ADMIN_PASSWORD=${ADMIN_PASSWORD}`,
        IMAGE,
      ]);
    });
    after(async () => {
      if (process.env.E2E_REGISTRY_LOG) console.log((await docker(['logs', name], 30_000).catch(() => undefined))?.stderr);
      await docker(['rm', '-f', name]).catch(() => undefined);
    });

    it('serves on the port of the mounted config.yml and its healthcheck turns healthy', async () => {
      await waitFor('/healthz', () => healthz(port));
      await healthy(name);
    });

    it('runs Berth as the berth user with no capabilities, owning the volume docker created', async () => {
      assert.equal((await pid1(name, 'Uid')).split(/\s+/)[0], String(BERTH_UID));
      assert.equal(await pid1(name, 'CapEff'), '0000000000000000');
      assert.equal(await pid1(name, 'NoNewPrivs'), '1');
      assert.equal(statSync(data).uid, BERTH_UID);
      assert.equal(statSync(join(data, 'berth.db')).uid, BERTH_UID);
    });

    it('the healthcheck fails when Berth does not answer where the config says', async () => {
      const probe = await docker(['exec', '-e', 'REGISTRY_HTTP_ADDR=127.0.0.1:1', name, 'node', '/opt/berth/deploy/container/healthcheck.mjs'], 30_000).catch(
        (error: { result?: { code: number } }) => error.result,
      );
      assert.equal(probe?.code, 1);
    });

    it('takes pushes and serves pulls with skopeo', async () => {
      const creds = `admin:${ADMIN_PASSWORD}`;
      for (const [ref, image] of [['team/app:1', ws.images.single], ['team/multi:1', ws.images.index]] as const) {
        await tools.skopeo(['copy', '--all', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${image.dir}:${image.ref}`, `docker://127.0.0.1:${port}/${ref}`]);
        const raw = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://127.0.0.1:${port}/${ref}`]);
        assert.equal(raw.stdout, image.bytes.toString());
        pushed[ref] = image.top.digest;
      }
      const out = join(ws.dir, 'pulled');
      await tools.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://127.0.0.1:${port}/team/app:1`, `oci:${out}:v1`]);
      assert.ok(existsSync(join(out, 'index.json')));
    });

    it('keeps its data across docker restart', async () => {
      await docker(['restart', name], 60_000);
      await waitFor('/healthz after restart', () => healthz(port));
      const creds = `admin:${ADMIN_PASSWORD}`;
      for (const [ref, digest] of Object.entries(pushed)) {
        const inspect = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://127.0.0.1:${port}/${ref}`]);
        assert.equal(`sha256:${createHash('sha256').update(inspect.stdout).digest('hex')}`, digest);
      }
      await healthy(name);
    });

    it('stops on docker stop by SIGTERM, gracefully, within docker’s 10 s', async () => {
      const started = Date.now();
      await docker(['stop', name], 60_000);
      const seconds = (Date.now() - started) / 1000;
      const s = await state(name);
      assert.equal(s.Running, false);
      // 137 would be docker's SIGKILL after the 10 s; Berth exits 0 after draining.
      assert.equal(s.ExitCode, 0);
      assert.ok(seconds < 9, `docker stop took ${seconds.toFixed(1)} s`);
      const logs = await docker(['logs', name], 30_000);
      assert.match(logs.stdout + logs.stderr, /SIGTERM/);
    });
  });

  it('runs under --user 10001 with REGISTRY_* variables and no config file of its own', async () => {
    const port = await freePort();
    const data = join(ws.dir, 'data-user');
    await mkdir(data);
    await chown(data, BERTH_UID, BERTH_UID);
    const name = 'berth-user';
    try {
      await docker([
        'run', '-d', '--name', name, '--network', 'host', '--user', `${BERTH_UID}:${BERTH_UID}`, '--health-interval', '2s',
        '-v', `${data}:/var/lib/registry`,
        '-e', `REGISTRY_HTTP_ADDR=127.0.0.1:${port}`, '-e', 'REGISTRY_AUTH=none',
        IMAGE,
      ]);
      await waitFor('/healthz', () => healthz(port));
      // Open, as registry:2 without auth: the catalog answers without credentials.
      assert.equal((await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).status, 200);
      await healthy(name);
      assert.equal((await pid1(name, 'Uid')).split(/\s+/)[0], String(BERTH_UID));
      assert.ok(existsSync(join(data, 'berth.db')));
    } finally {
      await docker(['rm', '-f', name]).catch(() => undefined);
    }
  });
});
