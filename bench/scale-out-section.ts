/**
 * The scale-out section (issue 13): the same rows 1, 4, 7, 9 and 10, the same workload
 * functions, against one embedded Berth (SQLite + files) and against the test suite's scale-out
 * stack (test/support/berth-stack-process.ts: PostgreSQL + Ceph RGW behind Debian's nginx) with
 * one instance and with three. Every Berth here runs `http.workers: 1`, so "×3" means three
 * processes behind the balancer, never a supervisor's workers; --workers does not apply.
 *
 * The stack's database and bucket are made per target and dropped/emptied by its stop(), which
 * runTarget calls in a finally; RGW is started once for the section (if nothing answers yet)
 * and stopped again at its end, success or not.
 */
import { startBerthStack } from '../test/support/berth-stack-process.js';
import { useRgw, type Rgw } from '../test/support/ceph-rgw.js';
import { startBerth } from '../test/support/registry-process.js';
import type { Options } from './options.js';
import { BENCH_ADMIN_PASSWORD, BENCH_AUTHORIZATION, log, runTarget, type TargetRun } from './run-target.js';
import type { Outcome } from './table.js';
import type { Launcher, Row } from './workload.js';

/** push 1 MiB (POST+PUT), pull 1 MiB, GET manifest, PUT manifest, catalog walk. */
export const STACK_ROW_IDS: readonly string[] = ['1', '4', '7', '9', '10'];

export const STACK_TARGETS = ['embedded', 'stack ×1', 'stack ×3'] as const;
export type StackTarget = (typeof STACK_TARGETS)[number];

export interface StackResults {
  rows: Row[];
  outcomes: Map<StackTarget, Map<string, Outcome>>;
  /** Wall time of each target, start and stop included: what the section adds to a run. */
  seconds: Map<StackTarget, number>;
}

export function stackRows(all: readonly Row[]): Row[] {
  return all.filter((row) => STACK_ROW_IDS.includes(row.id));
}

function launcher(target: StackTarget, auth: boolean): Launcher {
  const authEnv: Record<string, string> = auth ? { BERTH_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD } : {};
  const mode = auth ? 'builtin' : 'none';
  if (target === 'embedded') {
    return { auth: mode, start: (env) => startBerth({ auth: mode, workers: 1, env: { ...authEnv, ...env } }) };
  }
  const instances = target === 'stack ×1' ? 1 : 3;
  return {
    auth: mode,
    start: (env) =>
      startBerthStack({
        instances,
        workers: 1,
        label: `bench${instances}`,
        auth: mode,
        // Blob GETs would otherwise answer 307 to a presigned RGW URL, and row 4 would measure
        // RGW (or nothing: the load generator does not follow redirects), not Berth.
        env: { REGISTRY_STORAGE_REDIRECT_DISABLE: 'true', ...authEnv, ...env },
      }),
  };
}

let rgw: Rgw | undefined;

/** For a signal handler, after stopRunning(): stops the RGW this section started, if any. */
export async function stopStackServices(): Promise<void> {
  const started = rgw;
  rgw = undefined;
  await started?.cleanup();
}

export async function runStackSection(rows: Row[], options: Options, scratch: string): Promise<StackResults> {
  const results: StackResults = { rows, outcomes: new Map(), seconds: new Map() };
  try {
    for (const target of STACK_TARGETS) {
      const t0 = performance.now();
      if (target !== 'embedded' && rgw === undefined) {
        // After the embedded target, so an idle Ceph does not share its cores.
        log('starting (or reusing) Ceph RGW for the stack targets');
        rgw = await useRgw();
      }
      const run: TargetRun = {
        name: target,
        launch: launcher(target, options.auth),
        ...(options.auth ? { authorization: BENCH_AUTHORIZATION } : {}),
      };
      results.outcomes.set(target, await runTarget(run, rows, options.profile, scratch));
      results.seconds.set(target, (performance.now() - t0) / 1000);
    }
  } catch (error) {
    // Only useRgw can throw here (runTarget turns failures into cells): the stack cells say why.
    const text = `RGW did not start: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    log(text);
    for (const target of STACK_TARGETS) {
      if (!results.outcomes.has(target)) results.outcomes.set(target, new Map(rows.map((r) => [r.id, { ok: false, error: text }])));
    }
  } finally {
    await stopStackServices();
  }
  return results;
}
