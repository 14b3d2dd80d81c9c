/**
 * skopeo, podman and buildah (the containers/image family) set up so that all their config and
 * state lives in one directory: registries.conf, storage.conf (vfs, which works anywhere),
 * containers.conf, the auth file, the trust policy (found through $HOME) and TMPDIR.
 * One instance per registry under test, because registries.conf names its port.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from './registry-under-test.js';
import { run, type RunOptions, type RunResult } from './run.js';

export interface ContainersTools {
  env: NodeJS.ProcessEnv;
  dir: string;
  skopeo(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  podman(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  buildah(args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** Only where the registry is and how to reach it matter, so any registry a test runs will do. */
export async function containersTools(dir: string, target: Pick<Target, 'transport' | 'host' | 'ca'>): Promise<ContainersTools> {
  const home = join(dir, 'home');
  const paths = {
    registries: join(dir, 'registries.conf'),
    storage: join(dir, 'storage.conf'),
    containers: join(dir, 'containers.conf'),
    auth: join(dir, 'auth.json'),
    tmp: join(dir, 'tmp'),
  };
  for (const sub of [paths.tmp, join(home, '.config', 'containers'), join(dir, 'run'), join(dir, 'xdg-runtime')]) {
    await mkdir(sub, { recursive: true });
  }
  // Plain HTTP needs the host marked insecure; over TLS the test CA must be trusted instead.
  await writeFile(
    paths.registries,
    'unqualified-search-registries = []\n' +
      (target.transport === 'plain' ? `\n[[registry]]\nlocation = "${target.host}"\ninsecure = true\n` : ''),
  );
  await writeFile(
    paths.storage,
    `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${join(dir, 'run')}"\n`,
  );
  await writeFile(
    paths.containers,
    '[containers]\n\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' +
      `events_logfile_path = "${join(dir, 'events.log')}"\ntmp_dir = "${join(dir, 'libpod-tmp')}"\n` +
      `\n[network]\nnetwork_config_dir = "${join(dir, 'networks')}"\n`,
  );
  await writeFile(paths.auth, '{"auths":{}}\n');
  // containers/image reads $HOME/.config/containers/policy.json before /etc's, so the suite
  // does not depend on what the machine's policy says.
  await writeFile(
    join(home, '.config', 'containers', 'policy.json'),
    '{"default":[{"type":"insecureAcceptAnything"}]}\n',
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: join(dir, 'xdg-runtime'),
    CONTAINERS_REGISTRIES_CONF: paths.registries,
    CONTAINERS_STORAGE_CONF: paths.storage,
    CONTAINERS_CONF: paths.containers,
    REGISTRY_AUTH_FILE: paths.auth,
    TMPDIR: paths.tmp,
    BUILDAH_ISOLATION: 'chroot',
  };
  if (target.ca) env.SSL_CERT_FILE = target.ca.bundle;
  else delete env.SSL_CERT_FILE;

  const tool = (file: string) => (args: readonly string[], options: RunOptions = {}) =>
    run(file, args, { timeoutMs: 180_000, ...options, env: { ...env, ...options.env } });
  const skopeo = tool('skopeo');
  return {
    env,
    dir,
    // skopeo 1.9 ignores CONTAINERS_REGISTRIES_CONF (podman and buildah honour it) and reads
    // /etc's file unless given its hidden --registries-conf flag.
    skopeo: (args, options) => skopeo(['--registries-conf', paths.registries, ...args], options),
    podman: tool('podman'),
    buildah: tool('buildah'),
  };
}
