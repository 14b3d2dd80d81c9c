/**
 * Keeps the e2e suite from leaving state on the machine. Clients have defaults that escape any
 * temp dir (skopeo's blob-info cache in /var/lib/containers, runtime dirs in /run, dockerd's
 * key in /etc/docker, containerd's /opt/containerd); the client set-up points all of those at
 * the workspace, and this guard proves it by noting what exists before and checking after.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';

/** Paths a client writes no matter what it is told (skopeo has no flag for its cache): removed silently. */
const expected = ['/var/lib/containers', '/var/lib/containers/cache', '/run/containerd', '/run/docker', '/run/crun', '/run/runc', '/run/libpod', '/run/containers'];
/** Paths that appearing means the set-up leaked: removed, and reported as a failure. */
const forbidden = [
  '/etc/docker/key.json',
  '/etc/docker/daemon.json',
  '/etc/containers/networks',
  '/etc/cni/net.d/87-podman-bridge.conflist',
  '/opt/containerd',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/cni',
];

export interface LeftoverGuard {
  /** Removes whatever appeared; throws if any of it was a path the set-up should have redirected. */
  cleanup(): Promise<void>;
}

export function guardHostPaths(): LeftoverGuard {
  const before = new Set([...expected, ...forbidden].filter((path) => existsSync(path)));
  return {
    async cleanup() {
      const leaked: string[] = [];
      for (const path of [...expected, ...forbidden]) {
        if (before.has(path) || !existsSync(path)) continue;
        if (forbidden.includes(path)) leaked.push(path);
        await rm(path, { recursive: true, force: true });
      }
      if (leaked.length > 0) throw new Error(`e2e clients wrote outside their workspace: ${leaked.join(', ')}`);
    },
  };
}
