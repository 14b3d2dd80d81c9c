/**
 * `berth migrate`: a registry's whole state from one configuration (the source, usually the
 * embedded SQLite file and blob tree) into another (PostgreSQL and S3, or any other pair).
 *
 * Order, and why:
 *   1. blobs, listed from the source's metadata, each verified by digest on the way and noted in
 *      the journal (migrate-journal.ts) once durable at the destination, so a re-run after a
 *      kill skips it;
 *   2. then, inside one read snapshot of the source: the blobs that appeared since step 1 (only
 *      an --online source grows), and all metadata, replaced in one destination transaction.
 * The destination's metadata therefore appears all at once and only after every blob it names,
 * so a destination is never a registry with dangling content, and an interrupted run leaves
 * nothing a re-run must undo.
 *
 * A source being served is refused unless --online: its writes during the copy would be missed.
 * Online, the copy is consistent as of the snapshot; what the registry does after it is caught
 * by a final pass (stop the registry, run again: it moves only the new blobs, and the metadata
 * again, being a replace).
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { sqliteFileInUse } from '../../adapters/metadata/sqlite-database.js';
import { TABLE_PLAN, type BlobRow, type TableName } from '../../adapters/metadata/table-transfer.js';
import type { BerthConfig } from '../../config/config.js';
import { InvalidInputError } from '../../core/errors.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { openBlobStore } from '../blob-store.js';
import { openMetadataDatabase, redactDatabaseUrl, type MetadataStores } from '../metadata-database.js';
import { copyBlob, verifyAt, type BlobOutcome } from './blob-copy.js';
import { MigrateJournal } from './migrate-journal.js';

export interface MigrateProgress {
  phase: 'blobs' | 'metadata';
  items: number;
  totalItems: number;
  /** Bytes accounted for (copied, verified or skipped). */
  bytes: number;
  totalBytes: number;
  /** Bytes actually read in this run (for the rate, hence the ETA). */
  moved: number;
  /** The table being imported, in the metadata phase. */
  table?: string;
}

export interface MigrateSummary {
  online: boolean;
  blobs: {
    total: number;
    copied: number;
    /** Already at the destination and verified by an earlier run (the journal). */
    skipped: number;
    /** Found at the destination without a journal line, read back and hashed: whole. */
    verified: number;
    /** Being deleted by a collector on the source: their rows travel, their bytes need not. */
    tombstoned: number;
    bytesCopied: number;
    /** Named by the source's metadata but absent from its store (a 404 there as here). */
    missing: string[];
    /** Bytes at the source that do not hash to their digest: not copied. */
    corrupt: string[];
  };
  tables: Array<{ table: TableName; rows: number }>;
  notCopied: Array<{ table: TableName; why: string }>;
  signingKey: KeyFileOutcome;
  /** The key that encrypts proxy projects' upstream passwords (`auth/secrets.key`). */
  secretsKey?: KeyFileOutcome;
  journal: string;
  durationMs: number;
}

export interface MigrateOptions {
  online?: boolean;
  /** Blobs in flight at once. */
  concurrency?: number;
  onProgress?: (progress: MigrateProgress) => void;
  signal?: AbortSignal;
}

function databaseKey(config: BerthConfig): string {
  return config.database.url === undefined ? `sqlite:${resolve(config.metadata.sqlite.path)}` : redactDatabaseUrl(config.database.url);
}

function blobKey(config: BerthConfig): string {
  const s3 = config.storage.s3;
  return s3 === undefined
    ? `file:${resolve(config.storage.filesystem.rootdirectory)}`
    : `s3:${s3.regionendpoint ?? s3.region}/${s3.bucket}/${s3.rootdirectory}`;
}

export async function migrateRegistry(source: BerthConfig, destination: BerthConfig, options: MigrateOptions = {}): Promise<MigrateSummary> {
  const started = Date.now();
  const online = options.online === true;
  if (databaseKey(source) === databaseKey(destination) || blobKey(source) === blobKey(destination)) {
    throw new InvalidInputError(
      `the destination shares its ${databaseKey(source) === databaseKey(destination) ? 'metadata database' : 'blob store'} with the source; migrate into a new one`,
    );
  }
  if (source.database.url === undefined && sqliteFileInUse(source.metadata.sqlite.path) && !online) throw servedRefusal(source.metadata.sqlite.path);

  const closers: Array<() => Promise<unknown>> = [];
  let journal: MigrateJournal | undefined;
  try {
    const from = await openMetadataDatabase(source);
    closers.push(() => from.close());
    await from.metadata.migrate();
    const others = await from.transfer.otherUsers();
    if (others !== undefined && others > 0 && !online) throw servedRefusal(redactDatabaseUrl(source.database.url ?? ''));
    const to = await openMetadataDatabase(destination);
    closers.push(() => to.close());
    await to.metadata.migrate();
    const sourceBlobs = await openBlobStore(source);
    closers.push(() => sourceBlobs.close());
    const destinationBlobs = await openBlobStore(destination);
    closers.push(() => destinationBlobs.close());

    journal = MigrateJournal.open(source.storage.filesystem.rootdirectory, `${databaseKey(destination)} ${blobKey(destination)}`);
    const held = await to.transfer.contents();
    if (held.repositories + held.manifests > 0 && !journal.metadataImported) {
      throw new InvalidInputError(
        `the destination database already holds a registry (${held.repositories} repositories, ${held.manifests} manifests) ` +
          'that this source was not migrated into; migrate into an empty database (createdb) and bucket',
      );
    }
    const run = new Run(sourceBlobs, destinationBlobs, journal, options);
    const first = await from.transfer.snapshot(async (reader) => collect(reader.blobs()));
    await run.blobs(first);
    const tables = await from.transfer.snapshot(async (reader) => {
      await run.blobs(await collect(reader.blobs()));
      return importMetadata(to, reader, run, options);
    });
    journal.metadataDone(new Date());
    const signingKey = await copyKeyFile(source, destination, join('auth', 'token-signing-key.pem'));
    const secretsKey = await copyKeyFile(source, destination, join('auth', 'secrets.key'));
    return { ...run.summary(online, tables, signingKey, journal.path, Date.now() - started), secretsKey };
  } finally {
    journal?.close();
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

function servedRefusal(where: string): InvalidInputError {
  return new InvalidInputError(
    `a Berth has the source database open (${where}): stop it first, so the copy misses nothing, or run with --online ` +
      'to copy while it serves and finish later with a short final pass while it is stopped',
  );
}

async function collect(rows: AsyncGenerator<BlobRow[]>): Promise<BlobRow[]> {
  const all: BlobRow[] = [];
  for await (const batch of rows) all.push(...batch);
  return all;
}

async function importMetadata(
  to: MetadataStores,
  reader: Parameters<Parameters<MetadataStores['transfer']['snapshot']>[0]>[0],
  run: Run,
  options: MigrateOptions,
): Promise<Array<{ table: TableName; rows: number }>> {
  const counts = new Map<TableName, number>();
  for (const [table, plan] of Object.entries(TABLE_PLAN) as Array<[TableName, (typeof TABLE_PLAN)[TableName]]>) {
    if (plan.copy) counts.set(table, await reader.count(table));
  }
  const totalItems = [...counts.values()].reduce((a, b) => a + b, 0);
  let before = 0;
  let current: TableName | undefined;
  let last = 0;
  const written = await to.transfer.replaceFrom(reader, ({ table, rows }) => {
    if (table !== current) {
      if (current !== undefined) before += counts.get(current) ?? 0;
      current = table;
    }
    last = before + rows;
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'metadata', items: last, totalItems, bytes: run.bytes, totalBytes: run.totalBytes, moved: run.moved, table });
  });
  return [...written].map(([table, rows]) => ({ table, rows }));
}

/** The blob phase's counters and its worker pool. */
class Run {
  readonly counts = { copied: 0, skipped: 0, verified: 0, tombstoned: 0, bytesCopied: 0 };
  readonly missing: string[] = [];
  readonly corrupt: string[] = [];
  readonly handled = new Set<string>();
  items = 0;
  totalItems = 0;
  bytes = 0;
  totalBytes = 0;
  moved = 0;

  constructor(
    private readonly source: BlobStore,
    private readonly destination: BlobStore,
    private readonly journal: MigrateJournal,
    private readonly options: MigrateOptions,
  ) {}

  async blobs(rows: BlobRow[]): Promise<void> {
    const todo = rows.filter((row) => !this.handled.has(row.digest));
    this.totalItems += todo.length;
    for (const row of todo) this.totalBytes += row.deleting ? 0 : row.size;
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        this.options.signal?.throwIfAborted();
        const row = todo[next++]!;
        await this.one(row);
        this.handled.add(row.digest);
        this.items++;
        this.report();
      }
    };
    this.report();
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 8) }, worker));
  }

  private report(): void {
    this.options.onProgress?.({ phase: 'blobs', items: this.items, totalItems: this.totalItems, bytes: this.bytes, totalBytes: this.totalBytes, moved: this.moved });
  }

  private async one(row: BlobRow): Promise<void> {
    if (row.deleting) {
      this.counts.tombstoned++;
      return;
    }
    if (this.journal.verified.has(row.digest)) {
      this.counts.skipped++;
      this.bytes += row.size;
      return;
    }
    let seen = 0;
    const io = {
      signal: this.options.signal,
      onBytes: (n: number) => {
        seen += n;
        this.moved += n;
        this.bytes += n;
      },
    };
    try {
      await this.place(row, io);
    } finally {
      // Whatever was read (a failed check re-reads), the blob accounts for its size once.
      this.bytes += row.size - seen;
    }
  }

  private async place(row: BlobRow, io: { signal?: AbortSignal; onBytes: (n: number) => void }): Promise<void> {
    if ((await this.destination.stat(row.digest, io)) !== undefined) {
      if (await verifyAt(this.destination, row.digest, row.size, io)) {
        this.counts.verified++;
        this.journal.blobVerified(row.digest);
        return;
      }
      // Not whole: a store that predates this run, or damage; replace it with the source's.
      await this.destination.delete(row.digest, io);
    }
    const outcome: BlobOutcome = await copyBlob(this.source, this.destination, row.digest, row.size, io);
    if (outcome === 'copied') {
      this.counts.copied++;
      this.counts.bytesCopied += row.size;
      this.journal.blobVerified(row.digest);
    } else if (outcome === 'missing') this.missing.push(row.digest);
    else if (outcome === 'corrupt') this.corrupt.push(row.digest);
  }

  summary(online: boolean, tables: MigrateSummary['tables'], signingKey: MigrateSummary['signingKey'], journal: string, durationMs: number): MigrateSummary {
    const notCopied = (Object.entries(TABLE_PLAN) as Array<[TableName, (typeof TABLE_PLAN)[TableName]]>).flatMap(([table, plan]) => (plan.copy ? [] : [{ table, why: plan.why }]));
    return {
      online,
      blobs: { total: this.totalItems, ...this.counts, missing: this.missing, corrupt: this.corrupt },
      tables,
      notCopied,
      signingKey,
      journal,
      durationMs,
    };
  }
}

export type KeyFileOutcome = 'copied' | 'shared' | 'kept' | 'none';

/**
 * Tokens the source issued stay valid on the destination when it signs with the same key, and
 * proxy projects' upstream passwords (copied encrypted) stay readable with the same secrets key:
 * each key file is copied when the destination's data directory has none (its own is kept).
 */
async function copyKeyFile(source: BerthConfig, destination: BerthConfig, relative: string): Promise<KeyFileOutcome> {
  const from = resolve(source.storage.filesystem.rootdirectory, relative);
  const to = resolve(destination.storage.filesystem.rootdirectory, relative);
  if (from === to) return 'shared';
  if (!(await exists(from))) return 'none';
  if (await exists(to)) return 'kept';
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  await copyFile(from, to);
  return 'copied';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
