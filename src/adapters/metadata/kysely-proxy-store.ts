/**
 * ProxyStore over the shared metadata database (tables `proxy_projects` and `proxy_tag_checks`,
 * migration 0016; migrated by the metadata or access store's `migrate()`).
 */
import type { Kysely } from 'kysely';
import type { IoOptions } from '../../ports/blob-store.js';
import type { ProxySettings, ProxyStore } from '../../ports/proxy-store.js';
import type { Database, ProxyProjectsTable } from './schema.js';

type Row = Omit<ProxyProjectsTable, 'ttl_seconds' | 'updated_at'> & { ttl_seconds: number | string | bigint };

export class KyselyProxyStore implements ProxyStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  async get(project: string, options?: IoOptions): Promise<ProxySettings | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('proxy_projects').selectAll().where('project', '=', project).executeTakeFirst();
    return row === undefined ? undefined : toSettings(row);
  }

  async set(project: string, settings: ProxySettings, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const values = {
      url: settings.url,
      username: settings.username ?? null,
      sealed_password: settings.sealedPassword ?? null,
      ttl_seconds: settings.ttlSeconds,
      ca_pem: settings.caPem ?? null,
      skip_verify: settings.skipVerify ? 1 : 0,
      updated_at: this.#now().getTime(),
    };
    await this.#db
      .insertInto('proxy_projects')
      .values({ project, ...values })
      .onConflict((oc) => oc.column('project').doUpdateSet(values))
      .execute();
  }

  async list(options?: IoOptions): Promise<Array<{ project: string; settings: ProxySettings }>> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db.selectFrom('proxy_projects').selectAll().orderBy('project').execute();
    return rows.map((row) => ({ project: row.project, settings: toSettings(row) }));
  }

  async tagCheckedAt(repository: string, tag: string, options?: IoOptions): Promise<Date | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db
      .selectFrom('proxy_tag_checks')
      .select('checked_at')
      .where('repository', '=', repository)
      .where('tag', '=', tag)
      .executeTakeFirst();
    return row === undefined ? undefined : new Date(Number(row.checked_at));
  }

  async markTagChecked(repository: string, tag: string, at: Date, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('proxy_tag_checks')
      .values({ repository, tag, checked_at: at.getTime() })
      .onConflict((oc) => oc.columns(['repository', 'tag']).doUpdateSet({ checked_at: at.getTime() }))
      .execute();
  }
}

function toSettings(row: Row): ProxySettings {
  return {
    url: row.url,
    username: row.username ?? undefined,
    sealedPassword: row.sealed_password ?? undefined,
    ttlSeconds: Number(row.ttl_seconds),
    caPem: row.ca_pem ?? undefined,
    skipVerify: row.skip_verify === 1 || (row.skip_verify as unknown) === true,
  };
}
