/**
 * Runs rows against started targets and turns each into an Outcome: a failing row (or a target
 * that will not start) becomes an error cell and the run goes on. The main table interleaves
 * its two targets row by row, and a sampled row sample by sample (runTargets); the scale-out
 * section runs its three one after the other (runTarget). Both go through TargetSession, so a
 * row behaves the same in either table.
 */
import { execFileSync } from 'node:child_process';
import type { RegistryProcess } from '../test/support/registry-process.js';
import type { Profile } from './options.js';
import type { Outcome } from './table.js';
import { BenchContext, NotApplicable, type Launcher, type Measurement, type Row } from './workload.js';

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

/** Every target started and not yet stopped, for a signal handler. */
const open = new Set<TargetSession>();

/** For a signal handler: stops whatever targets (and row-started registries) are up right now. */
export function stopRunning(): Promise<unknown> {
  return Promise.all([...open].map((session) => session.close()));
}

export interface TargetRun {
  /** How progress lines and error messages name the target. */
  name: string;
  launch: Launcher;
  /** An Authorization header value every request carries (the --auth run). */
  authorization?: string;
}

/** One started target: runs rows one at a time and turns each into an Outcome. */
class TargetSession {
  readonly outcomes = new Map<string, Outcome>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    private readonly registry: RegistryProcess | undefined,
    private readonly ctx: BenchContext | undefined,
    private readonly startError: string | undefined,
    private readonly rowTimeoutMs: number,
  ) {}

  static async start(target: TargetRun, profile: Profile, scratch: string): Promise<TargetSession> {
    const { name, launch } = target;
    const rowTimeoutMs = profile.name === 'quick' ? 120_000 : 300_000;
    log(`starting ${name}`);
    let session: TargetSession;
    try {
      const registry = await launch.start();
      const ctx = new BenchContext(registry, profile, scratch, log, target.authorization, launch);
      session = new TargetSession(name, registry, ctx, undefined, rowTimeoutMs);
    } catch (error) {
      log(`${name} did not start: ${error instanceof Error ? error.message : String(error)}`);
      session = new TargetSession(name, undefined, undefined, `did not start: ${message(error)}`, rowTimeoutMs);
    }
    open.add(session);
    return session;
  }

  async run(row: Row): Promise<void> {
    const ctx = this.begin(row);
    if (ctx !== undefined) await this.record(row, ctx, () => withTimeout(row.run(ctx), row.timeoutMs ?? this.rowTimeoutMs));
  }

  /**
   * Starts a row: its context, or undefined with the row's error cell set when the registry
   * never started or has exited.
   */
  begin(row: Row): BenchContext | undefined {
    const { registry, ctx } = this;
    if (registry === undefined || ctx === undefined) {
      this.outcomes.set(row.id, { ok: false, error: this.startError ?? 'did not start' });
      return undefined;
    }
    const child = registry.child;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.outcomes.set(row.id, { ok: false, error: `registry exited (${child.exitCode ?? child.signalCode})` });
      return undefined;
    }
    log(`${this.name}: ${row.id} ${row.title}`);
    // Earlier rows' writes (gigabytes, in the push rows) must not be flushed during this one.
    execFileSync('sync');
    return ctx;
  }

  /** One sample of a sampled row, given the row's timeout on its own; the clients it opened end with it. */
  async sample(row: Row, ctx: BenchContext, i: number): Promise<unknown> {
    try {
      return await withTimeout(row.sampled!.take(ctx, i), row.timeoutMs ?? this.rowTimeoutMs);
    } finally {
      ctx.closeClients();
    }
  }

  /** Ends a row begun with `begin`: its cell is what `work` measured, or the error it threw. */
  async record(row: Row, ctx: BenchContext, work: () => Promise<Measurement>): Promise<void> {
    try {
      const measurement = await work();
      this.outcomes.set(row.id, { ok: true, measurement });
      log(`  ${this.name}: ${measurement.value.toFixed(2)} ${row.unit}${measurement.detail ? ` (${measurement.detail})` : ''}`);
    } catch (error) {
      if (error instanceof NotApplicable) {
        this.outcomes.set(row.id, { ok: false, notApplicable: error.message });
        log(`  ${this.name}: n/a: ${error.message}`);
      } else {
        this.outcomes.set(row.id, { ok: false, error: message(error) });
        log(`  ${this.name}: error: ${message(error)}`);
      }
    } finally {
      ctx.closeClients();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const { registry, ctx } = this;
      if (registry === undefined || ctx === undefined) {
        open.delete(this);
        return;
      }
      if (registry.child.exitCode !== null || registry.child.signalCode !== null) {
        log(`${this.name} exited during the run; its last output:\n${registry.output().slice(-2000)}`);
      }
      try {
        await ctx.stopRegistries();
        await registry.stop();
      } finally {
        open.delete(this);
        execFileSync('sync');
      }
    })();
    return this.closing;
  }
}

/** Runs `rows` in order against one started target (the scale-out section's targets, one by one). */
export async function runTarget(target: TargetRun, rows: Row[], profile: Profile, scratch: string): Promise<Map<string, Outcome>> {
  const session = await TargetSession.start(target, profile, scratch);
  try {
    for (const row of rows) await session.run(row);
  } finally {
    await session.close();
  }
  return session.outcomes;
}

/**
 * Runs every row on every target, all started at once, row by row, the order of the targets
 * reversed on every other row. A machine's state moves during a run (on this kind of machine,
 * memory the guest has not touched yet costs far more to write into), so whichever registry
 * ran all its rows first was measured on a different machine than the one that ran second: in
 * one full run, Berth's 1 GiB pull with curl was 0.83× Distribution's running second and 2.26×
 * running first. Interleaving gives each row the same history on both sides.
 */
export async function runTargets(targets: TargetRun[], rows: Row[], profile: Profile, scratch: string): Promise<Map<string, Map<string, Outcome>>> {
  const sessions: TargetSession[] = [];
  try {
    for (const target of targets) sessions.push(await TargetSession.start(target, profile, scratch));
    for (const [i, row] of rows.entries()) {
      const order = i % 2 === 0 ? sessions : [...sessions].reverse();
      if (row.sampled !== undefined) await runSampled(order, row, profile);
      else for (const session of order) await session.run(row);
    }
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
  return new Map(sessions.map((session) => [session.name, session.outcomes]));
}

/**
 * A sampled row on every target at once: sample i from each in turn, the order reversed on
 * every other sample, so neither registry's samples all come first. A sample that fails ends
 * that target's row (its cell gets the error); the others go on.
 */
async function runSampled(sessions: TargetSession[], row: Row, profile: Profile): Promise<void> {
  const sampled = row.sampled!;
  const started = sessions.flatMap((session) => {
    const ctx = session.begin(row);
    return ctx === undefined ? [] : [{ session, ctx, samples: [] as unknown[], failure: undefined as unknown }];
  });
  const count = sampled.count(profile);
  for (let i = 0; i < count; i++) {
    for (const run of i % 2 === 0 ? started : [...started].reverse()) {
      if (run.failure !== undefined) continue;
      try {
        run.samples.push(await run.session.sample(row, run.ctx, i));
      } catch (error) {
        run.failure = error ?? new Error('sample failed');
      }
    }
  }
  for (const run of started) {
    await run.session.record(row, run.ctx, async () => {
      if (run.failure !== undefined) throw run.failure;
      return sampled.summarise(run.ctx, run.samples);
    });
  }
}

/** The admin password a `--auth` run gives every Berth it starts, and the header that carries it. */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_AUTHORIZATION = `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}`;
