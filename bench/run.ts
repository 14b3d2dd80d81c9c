/**
 * Benchmarks Berth against Distribution in one invocation: each registry is started alone on a
 * fresh root, runs every selected row in order, reports its peak RSS and is stopped before the
 * next one starts. A failing row (or a registry that will not start) becomes an error cell and
 * the run goes on: a half-built server still gets a table.
 *
 *   npx tsc -p . && node dist/bench/run.js [--quick] [--only <row-substring>]… [--target berth]
 *
 * Progress goes to stderr; the table goes to stdout and bench/results/latest.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBerth, startDistribution, type RegistryProcess } from '../test/support/registry-process.js';
import { machineInfo } from './machine.js';
import { parseOptions, selectRows, type Options } from './options.js';
import { rssRow } from './rss.js';
import { renderTable, type Outcome, type Results, type Target } from './table.js';
import { BenchContext, NotApplicable, type Launcher, type Row } from './workload.js';
import { blobPullRows } from './workloads/blob-pull.js';
import { blobPushRows } from './workloads/blob-push.js';
import { dockerEngineRows } from './workloads/docker-engine.js';
import { gcTimeRows } from './workloads/gc-time.js';
import { listingRows } from './workloads/listing.js';
import { manifestRows } from './workloads/manifests.js';
import { mixedRows } from './workloads/mixed.js';
import { proxyRows } from './workloads/proxy.js';
import { pushDuringGcRows } from './workloads/push-during-gc.js';
import { skopeoRows } from './workloads/skopeo.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Start failures carry the whole child log; the cell gets its first line.
  return text.split('\n')[0].slice(0, 240);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

let running: RegistryProcess | undefined;
let runningCtx: BenchContext | undefined;
const BENCH_ADMIN_PASSWORD = 'bench-admin-password';

/** Starts `target` as every row sees it; rows that need a registry of their own get the same. */
function launcher(target: Target, options: Options): Launcher {
  if (target === 'distribution') return { auth: 'none', start: (env) => startDistribution({ env }) };
  if (!options.auth) return { auth: 'none', start: (env) => startBerth({ env }) };
  return {
    auth: 'builtin',
    start: (env) => startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, ...env } }),
  };
}

async function runTarget(target: Target, rows: Row[], options: Options, scratch: string): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  log(`starting ${target}`);
  const launch = launcher(target, options);
  let registry: RegistryProcess;
  try {
    registry = await launch.start();
  } catch (error) {
    log(`${target} did not start: ${error instanceof Error ? error.message : String(error)}`);
    for (const row of rows) outcomes.set(row.id, { ok: false, error: `did not start: ${message(error)}` });
    return outcomes;
  }
  running = registry;
  // Distribution runs open (its htpasswd mode would measure bcrypt, not a registry).
  const authorization =
    target === 'berth' && options.auth ? `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}` : undefined;
  const ctx = new BenchContext(registry, options.profile, scratch, log, authorization, launch);
  runningCtx = ctx;
  const rowTimeoutMs = options.profile.name === 'quick' ? 120_000 : 300_000;
  try {
    for (const row of rows) {
      const child = registry.child;
      if (child.exitCode !== null || child.signalCode !== null) {
        outcomes.set(row.id, { ok: false, error: `registry exited (${child.exitCode ?? child.signalCode})` });
        continue;
      }
      log(`${target}: ${row.id} ${row.title}`);
      // Earlier rows' writes (gigabytes, in the push rows) must not be flushed during this one.
      execFileSync('sync');
      try {
        const measurement = await withTimeout(row.run(ctx), row.timeoutMs ?? rowTimeoutMs);
        outcomes.set(row.id, { ok: true, measurement });
        log(`  ${measurement.value.toFixed(2)} ${row.unit}${measurement.detail ? ` (${measurement.detail})` : ''}`);
      } catch (error) {
        if (error instanceof NotApplicable) {
          outcomes.set(row.id, { ok: false, notApplicable: error.message });
          log(`  n/a: ${error.message}`);
        } else {
          outcomes.set(row.id, { ok: false, error: message(error) });
          log(`  error: ${message(error)}`);
        }
      } finally {
        ctx.closeClients();
      }
    }
    if (registry.child.exitCode !== null || registry.child.signalCode !== null) {
      log(`${target} exited during the run; its last output:\n${registry.output().slice(-2000)}`);
    }
  } finally {
    running = undefined;
    runningCtx = undefined;
    await ctx.stopRegistries();
    await registry.stop();
    execFileSync('sync');
  }
  return outcomes;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const p = options.profile;
  const all = [
    ...blobPushRows(p),
    ...blobPullRows(p),
    ...manifestRows(p),
    ...listingRows(p),
    ...skopeoRows(p),
    ...dockerEngineRows(p),
    ...mixedRows(p),
    ...gcTimeRows(p),
    ...pushDuringGcRows(p),
    ...proxyRows(p),
  ];
  const rows = selectRows(options, all);
  if (rows.length === 0) {
    process.stderr.write(`--only matched no row; rows are:\n${all.map((r) => `  ${r.id} ${r.title}\n`).join('')}`);
    process.exit(2);
  }
  rows.push(rssRow);
  const info = machineInfo(join(repoRoot, 'package.json'));
  const scratch = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`);
    const stopping = Promise.all([running?.stop(), runningCtx?.stopRegistries()]);
    void stopping.finally(() => rm(scratch, { recursive: true, force: true })).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const results: Results = { rows, outcomes: new Map() };
  try {
    for (const target of options.targets) {
      results.outcomes.set(target, await runTarget(target, rows, options, scratch));
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const table = renderTable(info, p, results);
  process.stdout.write(table);
  const out = join(repoRoot, 'bench', 'results', 'latest.md');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, table);
  log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
