/** Per-project webhooks (migration 0020) on SQLite or PostgreSQL. */
import type { Kysely } from 'kysely';
import type { WebhookChange, WebhookRecord, WebhookStore } from '../../ports/webhook-store.js';
import type { Database, ProjectWebhooksTable } from './schema.js';

type Row = { [K in keyof ProjectWebhooksTable]: unknown } & { project: string; url: string; events: string; secret: string };

export class KyselyWebhookStore implements WebhookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(project?: string): Promise<WebhookRecord[]> {
    let query = this.db.selectFrom('project_webhooks').selectAll();
    if (project !== undefined) query = query.where('project', '=', project);
    return (await query.orderBy('id').execute()).map(recordOf);
  }

  async get(project: string, id: number): Promise<WebhookRecord | undefined> {
    const row = await this.db.selectFrom('project_webhooks').selectAll().where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  async create(input: Omit<WebhookRecord, 'id'>): Promise<WebhookRecord> {
    const row = await this.db
      .insertInto('project_webhooks')
      .values({
        project: input.project,
        url: input.url,
        events: input.events.join(','),
        secret: input.sealedSecret,
        enabled: input.enabled ? 1 : 0,
        created_at: input.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return recordOf(row);
  }

  async update(project: string, id: number, change: WebhookChange): Promise<boolean> {
    const set: { url?: string; events?: string; secret?: string; enabled?: number } = {};
    if (change.url !== undefined) set.url = change.url;
    if (change.events !== undefined) set.events = change.events.join(',');
    if (change.sealedSecret !== undefined) set.secret = change.sealedSecret;
    if (change.enabled !== undefined) set.enabled = change.enabled ? 1 : 0;
    if (Object.keys(set).length === 0) return (await this.get(project, id)) !== undefined;
    const result = await this.db.updateTable('project_webhooks').set(set).where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async remove(project: string, id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('project_webhooks').where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function recordOf(row: Row): WebhookRecord {
  return {
    id: Number(row.id),
    project: row.project,
    url: row.url,
    events: row.events === '' ? [] : row.events.split(','),
    sealedSecret: row.secret,
    enabled: Number(row.enabled) === 1,
    createdAt: Number(row.created_at),
  };
}
