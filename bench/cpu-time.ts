/**
 * CPU time a process has used (user and system, all its threads), from /proc/<pid>/stat. On a
 * machine shared with other work a throughput moves by 2× between runs; the CPU a registry
 * spends on the same work moves far less, so rows that compare code changes give it too.
 */
import { readFile } from 'node:fs/promises';

export interface CpuSeconds {
  user: number;
  system: number;
}

/** Clock ticks per second as the kernel reports them in /proc (USER_HZ, 100 on Linux). */
const TICKS = 100;

export async function cpuSeconds(pid: number): Promise<CpuSeconds> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15, so the 12th and 13th after the name.
  return { user: Number(fields[11]) / TICKS, system: Number(fields[12]) / TICKS };
}

/** The CPU time a process spends while `work` runs. */
export async function cpuDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSeconds }> {
  const before = await cpuSeconds(pid);
  const result = await work();
  const after = await cpuSeconds(pid);
  return { result, cpu: { user: after.user - before.user, system: after.system - before.system } };
}
