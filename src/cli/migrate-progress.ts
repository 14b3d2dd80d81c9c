/**
 * Progress of `berth migrate` on stderr: on a terminal one redrawn line (a bar, items, bytes and
 * the time left); anywhere else (a log, a CI job) plain lines, one per phase and per tenth of
 * it, that stay readable when captured.
 */
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
      ? `${p.items}/${p.totalItems} blobs, ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}${eta(p, now() - started)}`
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

/** Time left at the rate bytes moved in this run (skipped blobs would flatter it). */
function eta(p: MigrateProgress, elapsedMs: number): string {
  const left = p.totalBytes - p.bytes;
  if (left <= 0 || p.moved === 0 || elapsedMs < 1000) return '';
  const seconds = Math.ceil(left / (p.moved / (elapsedMs / 1000)));
  const m = Math.floor(seconds / 60);
  const h = Math.floor(m / 60);
  const clock = h > 0 ? `${h}:${String(m % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}` : `${m}:${String(seconds % 60).padStart(2, '0')}`;
  return `, ETA ${clock}`;
}
