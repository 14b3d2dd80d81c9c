/**
 * A background daemon owned by one test file: started detached with its output in a log file,
 * ready once a probe command succeeds, stopped by its own PID (never by name).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface Daemon {
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startDaemon(
  name: string,
  file: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; ready: () => Promise<boolean>; timeoutMs?: number },
): Promise<Daemon> {
  const out = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, args, { env: options.env, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  let dead = false;
  void exited.then(() => (dead = true));
  const spawned = await new Promise<boolean>((ok) => {
    child.once('spawn', () => ok(true));
    child.once('error', () => ok(false));
  });
  const log = () => {
    try {
      return readFileSync(options.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  if (!spawned || child.pid === undefined) throw new Error(`${name}: could not start ${file}`);
  const pid = child.pid;
  const daemon: Daemon = {
    pid,
    log,
    async stop() {
      if (dead) return;
      signal(pid, 'SIGTERM');
      const killTimer = setTimeout(() => {
        if (!dead) signal(pid, 'SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${name} exited during start:\n${log().slice(-4000)}`);
    if (await options.ready()) return daemon;
    await new Promise((r) => setTimeout(r, 200));
  }
  await daemon.stop();
  throw new Error(`${name} was not ready within ${(options.timeoutMs ?? 60_000) / 1000} s:\n${log().slice(-4000)}`);
}

/** The daemon may exit between the liveness check and the signal; that is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
