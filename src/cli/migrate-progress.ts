/**
 * Progress of `berth migrate` on stderr: on a terminal one redrawn line (a bar, items, bytes and
 * the time left); anywhere else (a log, a CI job) plain lines, one per phase and per tenth of
 * it, that stay readable when captured.
 */
import { etaSuffix } from './progress-eta.js';
import type { MigrateProgress } from '../compose/migrate/migrate-registry.js';
import { formatBytes } from '../core/lifecycle/quota.js';
import type { ProgressSink } from './gc-progress.js';

const BAR_WIDTH = 24;

export function migrateProgress(sink: ProgressSink, now: () => number = Date.now): { report: (p: MigrateProgress) => void; finish: () => void } {
  const started = now();
  let phase: string | undefined;
  let step = -1;
  let drawn = false;
  let lastDraw = 0;
  const report = (p: MigrateProgress): void => {
    const fraction = p.phase === 'blobs'
      ? (p.totalBytes > 0 ? p.bytes / p.totalBytes : p.totalItems > 0 ? p.items / p.totalItems : 1)
      : p.totalItems > 0 ? p.items / p.totalItems : 1;
    const clamped = Math.min(1, Math.max(0, fraction));
    const what = p.phase === 'blobs'
      ? `${p.items}/${p.totalItems} blobs, ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}${etaSuffix(p, now() - started)}`
      : `${p.items}/${p.totalItems} rows${p.table === undefined ? '' : ` (${p.table})`}`;
    if (sink.isTTY === true) {
      const at = now();
      if (at - lastDraw < 100 && clamped < 1) return;
      lastDraw = at;
      const filled = Math.round(clamped * BAR_WIDTH);
      sink.write(`\r\x1b[2K${p.phase.padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${what}`);
      drawn = true;
      return;
    }
    const tenth = Math.floor(clamped * 10);
    if (p.phase === phase && tenth === step) return;
    phase = p.phase;
    step = tenth;
    sink.write(`migrate: ${p.phase} ${Math.floor(clamped * 100)}%: ${what}\n`);
  };
  return {
    report,
    finish: () => {
      if (drawn) sink.write('\n');
      drawn = false;
    },
  };
}
