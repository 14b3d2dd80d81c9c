/**
 * `berth gc [--dry-run] [--now [--yes]] [--grace 1h] [--full] [--json] [--config FILE]`: an
 * online collection (a running `berth serve` on the same data goes on serving), with progress
 * on stderr and a summary per repository on stdout (or the whole report as JSON), ending with
 * what it held back, why, until when, and how to free it now.
 */
import { createInterface } from 'node:readline/promises';
import { parseGoDuration } from '../config/go-duration.js';
import { composeLifecycle } from '../compose/compose-lifecycle.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { describeInterruption, type GcReport } from '../core/lifecycle/gc-report.js';
import { progressReporter } from './gc-progress.js';
import { formatBytes } from '../core/lifecycle/quota.js';
import { LifecycleUsageError, runLifecycleCommand } from './lifecycle-command.js';
import { GC_USAGE } from './command-usage.js';

/** `checkpoint`: only for tests that hold this command at a step (test/lifecycle/support). */
export async function runGc(args: string[], hooks: { checkpoint?: Checkpoint } = {}): Promise<number> {
  const options = {
    'dry-run': { type: 'boolean' },
    grace: { type: 'string' },
    full: { type: 'boolean' },
    json: { type: 'boolean' },
    now: { type: 'boolean' },
    yes: { type: 'boolean' },
  } as const;
  return runLifecycleCommand(GC_USAGE, args, options, async ({ lifecycle }, { values, positionals }) => {
    if (positionals.length > 0) throw new LifecycleUsageError(`unexpected argument "${positionals[0]}"`);
    let graceMs: number | undefined;
    if (typeof values.grace === 'string') {
      const seconds = parseGoDuration(values.grace);
      if (seconds === undefined || seconds < 0) throw new LifecycleUsageError(`--grace: "${values.grace}" is not a duration such as 30m or 1h`);
      graceMs = seconds * 1000;
    }
    const dryRun = values['dry-run'] === true;
    const purge = values.now === true;
    if (values.yes === true && !purge) throw new LifecycleUsageError('--yes only goes with --now');
    if (purge && !dryRun && values.yes !== true) {
      if (process.stdin.isTTY !== true) {
        process.stderr.write(
          'berth: gc --now removes deleted content for good (deleted tags and repositories can no longer be restored) ' +
            'and needs a confirmation: run it on a terminal to be asked, add --yes to confirm, or see what would go with --now --dry-run\n',
        );
        return 2;
      }
      const preview = await lifecycle.gc({ dryRun: true, purge: true, full: values.full === true, graceMs });
      process.stderr.write(`${summary(preview)}\n`);
      if (!(await confirm('Remove this for good? Deleted tags and repositories can no longer be restored after it. [y/N] '))) {
        process.stderr.write('berth: nothing removed\n');
        return 1;
      }
    }
    const progress = progressReporter(process.stderr);
    let report: GcReport;
    try {
      report = await lifecycle.gc({
        dryRun,
        purge,
        full: values.full === true,
        graceMs,
        onProgress: progress.report,
        onInterrupted: (interrupted) =>
          process.stderr.write(
            `berth: ${describeInterruption({ pid: interrupted.pid, host: interrupted.host, startedAt: interrupted.startedAt, stoppedAt: interrupted.lastSeenAt, cleanedAt: undefined })}\n`,
          ),
      });
    } finally {
      progress.finish();
    }
    process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${summary(report)}\n`);
    return report.failures.length > 0 ? 1 : 0;
  }, (config) => composeLifecycle(config, hooks));
}

export function summary(report: GcReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  if (report.repositories.length > 0) {
    const rows = report.repositories.map((r) => [
      r.repository,
      String(r.manifests.length),
      String(r.blobs.length),
      formatBytes(r.bytes),
      r.removed ? 'yes' : '',
    ]);
    const headers = ['REPOSITORY', 'MANIFESTS', 'BLOBS', 'BYTES', 'REMOVED'];
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    for (const cells of [headers, ...rows]) lines.push(cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    lines.push('');
  }
  lines.push(
    `${report.dryRun ? 'Dry run: ' : ''}${verb} ${report.manifestsRemoved} manifest(s), ${report.blobsRemoved} blob(s) ` +
      `(${formatBytes(report.bytesFreed)}) and ${report.repositoriesRemoved} repositor${report.repositoriesRemoved === 1 ? 'y' : 'ies'} ` +
      `in ${report.durationMs} ms; examined ${report.examined}.`,
  );
  const skipped = report.skipped.manifests + report.skipped.blobs + report.skipped.repositories;
  if (skipped > 0) lines.push(`Skipped ${skipped} item(s) that came back into use during the collection.`);
  for (const failure of report.failures) lines.push(`Could not delete ${failure.digest}: ${failure.error} (retried next run)`);
  lines.push(...heldLines(report));
  return lines.join('\n');
}

/** What the run left for later, why, until when, and how to free it at once. */
export function heldLines(report: GcReport): string[] {
  const { held } = report;
  const lines: string[] = [];
  const window = held.restoreWindow;
  if (window.manifests + window.blobs + window.repositories > 0) {
    const kept = [window.tags > 0 ? `${window.tags} deleted tag(s)` : '', window.repositories > 0 ? `${window.repositories} deleted repositor${window.repositories === 1 ? 'y' : 'ies'}` : '']
      .filter((x) => x !== '')
      .join(' and ');
    lines.push(
      `Held back: ${amount(window)}, because of the restore window (${duration(held.restoreWindowMs)}): kept by ${kept || 'deleted tags'} that \`berth restore\` can still bring back; ` +
        `collectable ${when(window)}.`,
    );
  }
  const grace = held.grace;
  if (grace.manifests + grace.blobs + grace.repositories > 0) {
    const why = report.purge
      ? 'uploaded, linked or pushed untagged and not referenced since (a push may be in progress)'
      : 'unreferenced, untagged, uploaded or linked more recently than that';
    lines.push(`Held back: ${amount(grace)}, because of the grace period (${duration(held.graceMs)}): ${why}; collectable ${when(grace)}.`);
  }
  const now = held.freeableNow;
  if (!report.purge && now.manifests + now.blobs + now.repositories > 0) {
    lines.push(
      `To free ${formatBytes(now.bytes)} now (${now.manifests} manifest(s), ${now.blobs} blob(s)): berth gc --now` +
        (now.tags > 0 ? ` (${now.tags} deleted tag(s) can then no longer be restored)` : '') +
        '; see berth gc --now --dry-run first.',
    );
  }
  return lines;
}

function amount(group: GcReport['held']['grace']): string {
  const parts = [`${group.blobs} blob(s) (${formatBytes(group.bytes)})`, `${group.manifests} manifest(s)`];
  if (group.repositories > 0) parts.push(`${group.repositories} repositor${group.repositories === 1 ? 'y' : 'ies'}`);
  return parts.join(', ');
}

function when(group: GcReport['held']['grace']): string {
  const from = group.releaseFrom;
  const until = group.releaseUntil;
  if (from === undefined || until === undefined) return 'later';
  return iso(from) === iso(until) ? `at ${iso(until)}` : `from ${iso(from)} until ${iso(until)}`;
}

function iso(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 3600000 -> 1h, 90000 -> 1m30s: the form the config and --grace take. */
export function duration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  if (seconds === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(seconds / size);
    if (n > 0) parts.push(`${n}${unit}`);
    seconds -= n * size;
  }
  return parts.join('');
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
