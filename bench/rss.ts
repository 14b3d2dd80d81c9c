/**
 * Row 13: peak resident memory of a registry process. The kernel's high-water mark (VmHWM)
 * covers the whole life of the process, so one read just before stopping it is enough; polling
 * VmRSS would miss short spikes between samples.
 */
import { readFile } from 'node:fs/promises';
import type { BenchContext, Row } from './workload.js';

export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Always runs, and runs last, so the peak spans every selected row. */
export const rssRow: Row = {
  id: '13',
  title: 'peak RSS of the registry process over the run',
  unit: 'MiB',
  better: 'lower',
  run: async (ctx: BenchContext) => {
    const pid = ctx.target.child.pid;
    if (pid === undefined) throw new Error('registry has no pid');
    return { value: await peakRssMiB(pid) };
  },
};
