/**
 * Rows 17 and 17b: Debian's Docker engine pushing and pulling a 10-layer image. The engine is a
 * private containerd + dockerd (the e2e suite's, with their own data roots and sockets), started
 * once per registry so its caches of where blobs live never span registries. 127.0.0.0/8 is an
 * insecure registry to dockerd by default, so plain HTTP needs no daemon.json entry.
 *
 * What the engine does is most of these rows: gzip on push, gunzip and extraction on pull. The
 * registry's share is small, and the rows show whether it is small on both: each note gives the
 * registry process's CPU per push or pull (user + system, all threads, median), which the
 * engine's own work does not move.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd } from '../../test/e2e/support/containerd-daemon.js';
import { writeDockerArchive, type DockerArchive } from '../../test/e2e/support/docker-archive.js';
import { startDockerd, type Dockerd } from '../../test/e2e/support/docker-daemon.js';
import { tar } from '../../test/e2e/support/tar.js';
import { cpuDuring } from '../cpu-time.js';
import { median, MiB } from '../load-result.js';
import type { Profile } from '../options.js';
import { sampledRow, type BenchContext, type Measurement, type Row } from '../workload.js';

const LOADED = 'berth-bench/docker:v1';
/**
 * Pulls per row 17b, median reported: the engine's own work is most of a pull, and one pull of
 * the same registry moved by more than the gap between the two (0.59–1.21 s across runs). Five
 * left the row anywhere in 0.88–1.06× in runs 8–11 and nine in 0.90–1.05× in runs 12–15
 * (bench/README.md), each registry's pulls one block after the other; eight pulls from each,
 * alternating, put Berth ahead or level in every pair (0.61–0.64 s against 0.63–0.65). So the
 * harness now alternates them (a sampled row), fifteen each.
 */
const PULLS = { full: 15, quick: 1 } as const;
/**
 * Pushes per row 17, median reported, for the same reason: one push per registry moved the
 * row from 0.86× to 1.15× between runs of the same build. Each pushes an image of its own
 * random layers, so the engine has to upload every layer rather than mount it from the
 * repository it pushed before.
 */
const PUSHES = { full: 5, quick: 1 } as const;

export function dockerEngineRows(profile: Profile): Row[] {
  return [
    sampledRow(
      {
        id: '17',
        title: `docker push, ${profile.skopeoLayers} layers, median of ${PUSHES[profile.name]}`,
        unit: 's',
        better: 'lower',
        timeoutMs: 300_000,
      },
      { count: (p) => PUSHES[p.name], take: (ctx, i) => push(ctx, i + 1), summarise: summarisePushes },
    ),
    sampledRow(
      {
        id: '17b',
        title: `docker pull, ${profile.skopeoLayers} layers (image removed first), median of ${PULLS[profile.name]}`,
        unit: 's',
        better: 'lower',
        timeoutMs: 300_000,
      },
      { count: (p) => PULLS[p.name], take: pull, summarise: summarisePulls },
    ),
  ];
}

/**
 * Image `n`: ten tar layers of 1–4 MiB random bytes, written once per harness run for both
 * registries. Image 0 is loaded with the engine as LOADED (row 17b pulls it); row 17 pushes
 * images 1 to PUSHES, loaded as it goes.
 */
const archives = new Map<string, Promise<{ archive: DockerArchive; bytes: number }>>();
function archive(ctx: BenchContext, n = 0): Promise<{ archive: DockerArchive; bytes: number }> {
  const key = `${ctx.scratch}#${n}`;
  let value = archives.get(key);
  if (value === undefined) {
    value = (async () => {
      const layers = Array.from({ length: ctx.profile.skopeoLayers }, (_, i) =>
        tar([{ path: `layer-${i}.bin`, content: randomBytes(MiB + Math.floor(((i * 7) % 10) * 0.3 * MiB)) }]),
      );
      const bytes = layers.reduce((sum, layer) => sum + layer.length, 0);
      const name = n === 0 ? LOADED : `berth-bench/docker-push-${n}:v1`;
      return { archive: await writeDockerArchive(join(ctx.scratch, `docker-image-${n}.tar`), name, layers), bytes };
    })();
    archives.set(key, value);
  }
  return value;
}

/** An engine with the archive loaded, stopped with the registry's other extras. */
function engine(ctx: BenchContext): Promise<Dockerd> {
  return ctx.fixture('docker-engine', async () => {
    const { archive: image } = await archive(ctx);
    const dir = await mkdtemp(join(ctx.scratch, 'docker-engine-'));
    await mkdir(dir, { recursive: true });
    ctx.log('  starting containerd + dockerd (untimed)');
    const containerd = await startContainerd(join(dir, 'containerd'));
    let dockerd: Dockerd;
    try {
      dockerd = await startDockerd(join(dir, 'dockerd'), {
        containerdAddress: containerd.address,
        caBundle: '/etc/ssl/certs/ca-certificates.crt',
      });
    } catch (error) {
      await containerd.stop();
      throw error;
    }
    ctx.onStop(async () => {
      await dockerd.stop();
      await containerd.stop();
      await rm(dir, { recursive: true, force: true });
    });
    await dockerd.docker(['load', '--quiet', '--input', image.path]);
    if (ctx.authorization !== undefined) {
      const [user, password] = Buffer.from(ctx.authorization.replace(/^Basic /, ''), 'base64').toString().split(':');
      await dockerd.docker(['login', '--username', user, '--password-stdin', ctx.target.host], { input: password });
    }
    return dockerd;
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

/** One timed engine command and the registry's CPU (user + system, all threads) during it. */
interface Sample {
  seconds: number;
  cpu: number;
}

async function measured(ctx: BenchContext, work: () => Promise<unknown>): Promise<Sample> {
  const { result, cpu } = await cpuDuring(ctx.target.child.pid!, () => timed(work));
  return { seconds: result, cpu: cpu.user + cpu.system };
}

function spread(samples: Sample[], what: 'push' | 'pull'): { seconds: number; text: string } {
  const times = samples.map((s) => s.seconds);
  const range = `${Math.min(...times).toFixed(2)}–${Math.max(...times).toFixed(2)} s`;
  return {
    seconds: median(times),
    text: `${samples.length} ${what}${samples.length === 1 ? '' : what === 'push' ? 'es' : 's'}, ${range}; the registry's CPU per ${what} ${median(samples.map((s) => s.cpu)).toFixed(2)} s`,
  };
}

/** Push `n` (from 1): image `n` loaded into the engine, tagged for the registry, pushed. */
async function push(ctx: BenchContext, n: number): Promise<Sample> {
  const dockerd = await engine(ctx);
  const image = await archive(ctx, n);
  await dockerd.docker(['load', '--quiet', '--input', image.archive.path]);
  const ref = `${ctx.target.host}/bench/docker-push-${n}:v1`;
  await dockerd.docker(['tag', `berth-bench/docker-push-${n}:v1`, ref]);
  return measured(ctx, () => dockerd.docker(['push', '--quiet', ref]));
}

async function summarisePushes(ctx: BenchContext, samples: Sample[]): Promise<Measurement> {
  const { bytes } = await archive(ctx, 1);
  const { seconds, text } = spread(samples, 'push');
  return { value: seconds, detail: `${(bytes / MiB).toFixed(1)} MiB uncompressed, gzip by the engine; ${text}` };
}

/** The image row 17b pulls, pushed to the registry once (untimed). */
function pullRef(ctx: BenchContext, dockerd: Dockerd): Promise<string> {
  return ctx.fixture('docker-pull-image', async () => {
    const pushed = `${ctx.target.host}/bench/docker-pull:v1`;
    await dockerd.docker(['tag', LOADED, pushed]);
    await dockerd.docker(['push', '--quiet', pushed]);
    return pushed;
  });
}

async function pull(ctx: BenchContext): Promise<Sample> {
  const dockerd = await engine(ctx);
  const ref = await pullRef(ctx, dockerd);
  // Every local name of the image goes, so its layers go and the pull must fetch them all.
  const images = (await dockerd.docker(['image', 'ls', '--quiet', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  if (images.length > 0) await dockerd.docker(['image', 'rm', '--force', ...new Set(images)]);
  return measured(ctx, () => dockerd.docker(['pull', '--quiet', ref]));
}

async function summarisePulls(ctx: BenchContext, samples: Sample[]): Promise<Measurement> {
  const { bytes } = await archive(ctx);
  const dockerd = await engine(ctx);
  // Put the loaded image back for a later push row (the pull left only the pulled name).
  await dockerd.docker(['tag', await pullRef(ctx, dockerd), LOADED]);
  const { seconds, text } = spread(samples, 'pull');
  return { value: seconds, detail: `${(bytes / MiB).toFixed(1)} MiB uncompressed; ${text}` };
}
