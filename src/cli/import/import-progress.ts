/**
 * Progress of `berth import` on stderr, in the house style of migrate-progress.ts: on a
 * terminal one redrawn line (a bar, repositories, tags, bytes and the time left); anywhere
 * else plain lines, one per tenth of the work, that stay readable when captured.
 */
import { etaSuffix } from '../progress-eta.js';
import { formatBytes } from '../../core/lifecycle/quota.js';
import type { ProgressSink } from '../gc-progress.js';
import type { ImportProgress } from './registry2-import.js';

const BAR_WIDTH = 24;

export function importProgress(sink: ProgressSink, now: () => number = Date.now): { report: (p: ImportProgress) => void; finish: () => void } {
  const started = now();
  let step = -1;
  let drawn = false;
  let lastDraw = 0;
  const report = (p: ImportProgress): void => {
    const fraction = p.totalBytes > 0 ? p.bytes / p.totalBytes : p.totalRepositories > 0 ? p.repositories / p.totalRepositories : 1;
    const done = p.repositories === p.totalRepositories;
    const clamped = done ? 1 : Math.min(0.99, Math.max(0, fraction));
    const what =
      `${p.repositories}/${p.totalRepositories} repositories, ${p.tags}/${p.totalTags} tags, ` +
      `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}${etaSuffix(p, now() - started)}`;
    if (sink.isTTY === true) {
      const at = now();
      if (at - lastDraw < 100 && !done) return;
      lastDraw = at;
      const filled = Math.round(clamped * BAR_WIDTH);
      sink.write(`\r\x1b[2Kimport [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${what}`);
      drawn = true;
      return;
    }
    const tenth = Math.floor(clamped * 10);
    if (tenth === step) return;
    step = tenth;
    sink.write(`import: ${Math.floor(clamped * 100)}%: ${what}\n`);
  };
  return {
    report,
    finish: () => {
      if (drawn) sink.write('\n');
      drawn = false;
    },
  };
}
