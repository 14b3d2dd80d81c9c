/**
 * `berth notifications [--limit N] [--json] [--config FILE]`: each configured endpoint's queue
 * (events waiting) and delivery log (newest first), read from the metadata database, so an
 * operator can see why a listener is behind without a running server's help.
 */
import { openMetadataDatabase } from '../compose/metadata-database.js';
import { loadConfig } from '../config/load-config.js';
import { parse, UsageError } from './commands/cli-args.js';
import { NOTIFICATIONS_USAGE } from './command-usage.js';

export async function runNotifications(args: string[]): Promise<number> {
  const { values } = parse(args, { limit: { type: 'string' }, json: { type: 'boolean' } }, NOTIFICATIONS_USAGE, { min: 0, max: 0 });
  const limit = values.limit === undefined ? 10 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit: expected a whole number from 1 to 1000, got "${values.limit}"`, NOTIFICATIONS_USAGE);
  const { config, warnings } = loadConfig({ file: values.config, env: process.env });
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const stores = await openMetadataDatabase(config);
  try {
    await stores.metadata.migrate();
    const outbox = stores.shared.outbox;
    const report = [];
    for (const endpoint of config.notifications.endpoints) {
      report.push({
        name: endpoint.name,
        url: redactUrl(endpoint.url),
        disabled: endpoint.disabled,
        pending: await outbox.pending(endpoint.name),
        deliveries: await outbox.deliveries(endpoint.name, limit),
      });
    }
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    if (report.length === 0) process.stdout.write('No notification endpoints are configured (notifications.endpoints).\n');
    for (const e of report) {
      process.stdout.write(`${e.name}  ${e.url}${e.disabled ? '  (disabled)' : ''}\n  waiting: ${e.pending} event(s)\n`);
      if (e.deliveries.length === 0) process.stdout.write('  no deliveries logged\n');
      for (const d of e.deliveries) {
        const outcome = d.error === undefined ? `${d.status}` : `${d.status} ${d.error}`;
        process.stdout.write(`  ${new Date(d.at).toISOString()}  ${outcome}  ${d.latencyMs} ms  attempt ${d.attempt}\n`);
      }
    }
    return 0;
  } finally {
    await stores.close();
  }
}

/** The URL without credentials or query (it may carry a token). */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
