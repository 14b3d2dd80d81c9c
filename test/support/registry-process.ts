/**
 * Starts a registry as a real child process on a free loopback port: Berth (the built CLI) or
 * Distribution (Debian's docker-registry, the reference every bench row compares against).
 * Tests and benchmarks both use this, so the two are always started the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RegistryProcess {
  kind: 'berth' | 'distribution';
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** e.g. 127.0.0.1:41234 (what clients put in image references) */
  host: string;
  port: number;
  /** Storage root (blobs, and for Berth the SQLite file). */
  root: string;
  child: ChildProcess;
  /** Captured stdout+stderr, for diagnosing failures. */
  output(): string;
  /** SIGTERM and wait; `keepData` leaves the root for a restart. */
  stop(options?: { keepData?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

export interface StartOptions {
  /** Reuse a storage root (restart after a crash); a fresh temp dir otherwise. */
  root?: string;
  port?: number;
  tls?: { certificate: string; key: string };
  /** Extra environment for the child (e.g. REGISTRY_LOG_LEVEL). */
  env?: Record<string, string>;
  /**
   * Berth's access control: off ('none', what registry:2 does without `auth`, and what the
   * protocol tests measure) unless a test is about authentication.
   */
  auth?: 'none' | 'builtin';
  /**
   * Berth's worker processes (`http.workers`; 0 = Berth's default, one per core but one). The suite's
   * servers run one process unless a test asks: most tests signal or inspect the child as the
   * server (kill -9 must crash the server, not a supervisor whose workers drain), and two cores
   * shared by many test servers gain nothing from forking each one.
   */
  workers?: number;
  /**
   * Distribution only: write its access log (one combined-format line per request, once the
   * response is done) to stdout, so output() shows every request that reached it.
   */
  accessLog?: boolean;
  /** YAML appended to Distribution's config file (top-level sections such as `notifications:`). */
  distributionConfig?: string;
}

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** The published entry point, so tests and benches run Berth exactly as `npx berth` does. */
export const berthCli = join(repoRoot, 'bin/berth.js');
/**
 * What the entry point's shebang (`#!/usr/bin/env -S VAR=value node --flag`) applies when run
 * as `npx berth`, which spawning `node bin/berth.js` would otherwise skip.
 */
const shebang = (readFileSync(berthCli, 'utf8').split('\n')[0] ?? '').replace(/^#!\S*env -S\s*/, '').split(/\s+/);
const nodeAt = shebang.indexOf('node');
export const berthNodeFlags = nodeAt === -1 ? [] : shebang.slice(nodeAt + 1).filter(Boolean);
const berthShebangEnv = Object.fromEntries(
  (nodeAt === -1 ? [] : shebang.slice(0, nodeAt)).map((pair) => pair.split('=', 2) as [string, string]),
);

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

export async function startBerth(options: StartOptions = {}): Promise<RegistryProcess> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'berth-')));
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...berthShebangEnv,
    REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`,
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root,
    REGISTRY_LOG_LEVEL: 'warn',
    REGISTRY_HTTP_WORKERS: String(options.workers ?? 1),
    ...(options.auth === 'builtin' ? {} : { REGISTRY_AUTH: 'none' }),
    ...(options.tls
      ? { REGISTRY_HTTP_TLS_CERTIFICATE: options.tls.certificate, REGISTRY_HTTP_TLS_KEY: options.tls.key }
      : {}),
    ...options.env,
  };
  // Node refuses --cpu-prof and the like in NODE_OPTIONS; this is how a bench run profiles Berth.
  const extra = (process.env.BERTH_SERVE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...berthNodeFlags, ...extra, berthCli, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return attach('berth', child, root, port, options, options.root === undefined);
}

export async function startDistribution(options: StartOptions = {}): Promise<RegistryProcess> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'distribution-')));
  const port = options.port ?? (await freePort());
  const configDir = await mkdtemp(join(tmpdir(), 'distribution-config-'));
  const tls = options.tls
    ? `  tls:\n    certificate: ${options.tls.certificate}\n    key: ${options.tls.key}\n`
    : '';
  const config =
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: ${options.accessLog ? 'false' : 'true'}\n` +
    `storage:\n  filesystem:\n    rootdirectory: ${root}\n  delete:\n    enabled: true\n` +
    `  cache:\n    blobdescriptor: inmemory\n` +
    `http:\n  addr: 127.0.0.1:${port}\n${tls}` +
    (options.distributionConfig ?? '');
  const configFile = join(configDir, 'config.yml');
  await writeFile(configFile, config);
  const child = spawn('docker-registry', ['serve', configFile], {
    env: { ...(process.env as Record<string, string>), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const registry = await attach('distribution', child, root, port, options, options.root === undefined);
  const stop = registry.stop;
  registry.stop = async (o) => {
    await stop(o);
    await rm(configDir, { recursive: true, force: true });
  };
  return registry;
}

async function attach(
  kind: RegistryProcess['kind'],
  child: ChildProcess,
  root: string,
  port: number,
  options: StartOptions,
  ownsRoot: boolean,
): Promise<RegistryProcess> {
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  // 'close', not 'exit': the child's last writes to stdout and stderr can arrive after it exits,
  // and output() must hold them (a start banner, a last log line) once stop() resolves.
  const exited = new Promise<void>((ok) => child.once('close', () => ok()));
  const scheme = options.tls ? 'https' : 'http';
  const host = `${options.tls ? 'localhost' : '127.0.0.1'}:${port}`;
  const registry: RegistryProcess = {
    kind,
    url: `${scheme}://${host}`,
    host,
    port,
    root,
    child,
    output: () => log,
    async stop(o = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(o.signal ?? 'SIGTERM');
      await exited;
      if (ownsRoot && !o.keepData) await rm(root, { recursive: true, force: true });
    },
  };
  await waitUntilUp(registry, exited);
  // Berth writes its start banner just after it listens, so under load a test reading output()
  // right after the port answers could miss it (seen once on a loaded CI run).
  if (kind === 'berth') await untilOutput(registry, 'Berth is serving', 5_000);
  return registry;
}

async function untilOutput(registry: RegistryProcess, text: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!registry.output().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function waitUntilUp(registry: RegistryProcess, exited: Promise<void>): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  // A start, not a behaviour under test: three S3-backed instances starting at once on a loaded
  // 2-core machine took over 20 s once.
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${registry.kind} exited during start:\n${registry.output()}`);
    const up = await new Promise<boolean>((ok) => {
      const socket = new net.Socket();
      socket.once('connect', () => (socket.destroy(), ok(true)));
      socket.once('error', () => ok(false));
      socket.connect(registry.port, '127.0.0.1');
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await registry.stop();
  throw new Error(`${registry.kind} did not listen within 40 s:\n${registry.output()}`);
}

