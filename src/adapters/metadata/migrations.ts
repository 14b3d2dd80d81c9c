/**
 * Versioned, forward-only migrations of the metadata database, run at every start.
 *
 * Rules for adding one: append a new `NNNN_name` entry (Kysely orders them by name), never edit
 * or reorder a migration that has shipped, and write it with Kysely's schema builder plus the
 * dialect hooks below so the same code creates the same schema on SQLite and PostgreSQL.
 *
 * Integrity: every row that belongs to a repository or a manifest carries a foreign key to it,
 * without cascades — the store deletes children explicitly, in one transaction, so what a
 * delete removes is written in the store and not implied by the schema. Foreign keys are not
 * placed on what may legitimately dangle: an index's children and a referrer's subject may be
 * absent from the repository (OCI allows both), and a manifest's blob references are checked
 * by core, not by the database, so unlinking a blob stays possible. The access tables follow the
 * same rule: a robot needs its project, a token its user, a membership both (so a membership
 * can never outlive a deleted user and silently pass to a new account of the same name); the
 * audit log has no foreign keys, since it must outlive whoever it names.
 */
import {
  Migrator,
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type RawBuilder,
} from 'kysely';
import { projectOf } from '../../ports/project-name.js';

/** The only places the two dialects' DDL differ. */
export interface MetadataDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Raw bytes. SQLite says blob, PostgreSQL bytea; both drivers hand back a Buffer.
   */
  readonly bytesType: 'blob' | 'bytea';
  /**
   * Text used as a key. Paginated listings promise byte-wise lexical order, which SQLite's
   * default BINARY collation gives; PostgreSQL's default follows the server locale (where
   * "B" < "a" < "_" may not hold), so keys are declared COLLATE "C" there. Doing it in the
   * column rather than in ORDER BY keeps the primary-key index usable for the `>` bound.
   */
  readonly keyType: 'text' | RawBuilder<unknown>;
  /**
   * A database-assigned id that only grows and is never handed out again (the audit log's;
   * clients page with `before`). SQLite needs AUTOINCREMENT for "never again": a plain
   * integer primary key may reuse the highest id once that row is deleted. PostgreSQL says
   * identity, with bigint so the log cannot run out.
   */
  readonly identityType: 'integer' | 'bigint';
  readonly identity: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

export const sqliteMetadataDialect: MetadataDialect = {
  name: 'sqlite',
  bytesType: 'blob',
  keyType: 'text',
  identityType: 'integer',
  identity: (c) => c.autoIncrement(),
};

export const postgresMetadataDialect: MetadataDialect = {
  name: 'postgres',
  bytesType: 'bytea',
  keyType: sql`text collate "C"`,
  identityType: 'bigint',
  identity: (c) => c.generatedByDefaultAsIdentity(),
};

function coreSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('repositories')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('blobs')
        .addColumn('digest', key, (c) => c.notNull().primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('repository_blobs')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('repository_blobs_pk', ['repository', 'digest'])
        .addForeignKeyConstraint('repository_blobs_repository_fk', ['repository'], 'repositories', ['name'])
        .addForeignKeyConstraint('repository_blobs_digest_fk', ['digest'], 'blobs', ['digest'])
        .execute();
      // Which repositories link a blob: GC's question, and what the foreign key above checks
      // whenever a blob row is deleted.
      await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();

      await db.schema
        .createTable('manifests')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('subject', key)
        .addColumn('annotations', 'text')
        .addColumn('body', dialect.bytesType, (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('manifests_pk', ['repository', 'digest'])
        .addForeignKeyConstraint('manifests_repository_fk', ['repository'], 'repositories', ['name'])
        .execute();
      // Referrers: digest last so the index also yields their order, else SQLite's planner may
      // prefer walking the primary key (every manifest of the repository) to skip a sort.
      await db.schema
        .createIndex('manifests_repository_subject')
        .on('manifests')
        .columns(['repository', 'subject', 'digest'])
        .execute();

      await db.schema
        .createTable('manifest_blob_refs')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('manifest', key, (c) => c.notNull())
        .addColumn('blob', key, (c) => c.notNull())
        .addPrimaryKeyConstraint('manifest_blob_refs_pk', ['repository', 'manifest', 'blob'])
        .addForeignKeyConstraint(
          'manifest_blob_refs_manifest_fk',
          ['repository', 'manifest'],
          'manifests',
          ['repository', 'digest'],
        )
        .execute();

      await db.schema
        .createTable('manifest_manifest_refs')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('parent', key, (c) => c.notNull())
        .addColumn('child', key, (c) => c.notNull())
        .addPrimaryKeyConstraint('manifest_manifest_refs_pk', ['repository', 'parent', 'child'])
        .addForeignKeyConstraint(
          'manifest_manifest_refs_parent_fk',
          ['repository', 'parent'],
          'manifests',
          ['repository', 'digest'],
        )
        .execute();

      await db.schema
        .createTable('tags')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('name', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['repository', 'name'])
        .addForeignKeyConstraint('tags_manifest_fk', ['repository', 'digest'], 'manifests', ['repository', 'digest'])
        .execute();
      // deleteManifest finds a manifest's tags by digest.
      await db.schema.createIndex('tags_repository_digest').on('tags').columns(['repository', 'digest']).execute();

      // No foreign key to repositories: an upload in progress must not make a repository
      // appear in the catalog.
      await db.schema
        .createTable('uploads')
        .addColumn('id', key, (c) => c.notNull().primaryKey())
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('uploads_updated_at').on('uploads').column('updated_at').execute();
    },
  };
}

function accessSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('system_admin', 'integer', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('projects')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('robots')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('project', key, (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('robots_project_fk', ['project'], 'projects', ['name'])
        .execute();
      // A project's robots, already in name order.
      await db.schema.createIndex('robots_project').on('robots').columns(['project', 'name']).execute();

      await db.schema
        .createTable('personal_tokens')
        .addColumn('id', key, (c) => c.notNull().primaryKey())
        .addColumn('user_name', key, (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addForeignKeyConstraint('personal_tokens_user_fk', ['user_name'], 'users', ['name'])
        .execute();
      await db.schema.createIndex('personal_tokens_user').on('personal_tokens').column('user_name').execute();

      // The primary key answers members(project); the index answers memberships(user), which
      // authorization asks on every request.
      await db.schema
        .createTable('project_members')
        .addColumn('project', key, (c) => c.notNull())
        .addColumn('user_name', key, (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_members_pk', ['project', 'user_name'])
        .addForeignKeyConstraint('project_members_project_fk', ['project'], 'projects', ['name'])
        .addForeignKeyConstraint('project_members_user_fk', ['user_name'], 'users', ['name'])
        .execute();
      await db.schema
        .createIndex('project_members_user')
        .on('project_members')
        .columns(['user_name', 'project'])
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', dialect.identityType, (c) => dialect.identity(c.notNull().primaryKey()))
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('repository', 'text')
        .addColumn('reference', 'text')
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();
      // Time for ranges and pruning. The filters carry the id so a filtered page comes out of
      // the index newest first with no sort (SQLite appends the rowid to every index on its
      // own; PostgreSQL needs it spelled out).
      await db.schema.createIndex('audit_log_time').on('audit_log').column('time').execute();
      for (const column of ['actor', 'action', 'repository']) {
        await db.schema.createIndex(`audit_log_${column}`).on('audit_log').columns([column, 'id']).execute();
      }
    },
  };
}

/**
 * Storage lifecycle (see core/lifecycle/garbage-collector.ts for the protocol): a tombstone on
 * blobs, the digest an upload is publishing, restorable deleted tags, GC candidates and the
 * collector's lease, plus the indexes that answer "who references this?" without a scan.
 */
function lifecycleSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('blobs').addColumn('deleting_at', 'bigint').execute();
      // Tombstones are few; a partial index finds a crashed collector's leftovers without a scan.
      await db.schema
        .createIndex('blobs_deleting_at')
        .on('blobs')
        .column('deleting_at')
        .where(sql.ref('deleting_at'), 'is not', null)
        .execute();
      await db.schema.alterTable('uploads').addColumn('digest', key).execute();
      await db.schema.createIndex('uploads_digest').on('uploads').column('digest').execute();
      // Whether any manifest in any repository still references a blob.
      await db.schema.createIndex('manifest_blob_refs_blob').on('manifest_blob_refs').column('blob').execute();
      // The indexes listing a manifest as a child. Covering (parent last): SQLite's planner
      // otherwise prefers the covering primary key and scans a whole repository's references.
      await db.schema
        .createIndex('manifest_manifest_refs_child')
        .on('manifest_manifest_refs')
        .columns(['repository', 'child', 'parent'])
        .execute();

      await db.schema
        .createTable('deleted_tags')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('name', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('deleted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('deleted_tags_pk', ['repository', 'name'])
        .addForeignKeyConstraint('deleted_tags_repository_fk', ['repository'], 'repositories', ['name'])
        .execute();
      await db.schema.createIndex('deleted_tags_digest').on('deleted_tags').columns(['repository', 'digest']).execute();
      await db.schema.createIndex('deleted_tags_deleted_at').on('deleted_tags').column('deleted_at').execute();

      // No foreign keys: a candidate may name something already gone, which the collector
      // simply forgets.
      await db.schema
        .createTable('gc_candidates')
        .addColumn('kind', key, (c) => c.notNull())
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gc_candidates_pk', ['kind', 'repository', 'digest'])
        .execute();

      await db.schema
        .createTable('gc_lease')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Per-project write policies. Keyed by project name without a foreign key to `projects`:
 * with `auth: none` there are no project rows, yet a policy must still apply.
 */
function writePolicySchema(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('project_policies')
        .addColumn('project', dialect.keyType, (c) => c.notNull().primaryKey())
        .addColumn('write_policy', 'text', (c) => c.notNull())
        // A JSON array: the patterns are only ever read whole, with the policy.
        .addColumn('immutable_tags', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Storage accounting and retention: per-project reference counts of blobs and their totals
 * (kept by the writes that add or remove manifest references; backfilled here from what
 * exists), quotas and retention rules on the project policy, and the last pull of a manifest.
 * The backfill reads in pages and computes in JS, so it is the same code on both dialects.
 */
function usageSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('manifests').addColumn('last_pulled_at', 'bigint').execute();
      await db.schema.alterTable('project_policies').addColumn('quota_bytes', 'bigint').execute();
      await db.schema
        .alterTable('project_policies')
        .addColumn('retention', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createTable('project_blobs')
        .addColumn('project', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('refs', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_blobs_pk', ['project', 'digest'])
        .execute();
      await db.schema
        .createTable('project_usage')
        .addColumn('project', key, (c) => c.notNull().primaryKey())
        .addColumn('blobs', 'bigint', (c) => c.notNull())
        .addColumn('blob_bytes', 'bigint', (c) => c.notNull())
        .addColumn('manifests', 'bigint', (c) => c.notNull())
        .addColumn('manifest_bytes', 'bigint', (c) => c.notNull())
        .execute();
      await backfillUsage(db);
    },
  };
}

/** Exported for its test: the counters it writes must equal what the writes keep. */
export async function backfillUsage(db: Kysely<unknown>): Promise<void> {
  const refs = new Map<string, Map<string, number>>();
  const totals = new Map<string, { blobs: number; blob_bytes: number; manifests: number; manifest_bytes: number }>();
  const totalsOf = (p: string) => {
    let t = totals.get(p);
    if (t === undefined) totals.set(p, (t = { blobs: 0, blob_bytes: 0, manifests: 0, manifest_bytes: 0 }));
    return t;
  };
  const { rows: manifestRows } = await sql<{ repository: string; size: number | string }>`select repository, size from manifests`.execute(db);
  for (const m of manifestRows) {
    const t = totalsOf(projectOf(m.repository));
    t.manifests++;
    t.manifest_bytes += Number(m.size);
  }
  const { rows: refRows } = await sql<{ repository: string; blob: string; size: number | string }>`
    select r.repository, r.blob, b.size from manifest_blob_refs r join blobs b on b.digest = r.blob`.execute(db);
  for (const r of refRows) {
    const p = projectOf(r.repository);
    let counts = refs.get(p);
    if (counts === undefined) refs.set(p, (counts = new Map()));
    const before = counts.get(r.blob) ?? 0;
    counts.set(r.blob, before + 1);
    if (before === 0) {
      const t = totalsOf(p);
      t.blobs++;
      t.blob_bytes += Number(r.size);
    }
  }
  for (const [p, counts] of refs) {
    const rows = [...counts].map(([digest, n]) => ({ project: p, digest, refs: n }));
    for (let i = 0; i < rows.length; i += 300) {
      await (db as Kysely<{ project_blobs: { project: string; digest: string; refs: number } }>)
        .insertInto('project_blobs')
        .values(rows.slice(i, i + 300))
        .execute();
    }
  }
  for (const [p, t] of totals) {
    await (db as Kysely<{ project_usage: { project: string; blobs: number; blob_bytes: number; manifests: number; manifest_bytes: number } }>)
      .insertInto('project_usage')
      .values({ project: p, ...t })
      .execute();
  }
}

/** A deleted tag remembers when it was pushed, so a restore does not make it "newest". */
const restoredPushTimeSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('deleted_tags').addColumn('pushed_at', 'bigint').execute();
  },
};

/**
 * Refresh tokens become records (issue 9): listable, revocable, and tied to the credential that
 * obtained them. No foreign key to users: a robot's tokens live here too, and the store
 * removes an account's rows itself when it deletes the account.
 */
function refreshTokensSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', key, (c) => c.notNull().primaryKey())
        .addColumn('account_kind', 'text', (c) => c.notNull())
        .addColumn('account', key, (c) => c.notNull())
        .addColumn('credential_kind', 'text', (c) => c.notNull())
        .addColumn('credential_ref', key, (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      // An account's tokens (listing, revocation on disable or password change) and a PAT's.
      await db.schema.createIndex('refresh_tokens_account').on('refresh_tokens').columns(['account', 'account_kind']).execute();
      await db.schema.createIndex('refresh_tokens_credential').on('refresh_tokens').columns(['credential_ref']).execute();
    },
  };
}

/**
 * Who holds the collector's lease (pid, host, and an instance key that says whether that pid
 * can be probed from here) and when it last renewed it, so a killed collector is recognised at
 * once on its own host and within the lease's expiry elsewhere; and the collections found
 * stopped without finishing, so the status can say so and what became of their work.
 */
function gcLeaseHolderSchema(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [column, type] of [
        ['pid', 'bigint'],
        ['host', 'text'],
        ['instance', 'text'],
        ['started_at', 'bigint'],
        ['heartbeat_at', 'bigint'],
      ] as const) {
        await db.schema.alterTable('gc_lease').addColumn(column, type).execute();
      }
      await db.schema
        .createTable('gc_interruptions')
        .addColumn('holder', dialect.keyType, (c) => c.notNull().primaryKey())
        .addColumn('pid', 'bigint')
        .addColumn('host', 'text')
        .addColumn('started_at', 'bigint')
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('found_at', 'bigint', (c) => c.notNull())
        .addColumn('tombstones', 'bigint', (c) => c.notNull())
        .addColumn('cleaned_at', 'bigint')
        .execute();
      await db.schema.createIndex('gc_interruptions_found_at').on('gc_interruptions').column('found_at').execute();
    },
  };
}

/**
 * System settings an admin changes while the registry runs (anonymous pull, who may create
 * projects): one row per key that was set through the CLI or API, which then wins over the
 * config file; a key without a row follows the config. Values are text, read by core.
 */
function settingsSchema(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('settings')
        .addColumn('key', dialect.keyType, (c) => c.notNull().primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Who holds an upload session, for the caps on open sessions per account and per project: the
 * account that started it and its repository's project (a column, so counting a project's
 * sessions and their staged bytes is an index lookup rather than a scan of every name).
 * Sessions from before this migration get their project from the repository name and no
 * account; they count toward their project's cap and expire as before.
 */
function uploadSessionsSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('uploads').addColumn('account', key).execute();
      await db.schema.alterTable('uploads').addColumn('project', key).execute();
      const { rows } = await sql<{ id: string; repository: string }>`select id, repository from uploads`.execute(db);
      for (const row of rows) {
        await sql`update uploads set project = ${projectOf(row.repository)} where id = ${row.id}`.execute(db);
      }
      await db.schema.createIndex('uploads_account').on('uploads').column('account').execute();
      await db.schema.createIndex('uploads_project').on('uploads').column('project').execute();
    },
  };
}

/**
 * Failed logins and denied requests are counted into one row per equal event and time bucket
 * (AccessStore.countAudit), so a flood of them cannot grow the log without bound. The index
 * answers countAudit's lookup from the recent rows of one action and actor.
 */
const auditAggregationSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('audit_log')
      .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.createIndex('audit_log_action_actor_time').on('audit_log').columns(['action', 'actor', 'time']).execute();
  },
};

/**
 * A repository's description, from the `org.opencontainers.image.description` annotation of
 * the newest tagged push that carries one; searched by /v1/search and /api/v1/search.
 */
const repositoryDescriptionsSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('repositories').addColumn('description', 'text').execute();
  },
};

/**
 * Browser sign-in sessions of the web UI: a hash of the cookie's random value as the key, the
 * user (who must exist: deleteUser removes them first), the password fingerprint it was opened
 * with, and both expiries. The expiry index serves the prune of dead sessions.
 */
function sessionsSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', key, (c) => c.notNull().primaryKey())
        .addColumn('user_name', key, (c) => c.notNull())
        .addColumn('credential_kind', 'text', (c) => c.notNull())
        .addColumn('credential_ref', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('sessions_user_fk', ['user_name'], 'users', ['name'])
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').columns(['user_name', 'created_at']).execute();
      await db.schema.createIndex('sessions_idle_expiry').on('sessions').column('idle_expires_at').execute();
    },
  };
}

/**
 * The web UI's read API (0014): where a description came from (an annotation or a config
 * label), an edit that wins over pushes until cleared, stars, and the indexes that order a
 * repository's tags by push time and every push by time without a sort of all tags.
 * Descriptions stored before this came from annotations only.
 */
function browseSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('repositories').addColumn('description_source', 'text').execute();
      await db.schema.alterTable('repositories').addColumn('edited_description', 'text').execute();
      await sql`update repositories set description_source = 'annotation' where description is not null`.execute(db);
      await db.schema
        .createTable('stars')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('user_name', key, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('stars_pk', ['repository', 'user_name'])
        .execute();
      await db.schema.createIndex('stars_user').on('stars').columns(['user_name', 'repository']).execute();
      await db.schema.createIndex('tags_repository_updated_at').on('tags').columns(['repository', 'updated_at']).execute();
      await db.schema.createIndex('tags_updated_at').on('tags').column('updated_at').execute();
    },
  };
}

function migrations(dialect: MetadataDialect): Record<string, Migration> {
  return {
    '0001_core': coreSchema(dialect),
    '0002_access': accessSchema(dialect),
    '0003_lifecycle': lifecycleSchema(dialect),
    '0004_write_policy': writePolicySchema(dialect),
    '0005_usage_retention': usageSchema(dialect),
    '0006_deleted_tag_push_time': restoredPushTimeSchema,
    '0007_refresh_tokens': refreshTokensSchema(dialect),
    '0008_audit_aggregation': auditAggregationSchema,
    '0009_upload_sessions': uploadSessionsSchema(dialect),
    '0010_gc_lease_holder': gcLeaseHolderSchema(dialect),
    '0011_settings': settingsSchema(dialect),
    '0012_repository_descriptions': repositoryDescriptionsSchema,
    '0013_sessions': sessionsSchema(dialect),
    '0014_browse': browseSchema(dialect),
    '0015_upload_hash_state': uploadHashStateSchema,
    '0016_proxy_projects': proxyProjectsSchema(dialect),
    '0017_group_projects': groupProjectsSchema(dialect),
    '0018_shared_state': sharedStateSchema(dialect),
    '0019_event_outbox': eventOutboxSchema(dialect),
    '0020_project_webhooks': projectWebhooksSchema(dialect),
    '0021_gc_last_report': gcLastReportSchema(dialect),
    '0022_partial_upload_indexes': partialUploadIndexes,
  };
}

/**
 * Every blob push inserts an upload row and deletes it moments later, and every index the row
 * is in costs a page in each of those commits (SQLite writes each changed page to the WAL
 * again per transaction). A session has no digest until it claims one, and an anonymous one no
 * account, so indexes over only the rows that have them spare those pages (an anonymous push
 * wrote 24 WAL frames, now 21); every lookup on them compares with `=` or `IN`, which both
 * dialects' planners know rules NULL out, so the partial indexes still answer them.
 */
const partialUploadIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const column of ['digest', 'account'] as const) {
      await db.schema.dropIndex(`uploads_${column}`).execute();
      await db.schema.createIndex(`uploads_${column}`).on('uploads').column(column).where(sql.ref(column), 'is not', null).execute();
    }
  },
};

/**
 * The last real collection's summary, which every instance's API shows (it was one process's
 * memory, so behind a load balancer the answer depended on which instance was asked).
 */
function gcLastReportSchema(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('gc_reports')
        .addColumn('name', dialect.keyType, (c) => c.notNull().primaryKey())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Notifications (0019): `event_outbox` is the durable queue, one row per event and
 * endpoint, delivered in id order per endpoint (the identity only grows, so order is insertion
 * order); `lease_holder`/`lease_until` let one of several instances send each row.
 * `event_deliveries` is the per-endpoint delivery log, pruned by age.
 */
function eventOutboxSchema(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('event_outbox')
        .addColumn('id', dialect.identityType, (c) => dialect.identity(c.primaryKey()))
        .addColumn('endpoint', dialect.keyType, (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('due_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_holder', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('event_outbox_endpoint_id').on('event_outbox').columns(['endpoint', 'id']).execute();
      await db.schema
        .createTable('event_deliveries')
        .addColumn('id', dialect.identityType, (c) => dialect.identity(c.primaryKey()))
        .addColumn('endpoint', dialect.keyType, (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('event_deliveries_endpoint_id').on('event_deliveries').columns(['endpoint', 'id']).execute();
      await db.schema.createIndex('event_deliveries_at').on('event_deliveries').column('at').execute();
    },
  };
}

/**
 * Per-project webhooks (0020): where a project's Harbor-style events go. `events` is a
 * comma-separated list of event types; `secret` is the signing secret as the SecretBox sealed
 * it (never the clear text). Their queued events live in `event_outbox` under `webhook:<id>`.
 */
function projectWebhooksSchema(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('project_webhooks')
        .addColumn('id', dialect.identityType, (c) => dialect.identity(c.primaryKey()))
        .addColumn('project', dialect.keyType, (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('project_webhooks_project').on('project_webhooks').column('project').execute();
    },
  };
}

/**
 * What several instances on one database must share rather than keep in memory (see
 * docs/architecture-decisions.md, "Shared state"): failed-login counts, the token signing key,
 * when a scheduled job last ran (one collector per interval across instances) and who is
 * writing an upload session right now.
 */
function sharedStateSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('login_throttle')
        .addColumn('tbl', 'text', (c) => c.notNull())
        .addColumn('key', key, (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('login_throttle_pk', ['tbl', 'key'])
        .execute();
      await db.schema.createIndex('login_throttle_expires_at').on('login_throttle').column('expires_at').execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('job_runs')
        .addColumn('name', key, (c) => c.notNull().primaryKey())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('upload_locks')
        .addColumn('id', key, (c) => c.notNull().primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * An upload's running hash, saved with its size at every chunk, so an instance that did not
 * receive the earlier chunks continues the hash instead of re-reading the staged bytes from
 * the object store (core/registry/upload-service.ts).
 */
const uploadHashStateSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('uploads').addColumn('hash_state', 'text').execute();
  },
};

/**
 * Proxy projects (0016): a project with a row in `proxy_projects` is a pull-through cache of
 * that upstream (the password sealed, see ports/secret-box.ts); `proxy_tag_checks` says when
 * each cached tag was last checked upstream, for its TTL. No foreign keys: a check stamp may
 * outlive its tag (removed by retention) and simply restarts the TTL when the tag comes back.
 */
function proxyProjectsSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('proxy_projects')
        .addColumn('project', key, (c) => c.notNull().primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('username', 'text')
        .addColumn('sealed_password', 'text')
        .addColumn('ttl_seconds', 'bigint', (c) => c.notNull())
        .addColumn('ca_pem', 'text')
        .addColumn('skip_verify', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('proxy_tag_checks')
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('tag', key, (c) => c.notNull())
        .addColumn('checked_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('proxy_tag_checks_pk', ['repository', 'tag'])
        .execute();
    },
  };
}

/**
 * Group projects and mirrors (0017): a project with a row in `group_projects` joins its ordered
 * `members` (a JSON array of project names) under one name, pushes going to `push_to`;
 * `project_mirrors` names the project (proxy or group) that serves pulls of names that are no
 * project, for one upstream host (`docker.io`; the `ns` of containerd's mirror requests).
 */
function groupProjectsSchema(dialect: MetadataDialect): Migration {
  const key = dialect.keyType;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('group_projects')
        .addColumn('project', key, (c) => c.notNull().primaryKey())
        .addColumn('members', 'text', (c) => c.notNull())
        .addColumn('push_to', key)
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('project_mirrors')
        .addColumn('host', key, (c) => c.notNull().primaryKey())
        .addColumn('project', key, (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Brings the schema up to date. Kysely records applied migrations in `berth_migration` and
 * serializes concurrent callers (an advisory lock on PostgreSQL; SQLite has one connection),
 * so every instance may call this at start.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: MetadataDialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'berth_migration',
    migrationLockTableName: 'berth_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`metadata migration ${failed} failed`, { cause: error });
  }
}
