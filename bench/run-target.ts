/**
 * Runs a list of rows against one started target, in order, and turns each into an Outcome: a
 * failing row (or a target that will not start) becomes an error cell and the run goes on. Both
 * tables (Berth vs Distribution, and the scale-out section) run their targets through this, so a
 * row behaves the same whichever table it lands in.
 */
import { execFileSync } from 'node:child_process';
import type { RegistryProcess } from '../test/support/registry-process.js';
import type { Profile } from './options.js';
import type { Outcome } from './table.js';
import { BenchContext, NotApplicable, type Launcher, type Row } from './workload.js';

export function log(message: string): void {
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

/** For a signal handler: stops whatever target (and row-started registries) is up right now. */
export function stopRunning(): Promise<unknown> {
  return Promise.all([running?.stop(), runningCtx?.stopRegistries()]);
}

export interface TargetRun {
  /** How progress lines and error messages name the target. */
  name: string;
  launch: Launcher;
  /** An Authorization header value every request carries (the --auth run). */
  authorization?: string;
}

export async function runTarget(target: TargetRun, rows: Row[], profile: Profile, scratch: string): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const { name, launch } = target;
  log(`starting ${name}`);
  let registry: RegistryProcess;
  try {
    registry = await launch.start();
  } catch (error) {
    log(`${name} did not start: ${error instanceof Error ? error.message : String(error)}`);
    for (const row of rows) outcomes.set(row.id, { ok: false, error: `did not start: ${message(error)}` });
    return outcomes;
  }
  running = registry;
  const ctx = new BenchContext(registry, profile, scratch, log, target.authorization, launch);
  runningCtx = ctx;
  const rowTimeoutMs = profile.name === 'quick' ? 120_000 : 300_000;
  try {
    for (const row of rows) {
      const child = registry.child;
      if (child.exitCode !== null || child.signalCode !== null) {
        outcomes.set(row.id, { ok: false, error: `registry exited (${child.exitCode ?? child.signalCode})` });
        continue;
      }
      log(`${name}: ${row.id} ${row.title}`);
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
      log(`${name} exited during the run; its last output:\n${registry.output().slice(-2000)}`);
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

/** The admin password a `--auth` run gives every Berth it starts, and the header that carries it. */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_AUTHORIZATION = `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}`;
