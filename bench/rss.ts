/**
 * Row 13: peak resident memory of a registry: its process and every process under it (Berth's
 * `--workers` supervisor and its workers). The kernel's high-water mark (VmHWM) covers the whole
 * life of a process, so one read just before stopping it is enough; polling VmRSS would miss
 * short spikes between samples. Several processes' peaks are added up, which can only
 * overstate: they need not peak at the same moment. A worker that exited during the run (none
 * should) is not counted.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { BenchContext, Row } from './workload.js';

export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** The pid and every descendant's, from each process's parent in /proc/<pid>/stat. */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces; the parent pid follows the state.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(after[1]));
    } catch {
      continue; // exited while listing
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** The sum of the peaks of `root` and its descendants. */
export async function peakTreeRssMiB(root: number): Promise<{ mib: number; processes: number }> {
  const pids = await processTree(root);
  let mib = 0;
  for (const pid of pids) mib += await peakRssMiB(pid).catch(() => 0);
  return { mib, processes: pids.length };
}

/** Always runs, and runs last, so the peak spans every selected row. */
export const rssRow: Row = {
  id: '13',
  title: 'peak RSS of the registry (every process) over the run',
  unit: 'MiB',
  better: 'lower',
  run: async (ctx: BenchContext) => {
    const pid = ctx.target.child.pid;
    if (pid === undefined) throw new Error('registry has no pid');
    const peak = await peakTreeRssMiB(pid);
    return { value: peak.mib, ...(peak.processes > 1 ? { detail: `${peak.processes} processes, each one's peak added` } : {}) };
  },
};
