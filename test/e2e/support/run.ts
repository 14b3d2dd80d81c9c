/**
 * Runs a client binary and captures its output. Failures throw an error that names the command,
 * its exit status and its stderr, because a red e2e test is only useful if it shows what the
 * client saw from the registry.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command (SIGKILL) after this long; clients can hang on a registry that never answers. */
  timeoutMs?: number;
  input?: string;
  /** Resolve instead of throwing on a non-zero exit, for commands expected to fail. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  declare readonly result: RunResult;

  constructor(command: string, result: RunResult, timedOut: boolean) {
    const status = timedOut
      ? 'timed out'
      : result.signal
        ? `killed by ${result.signal}`
        : `exited with ${String(result.code)}`;
    super(
      `${command}\n  ${status}\n  stderr:\n${indent(tail(result.stderr))}` +
        (result.stdout.trim() ? `\n  stdout:\n${indent(tail(result.stdout))}` : ''),
    );
    this.name = 'CommandError';
    // Not an enumerable field: the test reporter would print the whole output a second time.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
  }
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args].map(quote).join(' ');
  const child = spawn(file, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (child.stdin) {
    // A command may exit without reading its input; that shows in its exit status, not as EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  const result = await new Promise<RunResult>((ok, fail) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(new Error(`${command}: could not start: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stdout, stderr });
    });
  });
  if (timedOut || (result.code !== 0 && !options.allowFailure)) throw new CommandError(command, result, timedOut);
  return result;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function tail(text: string): string {
  const max = 6000;
  return text.length > max ? `…${text.slice(-max)}` : text;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
