/**
 * Who this process is, for the collector's lease: its pid, its host name, and an instance key
 * saying where that pid means something. Two processes with the same instance key share a pid
 * space (same host, same boot, same pid namespace), so one can tell at once whether the other
 * is still alive; any other holder is judged only by its lease's expiry. A container that
 * shares the host name of another but not its pid namespace gets a different key, so a live
 * collector there is never taken for dead.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  instance: string;
}

let cached: ProcessIdentity | undefined;

export function thisProcess(): ProcessIdentity {
  if (cached === undefined) {
    const host = hostname();
    cached = { pid: process.pid, host, instance: [host, linuxBootId(), linuxPidNamespace()].join('/') };
  }
  return cached;
}

/** True only when `pid` certainly does not run: it shares our pid space and signal 0 finds no process. */
export function certainlyDead(pid: number | null, instance: string | null): boolean {
  if (pid === null || instance === null || instance !== thisProcess().instance) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function linuxBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function linuxPidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}
