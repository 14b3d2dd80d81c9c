/**
 * `npm install -g` of Berth's packed tarball, into a temp prefix: `berth` lands on the PATH,
 * answers --version, serves (the web UI included) and stops on SIGTERM. The tarball is what
 * `npm pack` makes of the checkout's `files`, so the test also proves it carries the built code
 * and UI and none of the tests. It packs with --ignore-scripts because the suite runs after
 * `npm run build` (what `prepare` would run again); npm fetches the production dependencies from
 * the registry and builds better-sqlite3 as any user's install does (a few minutes here).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/registry-process.js';
import { run } from '../e2e/support/run.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('npm install -g', () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  let env: NodeJS.ProcessEnv;

  before(async () => {
    assert.ok(existsSync(join(repoRoot, 'dist/src/cli/main.js')) && existsSync(join(repoRoot, 'ui/dist/index.html')), 'build first: npm run build');
    dir = await mkdtemp(join(tmpdir(), 'berth-npm-g-'));
    // npm's cache and logs stay in the temp dir; the registry it reaches is the machine's.
    env = { ...process.env, npm_config_cache: join(dir, 'cache'), npm_config_update_notifier: 'false', PATH: `${join(dir, 'prefix', 'bin')}:${process.env.PATH ?? ''}` };
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot, env, timeoutMs: 300_000 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info!.filename);
    files = info!.files.map((f) => f.path);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('packs the built code and UI, and no tests, sources or source maps', () => {
    for (const needed of ['bin/berth.js', 'dist/src/cli/main.js', 'ui/dist/index.html', 'package.json', 'deploy/systemd/berth.service']) {
      assert.ok(files.includes(needed), `${needed} is missing from the tarball`);
    }
    const unwanted = files.filter((f) => /\.test\.js$|\.map$|^test\/|^dist\/test\/|^dist\/bench\/|^src\/|^bench\/|\/testing\/|\.ts$/.test(f));
    assert.deepEqual(unwanted, []);
  });

  it('installs into a prefix and puts berth on the PATH', async () => {
    const started = Date.now();
    await run('npm', ['install', '-g', '--prefix', join(dir, 'prefix'), '--no-audit', '--no-fund', tarball], { cwd: dir, env, timeoutMs: 1_200_000 });
    console.log(`# npm install -g took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // Found through PATH, as a user's shell finds it.
    assert.equal((await run('berth', ['--version'], { env, cwd: dir })).stdout.trim(), version);
  });

  it('serves from the installed package, web UI included, and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn('berth', ['serve'], {
      cwd: dir,
      env: { ...env, REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: join(dir, 'data'), BERTH_ADMIN_PASSWORD: 'npm-global-admin-pw' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    try {
      const deadline = Date.now() + 60_000;
      let up = false;
      while (!up && Date.now() < deadline && child.exitCode === null) {
        up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
        if (!up) await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(up, `berth serve did not answer:\n${output}`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script[^>]+src="\/[^"]*assets\//);
      assert.ok(existsSync(join(dir, 'data', 'berth.db')));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
  });
});
