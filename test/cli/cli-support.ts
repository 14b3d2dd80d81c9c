/**
 * Runs the published `berth` entry point as a user would, against a data directory named by
 * REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, and captures what they would see.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berthCli } from '../support/registry-process.js';
import { stackCliEnv } from '../support/stack-mode.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without any registry settings, so only the test's apply. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('REGISTRY_') && !key.startsWith('BERTH_')) env[key] = value;
  }
  return env;
}

export interface CliOptions {
  /** Extra environment (e.g. BERTH_ADMIN_PASSWORD for `serve`). */
  env?: Record<string, string>;
  /** Kills the command (SIGTERM) after this long, for one that should have refused to start; code is then null. */
  timeoutMs?: number;
  /** Run as this account (needs root): for permission errors, which root itself never meets. */
  user?: { uid: number; gid: number };
}

export function berth(root: string | undefined, args: string[], input?: string, options: CliOptions = {}): Promise<CliResult> {
  // A stack's root (stack mode) brings the shared database and bucket with it, as its operator's would.
  const rootEnv = root === undefined ? {} : { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, ...stackCliEnv(root) };
  const env = { ...cleanEnv(), ...rootEnv, ...options.env };
  const child = spawn(process.execPath, [berthCli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs, ...options.user });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The value of the `label: value` line a command prints a secret on. */
export function secretLine(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}: `));
  if (line === undefined) throw new Error(`no "${label}:" line in:\n${stdout}`);
  return line.slice(label.length + 2);
}

export async function tempRoot(): Promise<{ root: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'berth-cli-'));
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
