/**
 * Row types of the metadata database, as Kysely sees them. The DDL lives in migrations.ts;
 * the two must agree, and the conformance suite is what proves they do.
 *
 * Column names are snake_case (portable, unquoted in both dialects); timestamps are integer
 * epoch milliseconds because SQLite has no timestamp type and PostgreSQL's would force a
 * second code path.
 */
import type { ColumnType } from 'kysely';

/**
 * A 64-bit integer column. better-sqlite3 returns a number, node-postgres returns int8 as a
 * string (it cannot know the value fits a double); the store converts on read, so writes
 * take plain numbers.
 */
export type Int64 = ColumnType<number | string | bigint, number, number>;

export interface RepositoriesTable {
  name: string;
  created_at: Int64;
  /** From the newest tagged push's `org.opencontainers.image.description` (0012). */
  description: string | null;
  /** 'annotation' or 'label': where `description` came from (0014). */
  description_source: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set through the API; wins over `description` until cleared (0014). */
  edited_description: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A user's star on a repository (0014). */
export interface StarsTable {
  repository: string;
  user_name: string;
  created_at: Int64;
}

export interface BlobsTable {
  digest: string;
  size: Int64;
  created_at: Int64;
  /** Set while a collector deletes the blob's bytes (the tombstone); null otherwise. */
  deleting_at: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
}

export interface RepositoryBlobsTable {
  repository: string;
  digest: string;
  created_at: Int64;
}

export interface ManifestsTable {
  repository: string;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject: string | null;
  /** JSON object text, or null when the manifest has no annotations. */
  annotations: string | null;
  body: Buffer;
  /** Length of `body`, kept so referrers never read bodies. */
  size: Int64;
  created_at: Int64;
  /** Newest recorded pull (GET or HEAD), written in batches; null when never pulled. */
  last_pulled_at: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
}

export interface ManifestBlobRefsTable {
  repository: string;
  manifest: string;
  blob: string;
}

export interface ManifestManifestRefsTable {
  repository: string;
  parent: string;
  child: string;
}

export interface TagsTable {
  repository: string;
  name: string;
  digest: string;
  updated_at: Int64;
}

export interface UploadsTable {
  id: string;
  repository: string;
  size: Int64;
  created_at: Int64;
  updated_at: Int64;
  /** The digest the upload claimed before publishing its bytes; null until then. */
  digest: ColumnType<string | null, string | null | undefined, string | null>;
  /** The account that started it (migration 0009); null for anonymous callers and older rows. */
  account: ColumnType<string | null, string | null | undefined, string | null>;
  /** projectOf(repository) (migration 0009), so per-project caps and quotas are index lookups. */
  project: ColumnType<string | null, string | null | undefined, string | null>;
  /** The running hash's saved state at `size` (migration 0015); null when none was saved. */
  hash_state: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeletedTagsTable {
  repository: string;
  name: string;
  digest: string;
  deleted_at: Int64;
  /** When the tag had been pushed (migration 0006); null for tags deleted before it. */
  pushed_at: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
}

export interface GcCandidatesTable {
  kind: string;
  repository: string;
  digest: string;
  since: Int64;
}

export interface GcLeaseTable {
  name: string;
  holder: string;
  expires_at: Int64;
  pid: NullableInt64;
  host: string | null;
  instance: string | null;
  started_at: NullableInt64;
  heartbeat_at: NullableInt64;
}

export interface GcInterruptionsTable {
  holder: string;
  pid: NullableInt64;
  host: string | null;
  started_at: NullableInt64;
  last_seen_at: Int64;
  found_at: Int64;
  tombstones: Int64;
  cleaned_at: NullableInt64;
}

/**
 * The last real collection's summary (0021), one row named `last`: the API shows it on every
 * instance, whichever ran it. Stored as the JSON core gives, so the summary can grow without a
 * migration.
 */
export interface GcReportsTable {
  name: string;
  report: string;
  finished_at: Int64;
}

/** A 64-bit integer column that may be absent (an optional date). */
export type NullableInt64 = ColumnType<number | string | bigint | null, number | null, number | null>;

/**
 * A boolean as the integer 0 or 1. SQLite has no boolean type and hands back integers, so
 * one representation on both dialects keeps every query and row mapper the same.
 */
export type Flag = number;

export interface UsersTable {
  name: string;
  password_hash: string;
  system_admin: Flag;
  disabled: Flag;
  created_at: Int64;
}

export interface RobotsTable {
  name: string;
  project: string;
  secret_hash: string;
  /** JSON array of action names: keeps order and cannot be confused by a comma in a value. */
  actions: string;
  expires_at: NullableInt64;
  disabled: Flag;
  created_at: Int64;
}

/**
 * `user_name` rather than `user`: USER is reserved in PostgreSQL, and column names here stay
 * usable unquoted in both dialects (the same holds for project_members).
 */
export interface PersonalTokensTable {
  id: string;
  user_name: string;
  name: string;
  secret_hash: string;
  expires_at: NullableInt64;
  created_at: Int64;
  last_used_at: NullableInt64;
}

/** Refresh tokens as server-side records (migration 0007). */
export interface RefreshTokensTable {
  id: string;
  account_kind: string;
  account: string;
  credential_kind: string;
  credential_ref: string;
  secret_hash: string;
  created_at: Int64;
  expires_at: Int64;
  last_used_at: NullableInt64;
  revoked_at: NullableInt64;
}

/** Browser sign-in sessions (migration 0013). */
export interface SessionsTable {
  id_hash: string;
  user_name: string;
  credential_kind: string;
  credential_ref: string;
  created_at: Int64;
  last_seen_at: Int64;
  idle_expires_at: Int64;
  expires_at: Int64;
}

export interface ProjectsTable {
  name: string;
  visibility: string;
  created_at: Int64;
}

export interface ProjectMembersTable {
  project: string;
  user_name: string;
  role: string;
}

export interface AuditLogTable {
  /** Assigned by the database (never written by the store), hence `never` on insert and update. */
  id: ColumnType<number | string | bigint, never, never>;
  time: Int64;
  actor: string;
  client_ip: string | null;
  action: string;
  repository: string | null;
  reference: string | null;
  result: string;
  detail: string | null;
  /** How many equal events the row stands for (migration 0008; 1 unless aggregated). */
  count: ColumnType<number | string | bigint, number | undefined, number>;
}

export interface ProjectPoliciesTable {
  project: string;
  write_policy: string;
  /** JSON array of glob patterns. */
  immutable_tags: string;
  updated_at: Int64;
  quota_bytes: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
  /** JSON array of retention rules. */
  retention: ColumnType<string, string | undefined, string>;
}

/** How many manifest references in a project point at a blob (migration 0005). */
export interface ProjectBlobsTable {
  project: string;
  digest: string;
  refs: Int64;
}

/** A project's deduplicated totals, kept with project_blobs. */
export interface ProjectUsageTable {
  project: string;
  blobs: Int64;
  blob_bytes: Int64;
  manifests: Int64;
  manifest_bytes: Int64;
}

/** System settings set through the CLI or API (migration 0011). */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Int64;
  updated_by: string;
}

/** Proxy projects' upstream settings (migration 0016). */
export interface ProxyProjectsTable {
  project: string;
  url: string;
  username: string | null;
  sealed_password: string | null;
  ttl_seconds: Int64;
  ca_pem: string | null;
  skip_verify: number;
  updated_at: Int64;
}

/** When a proxy repository's tag was last fetched or re-validated upstream (migration 0016). */
export interface ProxyTagChecksTable {
  repository: string;
  tag: string;
  checked_at: Int64;
}

/** Failed-login counts shared by instances (migration 0018; core/access/login-limiter.ts). */
export interface LoginThrottleTable {
  tbl: string;
  key: string;
  count: Int64;
  last_at: Int64;
  expires_at: Int64;
}

/** The token service's key, one for every instance on the database (migration 0018). */
export interface SigningKeysTable {
  name: string;
  private_key: string;
  created_at: Int64;
}

/** When a scheduled job last started, and where (migration 0018). */
export interface JobRunsTable {
  name: string;
  started_at: Int64;
  holder: string;
}

/** Who is writing or removing an upload session now, across instances (migration 0018). */
export interface UploadLocksTable {
  id: string;
  mode: string;
  holder: string;
  expires_at: Int64;
}

/** Group projects' ordered members and push target (migration 0017). */
export interface GroupProjectsTable {
  project: string;
  /** JSON array of member project names, in resolution order. */
  members: string;
  push_to: string | null;
  updated_at: Int64;
}

/** Which project mirrors which upstream host (migration 0017). */
export interface ProjectMirrorsTable {
  host: string;
  project: string;
  updated_at: Int64;
}

/** The durable notification queue (migration 0019). */
export interface EventOutboxTable {
  id: ColumnType<number | string | bigint, never, never>;
  endpoint: string;
  body: string;
  created_at: Int64;
  attempts: ColumnType<number, number | undefined, number>;
  due_at: ColumnType<number | string | bigint, number | undefined, number>;
  lease_holder: string | null;
  lease_until: ColumnType<number | string | bigint, number | undefined, number>;
}

/** Each notification endpoint's delivery log (migration 0019). */
export interface EventDeliveriesTable {
  id: ColumnType<number | string | bigint, never, never>;
  endpoint: string;
  at: Int64;
  status: number;
  latency_ms: number;
  attempt: number;
  error: string | null;
}

/** Per-project webhooks (migration 0020). */
export interface ProjectWebhooksTable {
  id: ColumnType<number | string | bigint, never, never>;
  project: string;
  url: string;
  events: string;
  secret: string;
  enabled: number;
  created_at: Int64;
}

export interface Database {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_blob_refs: ManifestBlobRefsTable;
  manifest_manifest_refs: ManifestManifestRefsTable;
  tags: TagsTable;
  uploads: UploadsTable;
  deleted_tags: DeletedTagsTable;
  gc_candidates: GcCandidatesTable;
  gc_lease: GcLeaseTable;
  gc_interruptions: GcInterruptionsTable;
  gc_reports: GcReportsTable;
  users: UsersTable;
  robots: RobotsTable;
  personal_tokens: PersonalTokensTable;
  refresh_tokens: RefreshTokensTable;
  sessions: SessionsTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  audit_log: AuditLogTable;
  project_policies: ProjectPoliciesTable;
  project_blobs: ProjectBlobsTable;
  project_usage: ProjectUsageTable;
  settings: SettingsTable;
  stars: StarsTable;
  proxy_projects: ProxyProjectsTable;
  proxy_tag_checks: ProxyTagChecksTable;
  login_throttle: LoginThrottleTable;
  signing_keys: SigningKeysTable;
  job_runs: JobRunsTable;
  upload_locks: UploadLocksTable;
  group_projects: GroupProjectsTable;
  project_mirrors: ProjectMirrorsTable;
  event_outbox: EventOutboxTable;
  event_deliveries: EventDeliveriesTable;
  project_webhooks: ProjectWebhooksTable;
}
