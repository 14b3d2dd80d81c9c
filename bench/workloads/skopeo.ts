/**
 * Row 12: a real client moving a 10-layer image each way. skopeo runs with all of its state
 * (registries.conf, auth file, temp files, blob-info cache) in a fresh temp dir per invocation:
 * nothing is written outside the run, and a cache remembering where blobs already live cannot
 * turn a later push into cross-repo mounts.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, MiB } from '../load-result.js';
import { ProtocolError } from '../oci.js';
import { writeLayout, type Layout } from '../oci-layout.js';
import type { Profile } from '../options.js';
import type { BenchContext, Measurement, Row } from '../workload.js';

/** Below the harness's row timeout, so a stalled registry ends skopeo rather than orphaning it. */
const SKOPEO_TIMEOUT_S = 100;

export function skopeoRows(profile: Profile): Row[] {
  const runs = profile.skopeoRuns > 1 ? `, median of ${profile.skopeoRuns}` : '';
  return [
    {
      id: '12',
      title: `skopeo copy oci: → registry, ${profile.skopeoLayers} layers${runs}`,
      unit: 's',
      better: 'lower',
      run: push,
    },
    {
      id: '12b',
      title: `skopeo copy registry → oci:, ${profile.skopeoLayers} layers${runs}`,
      unit: 's',
      better: 'lower',
      run: pull,
    },
  ];
}

/** One layout per harness run, shared by both registries so they move identical bytes. */
const layouts = new Map<string, Promise<Layout>>();
function layout(ctx: BenchContext): Promise<Layout> {
  let value = layouts.get(ctx.scratch);
  if (value === undefined) {
    value = writeLayout(join(ctx.scratch, 'skopeo-image'), ctx.profile.skopeoLayers);
    layouts.set(ctx.scratch, value);
  }
  return value;
}

async function push(ctx: BenchContext): Promise<Measurement> {
  const image = await layout(ctx);
  const times: number[] = [];
  for (let run = 0; run < ctx.profile.skopeoRuns; run++) {
    // A fresh repository each time: the registry must take every blob again.
    const ref = `docker://${ctx.target.host}/bench/skopeo-push-${run}:v1`;
    times.push(await skopeo(ctx, ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${image.dir}:${image.tag}`, ref]));
  }
  return { value: median(times) / 1000, detail: `${(image.bytes / MiB).toFixed(1)} MiB` };
}

async function pull(ctx: BenchContext): Promise<Measurement> {
  const image = await layout(ctx);
  const ref = await ctx.fixture('skopeo-image', async () => {
    const pushed = `docker://${ctx.target.host}/bench/skopeo-pull:v1`;
    await skopeo(ctx, ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${image.dir}:${image.tag}`, pushed]);
    return pushed;
  });
  const times: number[] = [];
  for (let run = 0; run < ctx.profile.skopeoRuns; run++) {
    const dest = await mkdtemp(join(ctx.scratch, 'skopeo-pulled-'));
    try {
      times.push(await skopeo(ctx, ['copy', '--src-tls-verify=false', ref, `oci:${dest}:${image.tag}`]));
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  }
  return { value: median(times) / 1000, detail: `${(image.bytes / MiB).toFixed(1)} MiB` };
}

/** Runs skopeo in its own state dir; resolves to wall-clock ms, rejects with its last error line. */
async function skopeo(ctx: BenchContext, args: string[]): Promise<number> {
  const state = await mkdtemp(join(ctx.scratch, 'skopeo-state-'));
  try {
    await mkdir(join(state, 'tmp'));
    const registriesConf = join(state, 'registries.conf');
    await writeFile(registriesConf, `[[registry]]\nlocation = "${ctx.target.host}"\ninsecure = true\n`);
    // With --auth, skopeo logs in the way `skopeo login` would have: an auth file entry.
    const basic = ctx.authorization?.replace(/^Basic /, '');
    await writeFile(join(state, 'auth.json'), JSON.stringify(basic ? { auths: { [ctx.target.host]: { auth: basic } } } : {}));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: state,
      XDG_DATA_HOME: join(state, 'data'),
      XDG_CONFIG_HOME: join(state, 'config'),
      XDG_RUNTIME_DIR: join(state, 'run'),
      TMPDIR: join(state, 'tmp'),
      CONTAINERS_REGISTRIES_CONF: registriesConf,
      REGISTRY_AUTH_FILE: join(state, 'auth.json'),
      // As root, containers/image keeps its blob-info cache in /var/lib/containers/cache; a
      // non-zero "rootless" uid moves it under XDG_DATA_HOME (skopeo has no flag for it).
      _CONTAINERS_ROOTLESS_UID: '1000',
    };
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('skopeo', ['--insecure-policy', `--command-timeout=${SKOPEO_TIMEOUT_S}s`, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code === 0) return resolve();
        const last = stderr.trim().split('\n').pop() ?? '';
        // logrus wraps the reason as time="…" level=fatal msg="…"; the cell wants the reason.
        const reason = /msg="(.*)"/.exec(last)?.[1].replace(/\\n/g, ' ').replace(/\\"/g, '"').trim() ?? last;
        reject(new ProtocolError(`skopeo ${args[0]} exited ${code}: ${reason.slice(0, 300)}`));
      });
    });
    return performance.now() - t0;
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}
