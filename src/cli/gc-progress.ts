/**
 * Progress of `berth gc` on stderr: a redrawn bar on a terminal, and on anything else (a log,
 * a CI job) plain lines — one per phase and per tenth of it — that stay readable when captured.
 */
import type { GcPhase, GcProgress } from '../core/lifecycle/gc-report.js';
import { formatBytes } from '../core/lifecycle/quota.js';

const BAR_WIDTH = 30;

export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
}

export function progressReporter(sink: ProgressSink): { report: (p: GcProgress) => void; finish: () => void } {
  let phase: GcPhase | undefined;
  let step = -1;
  let drawn = false;
  const report = (p: GcProgress): void => {
    const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
    if (sink.isTTY === true) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      sink.write(`\r\x1b[2K${p.phase.padEnd(12)} [${bar}] ${p.done}/${p.total}  freed ${formatBytes(p.bytesFreed)}`);
      drawn = true;
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (p.phase === phase && tenth === step) return;
    phase = p.phase;
    step = tenth;
    sink.write(`gc: ${p.phase} ${p.done}/${p.total}, freed ${formatBytes(p.bytesFreed)}\n`);
  };
  return {
    report,
    finish: () => {
      if (drawn) sink.write('\n');
    },
  };
}
