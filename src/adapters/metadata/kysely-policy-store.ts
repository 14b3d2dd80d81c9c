/**
 * PolicyStore over the shared metadata database (table `project_policies`, migration 0004).
 * Migrations are run by the metadata or access store's `migrate()`, which share the schema.
 */
import type { Kysely } from 'kysely';
import type { IoOptions } from '../../ports/blob-store.js';
import {
  RETENTION_KINDS,
  WRITE_POLICIES,
  type PolicyStore,
  type ProjectPolicy,
  type RetentionRule,
  type WritePolicy,
} from '../../ports/policy-store.js';
import { preparedFirst } from './prepared-query.js';
import type { Database } from './schema.js';

export class KyselyPolicyStore implements PolicyStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  // Every push and delete reads its project's policy: compiled once (see prepared-query.ts).
  readonly #policyOf;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#policyOf = preparedFirst(db, (project: string) => db.selectFrom('project_policies').selectAll().where('project', '=', project), ['project']);
  }

  async get(project: string, options?: IoOptions): Promise<ProjectPolicy | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#policyOf(project);
    return row === undefined ? undefined : toPolicy(row);
  }

  async list(options?: IoOptions): Promise<Array<{ project: string; policy: ProjectPolicy }>> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db.selectFrom('project_policies').selectAll().orderBy('project').execute();
    return rows.map((row) => ({ project: row.project, policy: toPolicy(row) }));
  }

  async set(project: string, policy: ProjectPolicy, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const values = {
      write_policy: policy.writePolicy,
      immutable_tags: JSON.stringify([...policy.immutableTags]),
      quota_bytes: policy.quotaBytes ?? null,
      retention: JSON.stringify(policy.retention ?? []),
      updated_at: this.#now().getTime(),
    };
    await this.#db
      .insertInto('project_policies')
      .values({ project, ...values })
      .onConflict((oc) => oc.column('project').doUpdateSet(values))
      .execute();
  }
}

function toPolicy(row: { write_policy: string; immutable_tags: string; quota_bytes: number | string | bigint | null; retention: string }): ProjectPolicy {
  return {
    writePolicy: parseWritePolicy(row.write_policy),
    immutableTags: parsePatterns(row.immutable_tags),
    quotaBytes: row.quota_bytes === null ? undefined : Number(row.quota_bytes),
    retention: parseRetention(row.retention),
  };
}

function parseRetention(text: string): RetentionRule[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'object' && r !== null && RETENTION_KINDS.includes((r as RetentionRule).kind))) {
    throw new Error('project_policies: retention is not a JSON array of known rules');
  }
  return parsed as RetentionRule[];
}

// A row written by a newer version, or edited by hand, must fail loudly rather than quietly
// relax a policy.
function parseWritePolicy(value: string): WritePolicy {
  const known = WRITE_POLICIES.find((p) => p === value);
  if (known === undefined) throw new Error(`project_policies: unknown write policy "${value}"`);
  return known;
}

function parsePatterns(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((p): p is string => typeof p === 'string')) {
    throw new Error('project_policies: immutable_tags is not a JSON array of strings');
  }
  return parsed;
}
