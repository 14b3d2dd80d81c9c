/**
 * Benchmarks Berth against Distribution in one invocation: both registries are started, each on
 * a fresh root, and every selected row runs on one then the other, the order reversed on every
 * other row (run-target.ts says why); each reports its peak RSS last. A failing row (or a
 * registry that will not start) becomes an error cell and the run goes on: a half-built server
 * still gets a table.
 *
 *   npx tsc -p . && node dist/bench/run.js [--quick] [--only <row-substring>|stack]… [--target berth]
 *
 * A run without --only (or with `--only stack`) ends with the scale-out section
 * (scale-out-section.ts): rows 1, 4, 7, 9 and 10 again on embedded, stack ×1 and stack ×3.
 *
 * Progress goes to stderr; the table goes to stdout and bench/results/latest.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBerth, startDistribution } from '../test/support/registry-process.js';
import { machineInfo } from './machine.js';
import { touchFreeMemory } from './warm-machine.js';
import { parseOptions, selectRows, type Options } from './options.js';
import { rssRow } from './rss.js';
import { BENCH_ADMIN_PASSWORD, BENCH_AUTHORIZATION, log, runTargets, stopRunning, type TargetRun } from './run-target.js';
import { runStackSection, stackRows, stopStackServices, type StackResults } from './scale-out-section.js';
import { renderStackTable } from './stack-table.js';
import { renderTable, type Results, type Target } from './table.js';
import type { Launcher } from './workload.js';
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

/** Starts `target` as every row sees it; rows that need a registry of their own get the same. */
function launcher(target: Target, options: Options): Launcher {
  if (target === 'distribution') return { auth: 'none', start: (env) => startDistribution({ env }) };
  const workers = options.workers;
  if (!options.auth) return { auth: 'none', start: (env) => startBerth({ env, workers }) };
  return {
    auth: 'builtin',
    start: (env) => startBerth({ auth: 'builtin', workers, env: { BERTH_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, ...env } }),
  };
}

function targetRun(target: Target, options: Options): TargetRun {
  // Distribution runs open (its htpasswd mode would measure bcrypt, not a registry).
  const authorization = target === 'berth' && options.auth ? BENCH_AUTHORIZATION : undefined;
  return { name: target, launch: launcher(target, options), ...(authorization ? { authorization } : {}) };
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
  const rows = options.mainTable ? selectRows(options, all) : [];
  if (rows.length === 0 && !options.stack) {
    process.stderr.write(`--only matched no row; rows are:\n${all.map((r) => `  ${r.id} ${r.title}\n`).join('')}`);
    process.exit(2);
  }
  if (rows.length > 0) rows.push(rssRow);
  const info = machineInfo(join(repoRoot, 'package.json'));
  const scratch = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  let signalled = false;
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    // The rows in flight fail once their registries stop; nothing after them may start.
    signalled = true;
    log(`${signal}: stopping`);
    const stopping = stopRunning().finally(() => stopStackServices());
    void stopping.finally(() => rm(scratch, { recursive: true, force: true })).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const results: Results = { rows, outcomes: new Map() };
  let stack: StackResults | undefined;
  try {
    // Smoke runs skip it: their numbers are not for comparison.
    if (p.name === 'full') await touchFreeMemory(log);
    if (rows.length > 0) {
      const outcomes = await runTargets(options.targets.map((t) => targetRun(t, options)), rows, p, scratch);
      for (const target of options.targets) results.outcomes.set(target, outcomes.get(target)!);
    }
    if (options.stack && !signalled) stack = await runStackSection(stackRows(all), options, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const table = (rows.length > 0 ? renderTable(info, p, results) : '') + (stack ? renderStackTable(info, p, stack) : '');
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
