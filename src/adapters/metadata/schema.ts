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
}

export interface BlobsTable {
  digest: string;
  size: Int64;
  created_at: Int64;
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
}
