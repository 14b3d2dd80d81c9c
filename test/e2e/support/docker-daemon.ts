/**
 * A private dockerd on the private containerd: vfs storage, no networking set-up, every path
 * (data, exec root, socket, pid file, the legacy key that defaults to /etc/docker/key.json)
 * under the workspace. Pushes and pulls happen in the daemon, so the test CA is given to it
 * through SSL_CERT_FILE.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, type Daemon } from './daemon.js';
import { run, type RunOptions, type RunResult } from './run.js';

export interface Dockerd {
  daemon: Daemon;
  docker(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  stop(): Promise<void>;
}

/** Debian's CLI, the one that matches its dockerd, when another docker CLI shadows it on PATH. */
const dockerCli = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export interface DockerdOptions {
  containerdAddress: string;
  caBundle: string;
  /** More daemon.json settings (e.g. `insecure-registries`). */
  daemonJson?: Record<string, unknown>;
  /** `vfs` (the default) works on any filesystem; overlay2 makes builds far faster where it works. */
  storageDriver?: 'vfs' | 'overlay2';
}

export async function startDockerd(dir: string, options: DockerdOptions): Promise<Dockerd> {
  await mkdir(join(dir, 'cfg'), { recursive: true });
  const socket = join(dir, 'docker.sock');
  const daemonJson = join(dir, 'daemon.json');
  await writeFile(daemonJson, JSON.stringify({ ...options.daemonJson, 'deprecated-key-path': join(dir, 'key.json') }));
  const clientEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cfg') };
  const docker = (args: readonly string[], runOptions: RunOptions = {}) =>
    run(dockerCli, args, { timeoutMs: 180_000, ...runOptions, env: { ...clientEnv, ...runOptions.env } });
  const daemon = await startDaemon(
    'dockerd',
    'dockerd',
    [
      `--storage-driver=${options.storageDriver ?? 'vfs'}`,
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--ip-forward=false',
      '--ip-masq=false',
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'dockerd.pid'),
      '--host', `unix://${socket}`,
      '--containerd', options.containerdAddress,
      '--config-file', daemonJson,
    ],
    {
      env: { ...process.env, SSL_CERT_FILE: options.caBundle },
      logFile: join(dir, 'dockerd.log'),
      ready: async () => (await docker(['version'], { allowFailure: true, timeoutMs: 10_000 })).code === 0,
    },
  );
  return { daemon, docker, stop: () => daemon.stop() };
}
