/** `berth audit [filters] [--json]` and `berth audit prune [--older-than 90d]`. */
import type { AuditFilter } from '../../core/access/audit-query.js';
import { auditJson } from '../../core/access/audit-query.js';
import { auditText } from '../../core/access/audit-text.js';
import { parseLifetime } from '../../core/access/lifetime.js';
import { parse, UsageError } from './cli-args.js';
import { print, table, time } from './cli-output.js';
import { withAdmin } from './admin-session.js';
import { auditUsage } from './manage-usage.js';

const filterOptions = {
  actor: { type: 'string' },
  action: { type: 'string' },
  repository: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function auditCommand(args: string[]): Promise<void> {
  if (args[0] === 'prune') return prune(args.slice(1));
  const { values } = parse(args, filterOptions, auditUsage, { min: 0, max: 0 });
  const filter: AuditFilter = {
    actor: values.actor,
    action: values.action,
    repository: values.repository,
    since: instant(values.since, '--since'),
    until: instant(values.until, '--until'),
  };
  const limit = values.limit === undefined ? undefined : count(values.limit);
  return withAdmin(values.config, async ({ admin, actor }) => {
    if (values.json && limit === undefined) {
      for await (const event of await admin.audit.export(actor, filter)) print(JSON.stringify(auditJson(event)));
      return;
    }
    const { events } = await admin.audit.query(actor, { ...filter, limit });
    if (values.json) {
      for (const event of events) print(JSON.stringify(auditJson(event)));
      return;
    }
    // Escaped again here: events written before the log sanitised its input may hold anything.
    const rows = events.map((e) =>
      [time(e.time), e.actor, e.action, resultCell(e.result, e.count), e.repository ?? '', e.clientIp ?? '', e.detail ?? ''].map(auditText),
    );
    print(table(['TIME', 'ACTOR', 'ACTION', 'RESULT', 'REPOSITORY', 'CLIENT', 'DETAIL'], rows));
  });
}

async function prune(args: string[]): Promise<void> {
  const { values } = parse(args, { 'older-than': { type: 'string' } }, auditUsage, { min: 0, max: 0 });
  const given = values['older-than'] === undefined ? undefined : parseLifetime(values['older-than']);
  return withAdmin(values.config, async ({ admin, actor, auditRetentionSeconds }) => {
    const retention = given ?? auditRetentionSeconds;
    if (retention === undefined) throw new UsageError('give --older-than (no audit retention is configured)', auditUsage);
    const removed = await admin.audit.prune(actor, retention);
    print(`removed ${removed} audit event${removed === 1 ? '' : 's'}`);
  });
}

/** An event that stands for several equal attempts says how many. */
function resultCell(result: string, count: number): string {
  return count > 1 ? `${result} ×${count}` : result;
}

function instant(text: string | undefined, flag: string): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UsageError(`${flag} needs an ISO 8601 time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z`, auditUsage);
  return at;
}

function count(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError('--limit needs a positive whole number', auditUsage);
  return Number(text);
}
