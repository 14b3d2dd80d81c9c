/**
 * The facts a reader needs to judge a table: where and when it ran, and which versions.
 * Numbers from a 2-core CI box and a workstation are not comparable; the header says which.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface MachineInfo {
  date: string;
  cores: number;
  cpu: string;
  /** 1-minute load average at start: other work on a shared box makes every number noisier. */
  load: number;
  node: string;
  distribution: string;
  skopeo: string;
  berth: string;
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'not found';
  }
}

export function machineInfo(packageJson: string): MachineInfo {
  const list = cpus();
  let berth = 'unknown';
  try {
    berth = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? berth;
  } catch {
    // A missing package.json only loses the version line.
  }
  const commit = command('git', ['rev-parse', '--short', 'HEAD']);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    load: loadavg()[0],
    node: process.version,
    // "docker-registry github.com/docker/distribution 2.8.2+ds1" → the last word.
    distribution: command('docker-registry', ['--version']).split(' ').pop() ?? 'unknown',
    skopeo: command('skopeo', ['--version']).replace(/^skopeo version /, ''),
    berth: commit === 'not found' ? berth : `${berth} (${commit})`,
  };
}
