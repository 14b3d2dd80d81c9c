/** `berth webhook add|list|rm|deliveries`: a project's webhooks, as /api/v1/projects/{p}/webhooks. */
import { readFile } from 'node:fs/promises';
import type { WebhookAdmin } from '../../core/webhooks/webhook-admin.js';
import { withAdmin } from './admin-session.js';
import { parse, UsageError } from './cli-args.js';
import { print, printSecret, table } from './cli-output.js';
import { webhookUsage } from './manage-usage.js';

export async function webhookCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const options = { events: { type: 'string' }, 'secret-file': { type: 'string' } } as const;
      const { values, positionals } = parse(rest, options, webhookUsage, { min: 2, max: 2 });
      const events = values.events?.split(',').map((e) => e.trim()).filter(Boolean);
      // A file, not an argument: command lines are visible to every account on the machine.
      const secret = values['secret-file'] === undefined ? undefined : (await readFile(values['secret-file'], 'utf8')).replace(/\r?\n$/, '');
      return withWebhooks(values.config, async (webhooks, actor) => {
        const created = await webhooks.create(actor, positionals[0]!, { url: positionals[1]!, events, secret });
        print(`created webhook ${created.webhook.id} of project ${created.webhook.project}: ${created.webhook.url} (${created.webhook.events.join(',')})`);
        if (created.secret !== undefined) printSecret('secret', created.secret);
      });
    }
    case 'list': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, webhookUsage, { min: 1, max: 1 });
      return withWebhooks(values.config, async (webhooks, actor) => {
        const list = await webhooks.list(actor, positionals[0]!);
        if (values.json) return print(JSON.stringify(list, null, 2));
        print(table(['ID', 'URL', 'EVENTS', 'ENABLED', 'CREATED'], list.map((w) => [String(w.id), w.url, w.events.join(','), w.enabled ? 'yes' : 'no', w.createdAt])));
      });
    }
    case 'rm': {
      const { values, positionals } = parse(rest, {}, webhookUsage, { min: 2, max: 2 });
      return withWebhooks(values.config, async (webhooks, actor) => {
        await webhooks.remove(actor, positionals[0]!, idOf(positionals[1]!));
        print(`removed webhook ${positionals[1]} of project ${positionals[0]}`);
      });
    }
    case 'deliveries': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' }, limit: { type: 'string' } }, webhookUsage, { min: 2, max: 2 });
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: expected a whole number, got "${values.limit}"`, webhookUsage);
      return withWebhooks(values.config, async (webhooks, actor) => {
        const result = await webhooks.deliveries(actor, positionals[0]!, idOf(positionals[1]!), limit);
        if (values.json) return print(JSON.stringify(result, null, 2));
        print(`${result.pending} event(s) waiting`);
        const rows = result.deliveries.map((d) => [new Date(d.at).toISOString(), String(d.status), `${d.latencyMs} ms`, String(d.attempt), d.error ?? '']);
        print(table(['AT', 'STATUS', 'LATENCY', 'ATTEMPT', 'ERROR'], rows));
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, webhookUsage);
  }
}

function idOf(text: string): number {
  if (!/^\d{1,12}$/.test(text)) throw new UsageError(`ID: expected a webhook's number, got "${text}"`, webhookUsage);
  return Number(text);
}

function withWebhooks(config: string | undefined, run: (webhooks: WebhookAdmin, actor: Parameters<WebhookAdmin['list']>[0]) => Promise<void>): Promise<void> {
  return withAdmin(config, async ({ admin, actor }) => {
    if (admin.webhooks === undefined) throw new UsageError('webhooks are not available here', webhookUsage);
    await run(admin.webhooks, actor);
  });
}
