/**
 * `berth gc [--dry-run] [--grace 1h] [--full] [--json] [--config FILE]`: an online collection
 * (a running `berth serve` on the same data goes on serving), with progress on stderr and a
 * summary per repository on stdout (or the whole report as JSON).
 */
import { parseGoDuration } from '../config/go-duration.js';
import { composeLifecycle } from '../compose/compose-lifecycle.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { describeInterruption, type GcReport } from '../core/lifecycle/gc-report.js';
import { progressReporter } from './gc-progress.js';
import { formatBytes } from '../core/lifecycle/quota.js';
import { LifecycleUsageError, runLifecycleCommand } from './lifecycle-command.js';

export const GC_USAGE = `Usage: berth gc [--dry-run] [--grace DURATION] [--full] [--json] [--config FILE]

Removes untagged manifests nothing needs, blobs no manifest references, and repositories
deleted with \`berth rm\` once nothing in them lives, while the registry keeps serving.

  --dry-run         report what would be removed; remove nothing
  --grace DURATION  leave alone what is younger than this (default lifecycle.gc.grace, 1h)
  --full            examine the whole registry, not only what deletes recorded (slower)
  --json            print the report as JSON`;

/** `checkpoint`: only for tests that hold this command at a step (test/lifecycle/support). */
export async function runGc(args: string[], hooks: { checkpoint?: Checkpoint } = {}): Promise<number> {
  const options = {
    'dry-run': { type: 'boolean' },
    grace: { type: 'string' },
    full: { type: 'boolean' },
    json: { type: 'boolean' },
  } as const;
  return runLifecycleCommand(GC_USAGE, args, options, async ({ lifecycle }, { values, positionals }) => {
    if (positionals.length > 0) throw new LifecycleUsageError(`unexpected argument "${positionals[0]}"`);
    let graceMs: number | undefined;
    if (typeof values.grace === 'string') {
      const seconds = parseGoDuration(values.grace);
      if (seconds === undefined || seconds < 0) throw new LifecycleUsageError(`--grace: "${values.grace}" is not a duration such as 30m or 1h`);
      graceMs = seconds * 1000;
    }
    const progress = progressReporter(process.stderr);
    let report: GcReport;
    try {
      report = await lifecycle.gc({
        dryRun: values['dry-run'] === true,
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
  return lines.join('\n');
}
