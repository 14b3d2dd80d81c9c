/**
 * `berth migrate --to CONFIG [--online] [--json] [--config FILE]`: copies this registry into
 * the one CONFIG describes (compose/migrate/migrate-registry.ts), with progress on stderr and a
 * summary of what moved on stdout.
 */
import { migrateRegistry, type MigrateSummary } from '../compose/migrate/migrate-registry.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { formatBytes } from '../core/lifecycle/quota.js';
import { parse, UsageError } from './commands/cli-args.js';
import { migrateProgress } from './migrate-progress.js';
import { MIGRATE_USAGE } from './command-usage.js';

export async function runMigrate(args: string[]): Promise<number> {
  const { values } = parse(args, { to: { type: 'string' }, online: { type: 'boolean' }, json: { type: 'boolean' } }, MIGRATE_USAGE, { min: 0, max: 0 });
  if (typeof values.to !== 'string' || values.to === '') throw new UsageError('--to CONFIG is required', MIGRATE_USAGE);
  const { config: source, warnings } = loadConfig({ file: values.config, env: process.env });
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  let destination;
  try {
    destination = loadConfig({ file: values.to, env: {} }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.problems.map((p) => `${values.to}: ${p}`), error.warnings);
    throw error;
  }
  const online = values.online === true;
  const progress = migrateProgress(process.stderr);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let summary: MigrateSummary;
  try {
    summary = await migrateRegistry(source, destination, { online, onProgress: progress.report, signal: stop.signal });
  } catch (error) {
    progress.finish();
    if (stop.signal.aborted) {
      process.stderr.write('berth: migrate interrupted; what it copied is kept: run the same command again to continue\n');
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  progress.finish();
  process.stdout.write(values.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `${describe(summary)}\n`);
  return summary.blobs.missing.length + summary.blobs.corrupt.length > 0 ? 1 : 0;
}

export function describe(s: MigrateSummary): string {
  const b = s.blobs;
  const lines = [
    `Blobs: ${b.total} — copied ${b.copied} (${formatBytes(b.bytesCopied)}), already there ${b.skipped + b.verified}` +
      (b.verified > 0 ? ` (${b.verified} read back and verified)` : '') +
      (b.tombstoned > 0 ? `, ${b.tombstoned} being collected (not copied)` : ''),
  ];
  for (const digest of b.missing) lines.push(`  missing at the source (not copied): ${digest}`);
  for (const digest of b.corrupt) lines.push(`  does not match its digest at the source (not copied): ${digest}`);
  const rows = s.tables.reduce((sum, t) => sum + t.rows, 0);
  lines.push(`Metadata: ${rows} rows in ${s.tables.length} tables — ${s.tables.filter((t) => t.rows > 0).map((t) => `${t.table} ${t.rows}`).join(', ')}`);
  lines.push(`Not copied: ${s.notCopied.map((t) => `${t.table} (${t.why})`).join('; ')}`);
  const key = { copied: 'copied (tokens issued before stay valid)', shared: 'shared', kept: "the destination's own (sign in again)", none: 'none yet' }[s.signingKey];
  lines.push(`Token signing key: ${key}`);
  if (s.secretsKey === 'kept') {
    lines.push("Secrets key: the destination's own, so proxy projects' upstream passwords copied from here cannot be read there: set them again (berth project proxy NAME --password-stdin)");
  } else if (s.secretsKey === 'copied') {
    lines.push('Secrets key: copied (proxy projects keep their upstream passwords)');
  }
  lines.push(`Done in ${(s.durationMs / 1000).toFixed(1)} s.`);
  if (s.online) {
    lines.push(
      'Copied online: what the registry changes from now on is not in the copy. For the final pass, stop the serving Berth, ' +
        'run this command again without --online (it moves only new blobs and re-imports the metadata), then start Berth on the new configuration.',
    );
  }
  return lines.join('\n');
}
