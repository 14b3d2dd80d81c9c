/**
 * A private containerd (for ctr, and as dockerd's runtime) whose root, state, sockets and the
 * `opt` plugin's directory are all under the workspace; without that last one it creates
 * /opt/containerd. The CRI plugin and the snapshotters that need kernel features are disabled,
 * and ctr uses the `native` snapshotter, which works on any filesystem.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, type Daemon } from './daemon.js';
import type { Target } from './registry-under-test.js';
import { run, type RunOptions, type RunResult } from './run.js';

export interface Containerd {
  address: string;
  daemon: Daemon;
  /** ctr in namespace `e2e`; `registryArgs(target)` adds the flags to reach a registry. */
  ctr(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** --plain-http, or a --hosts-dir whose hosts.toml trusts the test CA. */
  registryArgs(target: Target): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startContainerd(dir: string): Promise<Containerd> {
  await mkdir(dir, { recursive: true });
  const address = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  await writeFile(
    config,
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      'disabled_plugins = [',
      '  "io.containerd.grpc.v1.cri",',
      '  "io.containerd.snapshotter.v1.btrfs",',
      '  "io.containerd.snapshotter.v1.zfs",',
      '  "io.containerd.snapshotter.v1.devmapper",',
      '  "io.containerd.snapshotter.v1.aufs",',
      ']',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(dir, 'opt')}"`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERD_ADDRESS: address, CONTAINERD_NAMESPACE: 'e2e', CONTAINERD_SNAPSHOTTER: 'native' };
  const ctr = (args: readonly string[], options: RunOptions = {}) =>
    run('ctr', args, { timeoutMs: 180_000, ...options, env: { ...env, ...options.env } });
  const daemon = await startDaemon('containerd', 'containerd', ['--config', config], {
    env: process.env,
    logFile: join(dir, 'containerd.log'),
    ready: async () => (await ctr(['version'], { allowFailure: true, timeoutMs: 10_000 })).code === 0,
  });
  return {
    address,
    daemon,
    ctr,
    async registryArgs(target) {
      if (!target.ca) return ['--plain-http'];
      // Only this shape works for TLS on localhost: no `server =` line, the CA on the host
      // entry. ctr's --tlscacert/--skip-verify fall back to plain HTTP for localhost.
      const hostsDir = join(dir, `hosts-${target.process.port}`);
      await mkdir(join(hostsDir, target.host), { recursive: true });
      await writeFile(
        join(hostsDir, target.host, 'hosts.toml'),
        `[host."https://${target.host}"]\n  capabilities = ["pull", "resolve", "push"]\n  ca = "${target.ca.caCert}"\n`,
      );
      return ['--hosts-dir', hostsDir];
    },
    stop: () => daemon.stop(),
  };
}
