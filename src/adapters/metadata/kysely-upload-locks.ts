/**
 * Upload session locks in the shared database (core/registry/session-locks.ts keeps the rules
 * and the in-process half). A lock is a lease: it expires unless renewed, so a holder killed
 * mid-request frees the session within the lease rather than never.
 */
import { sql, type Kysely } from 'kysely';
import type { SessionLockStore } from '../../ports/session-lock-store.js';
import type { Database } from './schema.js';

export class KyselyUploadLocks implements SessionLockStore {
  constructor(private readonly db: Kysely<Database>) {}

  async acquire(id: string, mode: 'write' | 'remove', holder: string, now: number, ttlMs: number): Promise<'write' | 'remove' | undefined> {
    const taken = await this.db
      .insertInto('upload_locks')
      .values({ id, mode, holder, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ mode, holder, expires_at: sql`cast(${now + ttlMs} as bigint)` })
          .where('upload_locks.expires_at', '<=', now),
      )
      .returning('id')
      .executeTakeFirst();
    if (taken !== undefined) return undefined;
    const row = await this.db.selectFrom('upload_locks').select('mode').where('id', '=', id).executeTakeFirst();
    // Released in between: report a remover, so the caller waits and tries again.
    return row?.mode === 'write' ? 'write' : 'remove';
  }

  async renew(id: string, holder: string, until: number): Promise<void> {
    await this.db.updateTable('upload_locks').set({ expires_at: until }).where('id', '=', id).where('holder', '=', holder).execute();
  }

  async release(id: string, holder: string): Promise<void> {
    await this.db.deleteFrom('upload_locks').where('id', '=', id).where('holder', '=', holder).execute();
  }

  async prune(now: number): Promise<void> {
    await this.db.deleteFrom('upload_locks').where('expires_at', '<=', now).execute();
  }
}
