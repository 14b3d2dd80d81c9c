/**
 * The base images the repository's Dockerfile names, made from what this machine has, since no
 * image can be pulled here: a Debian rootfs from debootstrap (minbase, as Debian's slim images
 * are) with the host's `node` at the official node image's path (/usr/local/bin), imported with
 * `docker import` under the official names. The build image adds what the official full image
 * has and the build uses: python3, make and g++ (better-sqlite3 compiles when no prebuilt binary
 * can be fetched), npm and Node's headers. The Dockerfile itself stays the one users build.
 *
 * Two things of this machine go into the build image only, as a site's own base image would
 * carry them: its CA bundle (the sandbox reaches the npm registry through a TLS-intercepting
 * egress) and `npm_config_nodedir`, because node-gyp would otherwise download headers from
 * nodejs.org, which is not reachable here.
 *
 * The rootfs tarballs are cached in ~/.cache/berth-test (BERTH_TEST_CACHE), keyed by a hash of
 * the recipe, the node binary and npm's version, so a second run on one machine skips
 * debootstrap (about 90 s). A fresh machine needs debootstrap (scripts/ensure-test-deps.sh) and
 * the Debian mirror (BERTH_DEBIAN_MIRROR, default deb.debian.org).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, cp, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { run, type RunResult } from './run.js';

export const BUILD_BASE = 'node:20-bookworm';
export const RUNTIME_BASE = 'node:20-bookworm-slim';

const SUITE = 'bookworm';
const SLIM_PACKAGES = ['passwd'];
const BUILD_PACKAGES = ['ca-certificates', 'python3', 'make', 'g++'];
/** Bump when the recipe changes in a way the inputs below do not show. */
const RECIPE = 'node-base-images v1';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface BaseRootfs {
  slim: string;
  build: string;
}

/** The images a Dockerfile's FROM lines name, stage names excluded. */
export function fromImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match) continue;
    if (!stages.has(match[1])) images.push(match[1]);
    if (match[2]) stages.add(match[2]);
  }
  return images;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function hostNpmDir(): string {
  // Debian's and NodeSource's npm both live beside node's own prefix.
  for (const dir of ['/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm']) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error('npm is not installed beside node (looked in /usr/lib and /usr/local/lib)');
}

function hostNodeHeaders(): string {
  const dir = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (!existsSync(join(dir, 'node.h'))) throw new Error(`Node's headers are not at ${dir}`);
  return dir;
}

/** Tarballs of the two rootfs, built once per machine and recipe. */
export async function baseRootfs(log: (line: string) => void): Promise<BaseRootfs> {
  const npmDir = hostNpmDir();
  const npmVersion = (JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8')) as { version: string }).version;
  const mirror = process.env.BERTH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  const key = createHash('sha256')
    .update(JSON.stringify({ RECIPE, SUITE, SLIM_PACKAGES, BUILD_PACKAGES, node: await sha256File(process.execPath), npmVersion }))
    .digest('hex')
    .slice(0, 16);
  const cache = join(process.env.BERTH_TEST_CACHE ?? join(homedir(), '.cache', 'berth-test'), `node-base-${key}`);
  const tars: BaseRootfs = { slim: join(cache, 'slim.tar'), build: join(cache, 'build.tar') };
  if (existsSync(tars.slim) && existsSync(tars.build)) {
    log(`base rootfs from the cache ${cache}`);
    return tars;
  }

  await mkdir(cache, { recursive: true });
  const work = join(cache, `work-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  const slim = join(work, 'slim');
  const build = join(work, 'build');
  try {
    const started = Date.now();
    await run('debootstrap', ['--variant=minbase', `--include=${SLIM_PACKAGES.join(',')}`, SUITE, slim, mirror], { timeoutMs: 900_000 });
    await mkdir(join(slim, 'usr/local/bin'), { recursive: true });
    await copyFile(process.execPath, join(slim, 'usr/local/bin/node'));
    // The host's node must run against the rootfs's glibc, or nothing built on it will.
    await run('chroot', [slim, '/usr/local/bin/node', '-e', 'process.exit(0)']);
    // cp -a, not fs.cp: the rootfs has device nodes.
    await run('cp', ['-a', slim, build], { timeoutMs: 600_000 });
    await run('chroot', [build, 'apt-get', 'update', '-qq'], { timeoutMs: 600_000 });
    await run('chroot', [build, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...BUILD_PACKAGES], {
      timeoutMs: 900_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    await run('chroot', [build, 'apt-get', 'clean']);
    await cp(hostNpmDir(), join(build, 'usr/local/lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(build, 'usr/local/bin/npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(build, 'usr/local/bin/npx'));
    await cp(hostNodeHeaders(), join(build, 'usr/local/include/node'), { recursive: true });
    if (existsSync(HOST_CA_BUNDLE)) await copyFile(HOST_CA_BUNDLE, join(build, 'etc/ssl/certs/ca-certificates.crt'));
    for (const [dir, tar] of [[slim, tars.slim], [build, tars.build]] as const) {
      await run('tar', ['-C', dir, '-cf', `${tar}.tmp`, '.'], { timeoutMs: 600_000 });
      await rename(`${tar}.tmp`, tar);
    }
    log(`built the base rootfs in ${((Date.now() - started) / 1000).toFixed(0)} s (cached in ${cache})`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return tars;
}

/** Imports the rootfs tarballs under the names the Dockerfile uses. */
export async function importBaseImages(
  docker: (args: readonly string[], options?: { timeoutMs?: number }) => Promise<RunResult>,
  tars: BaseRootfs,
): Promise<void> {
  await docker(['import', '--change', `ENV ${PATH_ENV}`, '--change', 'CMD ["node"]', tars.slim, RUNTIME_BASE], { timeoutMs: 600_000 });
  await docker(
    [
      'import',
      '--change', `ENV ${PATH_ENV}`,
      '--change', `ENV NODE_EXTRA_CA_CERTS=${HOST_CA_BUNDLE}`,
      '--change', 'ENV npm_config_nodedir=/usr/local',
      '--change', 'CMD ["node"]',
      tars.build,
      BUILD_BASE,
    ],
    { timeoutMs: 600_000 },
  );
}
