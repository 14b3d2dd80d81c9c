/**
 * The collector's lease and what a dead holder leaves behind. The row names its holder's
 * process (process-identity.ts) and last heartbeat, so a collector killed mid-sweep is
 * recognised as gone: at once when it ran on this host, at its expiry otherwise. Taking a
 * stale lease over records the dead run in `gc_interruptions`, which the status reports until
 * its tombstones are finished.
 */
import type { GcInterruption, GcLeaseState } from '../../ports/metadata-lifecycle.js';
import { addCandidates, blobCandidates, chunked, forUpdate, toDate, VALUE_CHUNK, type Executor, type LifecycleContext } from './lifecycle-sql.js';
import { certainlyDead, thisProcess } from './process-identity.js';

/** The one lease row; a name leaves room for other singleton jobs later. */
const GC_LEASE = 'gc';

interface LeaseRow {
  holder: string;
  expires_at: number | string | bigint;
  pid: number | string | bigint | null;
  host: string | null;
  instance: string | null;
  started_at: number | string | bigint | null;
  heartbeat_at: number | string | bigint | null;
}

async function leaseRow(ex: Executor): Promise<LeaseRow | undefined> {
  return ex
    .selectFrom('gc_lease')
    .select(['holder', 'expires_at', 'pid', 'host', 'instance', 'started_at', 'heartbeat_at'])
    .where('name', '=', GC_LEASE)
    .executeTakeFirst();
}

function isStale(row: LeaseRow, now: number): boolean {
  return Number(row.expires_at) < now || certainlyDead(row.pid === null ? null : Number(row.pid), row.instance);
}

/** Whether a collector that is still running holds the lease (read inside the caller's transaction). */
export async function liveCollector(ex: Executor, now: number): Promise<boolean> {
  const row = await leaseRow(ex);
  return row !== undefined && !isStale(row, now);
}

export async function acquireGcLease(ctx: LifecycleContext, holder: string, until: Date, renewOnly = false): Promise<boolean> {
  const now = ctx.now().getTime();
  const me = thisProcess();
  const mine = { holder, expires_at: until.getTime(), pid: me.pid, host: me.host, instance: me.instance, heartbeat_at: now };
  return ctx.db.transaction().execute(async (trx) => {
    const row = await leaseRow(trx);
    if (row === undefined) {
      if (renewOnly) return false;
      const inserted = await trx
        .insertInto('gc_lease')
        .values({ name: GC_LEASE, ...mine, started_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
    }
    if (row.holder === holder) {
      // A renewal only needs the lease to be still ours (a heartbeat and a pre-delete renewal
      // may race; neither must make the other look like a takeover). Once expired it is not:
      // an upload may have lifted a tombstone of this run's while no live collector held it.
      const renewed = await trx
        .updateTable('gc_lease')
        .set({ expires_at: mine.expires_at, heartbeat_at: now })
        .where('name', '=', GC_LEASE)
        .where('holder', '=', holder)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return renewed.numUpdatedRows > 0n;
    }
    if (renewOnly || !isStale(row, now)) return false;
    // Compare-and-set on what was read, so two contenders for a stale lease cannot both win.
    const updated = await trx
      .updateTable('gc_lease')
      .set({ ...mine, started_at: now })
      .where('name', '=', GC_LEASE)
      .where('holder', '=', row.holder)
      .where('expires_at', '=', Number(row.expires_at))
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    await recordInterruption(trx, row, now);
    return true;
  });
}

async function recordInterruption(trx: Executor, row: LeaseRow, now: number): Promise<void> {
  const tombstones = await trx
    .selectFrom('blobs')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('deleting_at', 'is not', null)
    .executeTakeFirstOrThrow();
  const lastSeen = row.heartbeat_at ?? row.started_at ?? row.expires_at;
  await trx
    .insertInto('gc_interruptions')
    .values({
      holder: row.holder,
      pid: row.pid === null ? null : Number(row.pid),
      host: row.host,
      started_at: row.started_at === null ? null : Number(row.started_at),
      last_seen_at: Number(lastSeen),
      found_at: now,
      tombstones: Number(tombstones.n),
      cleaned_at: null,
    })
    .onConflict((oc) => oc.column('holder').doNothing())
    .execute();
}

export async function releaseGcLease(ctx: LifecycleContext, holder: string): Promise<void> {
  await ctx.db.deleteFrom('gc_lease').where('name', '=', GC_LEASE).where('holder', '=', holder).execute();
}

export async function gcLease(ctx: LifecycleContext): Promise<GcLeaseState | undefined> {
  const row = await leaseRow(ctx.db);
  if (row === undefined) return undefined;
  return {
    ...holderOf(row),
    heartbeatAt: row.heartbeat_at === null ? undefined : toDate(row.heartbeat_at),
    expiresAt: toDate(row.expires_at),
    stale: isStale(row, ctx.now().getTime()),
  };
}

export async function lastGcInterruption(ctx: LifecycleContext): Promise<GcInterruption | undefined> {
  const row = await ctx.db.selectFrom('gc_interruptions').selectAll().orderBy('found_at', 'desc').limit(1).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    ...holderOf(row),
    lastSeenAt: toDate(row.last_seen_at),
    foundAt: toDate(row.found_at),
    tombstones: Number(row.tombstones),
    cleanedAt: row.cleaned_at === null ? undefined : toDate(row.cleaned_at),
  };
}

/** Who held a lease, from a lease row or an interruption record (both keep the same columns). */
function holderOf(row: { holder: string; pid: number | string | bigint | null; host: string | null; started_at: number | string | bigint | null }) {
  return {
    holder: row.holder,
    pid: row.pid === null ? undefined : Number(row.pid),
    host: row.host ?? undefined,
    startedAt: row.started_at === null ? undefined : toDate(row.started_at),
  };
}

export async function saveLastGcReport(ctx: LifecycleContext, report: string, finishedAt: Date): Promise<void> {
  await ctx.db
    .insertInto('gc_reports')
    .values({ name: 'last', report, finished_at: finishedAt.getTime() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ report, finished_at: finishedAt.getTime() }))
    .execute();
}

export async function lastGcReport(ctx: LifecycleContext): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('gc_reports').select('report').where('name', '=', 'last').executeTakeFirst();
  return row?.report;
}

export async function markGcInterruptionsCleaned(ctx: LifecycleContext, at: Date): Promise<void> {
  await ctx.db.updateTable('gc_interruptions').set({ cleaned_at: at.getTime() }).where('cleaned_at', 'is', null).execute();
}

/**
 * Lifts an orphaned tombstone so an upload can claim the digest: no live collector holds the
 * lease, so nobody is deleting its bytes. Its links went with the tombstone; the upload links
 * it again, and until then it is an unlinked blob the next collection judges afresh.
 */
export async function liftTombstone(trx: Executor, digest: string, now: number): Promise<void> {
  await trx.updateTable('blobs').set({ deleting_at: null, created_at: now }).where('digest', '=', digest).execute();
  await addCandidates(trx, blobCandidates([digest]), now);
}

export async function reviveTombstones(ctx: LifecycleContext, digests: string[]): Promise<{ revived: string[]; tombstoned: string[] }> {
  const now = ctx.now().getTime();
  return ctx.db.transaction().execute(async (trx) => {
    const revived: string[] = [];
    const tombstoned: string[] = [];
    for (const chunk of chunked([...new Set(digests)], VALUE_CHUNK)) {
      const rows = await forUpdate(
        ctx.dialect,
        trx
          .selectFrom('blobs')
          .select((eb) => [
            'digest',
            eb
              .or([
                eb.exists(eb.selectFrom('uploads').select('id').whereRef('uploads.digest', '=', 'blobs.digest')),
                eb.exists(eb.selectFrom('manifest_blob_refs').select('blob').whereRef('manifest_blob_refs.blob', '=', 'blobs.digest')),
              ])
              .as('wanted'),
          ])
          .where('digest', 'in', chunk)
          .where('deleting_at', 'is not', null),
      ).execute();
      for (const row of rows) {
        if (Boolean(row.wanted)) {
          await liftTombstone(trx, row.digest, now);
          revived.push(row.digest);
        } else {
          tombstoned.push(row.digest);
        }
      }
    }
    return { revived, tombstoned };
  });
}
