/**
 * ProxyStore over the shared metadata database (tables `proxy_projects` and `proxy_tag_checks`,
 * migration 0016; `group_projects` and `project_mirrors`, 0017; migrated by the metadata or
 * access store's `migrate()`).
 */
import type { Kysely } from 'kysely';
import type { IoOptions } from '../../ports/blob-store.js';
import type { GroupSettings, ProxySettings, ProxyStore } from '../../ports/proxy-store.js';
import { preparedFirst } from './prepared-query.js';
import type { Database, ProxyProjectsTable } from './schema.js';

type Row = Omit<ProxyProjectsTable, 'ttl_seconds' | 'updated_at'> & { ttl_seconds: number | string | bigint };

export class KyselyProxyStore implements ProxyStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  /** Every warm pull of a proxied tag asks this; built once, as the hosted pull's lookups are. */
  readonly #tagCheckedAt: (repository: string, tag: string) => Promise<{ checked_at: number | string | bigint } | undefined>;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#tagCheckedAt = preparedFirst(
      db,
      (repository: string, tag: string) =>
        db.selectFrom('proxy_tag_checks').select('checked_at').where('repository', '=', repository).where('tag', '=', tag),
      ['repository', 'tag'],
    );
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
    const row = await this.#tagCheckedAt(repository, tag);
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

  async group(project: string, options?: IoOptions): Promise<GroupSettings | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('group_projects').selectAll().where('project', '=', project).executeTakeFirst();
    return row === undefined ? undefined : toGroup(row);
  }

  async setGroup(project: string, settings: GroupSettings, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const values = { members: JSON.stringify(settings.members), push_to: settings.pushTo ?? null, updated_at: this.#now().getTime() };
    await this.#db
      .insertInto('group_projects')
      .values({ project, ...values })
      .onConflict((oc) => oc.column('project').doUpdateSet(values))
      .execute();
  }

  async listGroups(options?: IoOptions): Promise<Array<{ project: string; settings: GroupSettings }>> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db.selectFrom('group_projects').selectAll().orderBy('project').execute();
    return rows.map((row) => ({ project: row.project, settings: toGroup(row) }));
  }

  async mirrorOf(host: string, options?: IoOptions): Promise<string | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('project_mirrors').select('project').where('host', '=', host).executeTakeFirst();
    return row?.project;
  }

  async setMirror(host: string, project: string | undefined, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    if (project === undefined) {
      await this.#db.deleteFrom('project_mirrors').where('host', '=', host).execute();
      return;
    }
    const values = { project, updated_at: this.#now().getTime() };
    await this.#db
      .insertInto('project_mirrors')
      .values({ host, ...values })
      .onConflict((oc) => oc.column('host').doUpdateSet(values))
      .execute();
  }

  async listMirrors(options?: IoOptions): Promise<Array<{ host: string; project: string }>> {
    options?.signal?.throwIfAborted();
    return this.#db.selectFrom('project_mirrors').select(['host', 'project']).orderBy('host').execute();
  }
}

function toGroup(row: { members: string; push_to: string | null }): GroupSettings {
  const members = JSON.parse(row.members) as unknown;
  return {
    members: Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : [],
    pushTo: row.push_to ?? undefined,
  };
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
