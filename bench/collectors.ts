/**
 * The two garbage collectors as an operator runs them, and a look at the disk to prove they
 * freed something: Berth's `berth gc` (online, against the data dir of a running `berth serve`)
 * and Distribution's `docker-registry garbage-collect` (offline: its registry must be stopped or
 * read-only). Both are timed as whole commands, process start included.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lstat, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { berthCli, type RegistryProcess } from '../test/support/registry-process.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to its end (or kills it after `timeoutMs`), capturing its output. With
 * `stdoutFile`, stdout goes to that file (read back afterwards) instead of a pipe.
 */
export async function runCommand(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  stdoutFile?: string,
): Promise<CommandResult> {
  const out = stdoutFile === undefined ? undefined : await open(stdoutFile, 'w');
  try {
    const result = await spawnCommand(file, args, env, timeoutMs, out?.fd);
    if (stdoutFile !== undefined) result.stdout = await readFile(stdoutFile, 'utf8');
    return result;
  } finally {
    await out?.close();
  }
}

function spawnCommand(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, stdoutFd?: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { env, stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (signal === 'SIGKILL') {
        reject(new Error(`${file} ${args[0] ?? ''} killed after ${timeoutMs / 1000} s`));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms });
    });
  });
}

// What `npx berth` applies from the entry point's shebang (`env -S VAR=value node --flag`),
// read the same way test/support/registry-process.ts does for `berth serve`.
const shebang = (readFileSync(berthCli, 'utf8').split('\n')[0] ?? '').replace(/^#!\S*env -S\s*/, '').split(/\s+/);
const nodeAt = shebang.indexOf('node');
const berthNodeFlags = nodeAt === -1 ? [] : shebang.slice(nodeAt + 1).filter(Boolean);
const berthShebangEnv = Object.fromEntries(
  (nodeAt === -1 ? [] : shebang.slice(0, nodeAt)).map((pair) => pair.split('=', 2) as [string, string]),
);

/** The part of `berth gc --json`'s report the rows read. */
export interface BerthGcReport {
  manifestsRemoved: number;
  blobsRemoved: number;
  bytesFreed: number;
  durationMs: number;
  examined: number;
  skipped: { manifests: number; blobs: number; repositories: number };
  failures: { digest: string; error: string }[];
  blobs: { digest: string; size: number }[];
}

export interface BerthGcRun {
  report: BerthGcReport;
  /** Wall time of the whole command. */
  ms: number;
}

/**
 * `berth gc --grace GRACE --json` against a running Berth's data dir, with the configuration
 * the server was started with (startBerth's environment: the root, auth, `extraEnv`).
 */
export async function berthGc(
  registry: RegistryProcess,
  options: { grace: string; auth: 'none' | 'builtin'; extraEnv?: Record<string, string>; timeoutMs: number },
): Promise<BerthGcRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...berthShebangEnv,
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: registry.root,
    REGISTRY_LOG_LEVEL: 'warn',
    ...(options.auth === 'builtin' ? {} : { REGISTRY_AUTH: 'none' }),
    ...options.extraEnv,
  };
  const args = [...berthNodeFlags, berthCli, 'gc', '--grace', options.grace, '--json'];
  // Into a file, as `berth gc --json > report.json`: through a pipe, the CLI's process.exit()
  // cuts the report off at the pipe's 64 KiB buffer (seen with 2000 deleted images).
  const dir = await mkdtemp(join(tmpdir(), 'berth-gc-report-'));
  let result: CommandResult;
  try {
    result = await runCommand(process.execPath, args, env, options.timeoutMs, join(dir, 'report.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (result.code !== 0 && result.code !== 1) {
    throw new Error(`berth gc exited ${result.code}: ${firstLine(result.stderr)}`);
  }
  let report: BerthGcReport;
  try {
    report = JSON.parse(result.stdout) as BerthGcReport;
  } catch {
    throw new Error(`berth gc exited ${result.code} without a JSON report: ${firstLine(result.stderr || result.stdout)}`);
  }
  if (typeof report.blobsRemoved !== 'number') throw new Error('berth gc: the JSON report has no blobsRemoved');
  return { report, ms: result.ms };
}

export interface DistributionGcRun {
  ms: number;
  marked: number;
  blobsEligible: number;
  manifestsEligible: number;
}

/**
 * `docker-registry garbage-collect --delete-untagged` over `root`, with a config of our own (the
 * one startDistribution wrote goes with the stopped registry). The registry must be stopped.
 */
export async function distributionGc(root: string, configDir: string, timeoutMs: number): Promise<DistributionGcRun> {
  const config = join(configDir, 'gc-config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}\n  delete:\n    enabled: true\n`,
  );
  const result = await runCommand('docker-registry', ['garbage-collect', '--delete-untagged', config], process.env, timeoutMs);
  if (result.code !== 0) throw new Error(`docker-registry garbage-collect exited ${result.code}: ${firstLine(result.stderr || result.stdout)}`);
  // Its last line: "N blobs marked, M blobs and K manifests eligible for deletion".
  const match = /(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion/.exec(result.stdout);
  if (!match) throw new Error(`docker-registry garbage-collect printed no summary: ${firstLine(result.stdout || result.stderr)}`);
  return { ms: result.ms, marked: Number(match[1]), blobsEligible: Number(match[2]), manifestsEligible: Number(match[3]) };
}

/** The line that says what went wrong (Berth prints config warnings and progress first). */
function firstLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  const said =
    lines.find((l) => l.startsWith('berth: ')) ??
    lines.find((l) => !/^\s*(\(?warning\)?:?|\{"level":40|gc: )/i.test(l)) ??
    lines[0] ??
    '(no output)';
  return said.trim().slice(0, 200);
}

/** Where a registry keeps a blob's bytes (see each one's storage layout). */
export function blobFile(registry: RegistryProcess, digest: string): string {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return registry.kind === 'berth'
    ? join(registry.root, 'blobs', algorithm, hex.slice(0, 2), hex)
    : join(registry.root, 'docker', 'registry', 'v2', 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
}

export function blobsDir(registry: RegistryProcess): string {
  return registry.kind === 'berth' ? join(registry.root, 'blobs') : join(registry.root, 'docker', 'registry', 'v2', 'blobs');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Regular files under `dir` and their bytes. */
export async function diskUsage(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (at: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        files++;
        bytes += (await lstat(path)).size;
      }
    }
  };
  await walk(dir);
  return { files, bytes };
}

/** Which of `digests` still have bytes on disk. */
export async function presentBlobs(registry: RegistryProcess, digests: Iterable<string>): Promise<string[]> {
  const present: string[] = [];
  for (const digest of digests) if (await exists(blobFile(registry, digest))) present.push(digest);
  return present;
}
