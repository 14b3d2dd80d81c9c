/**
 * Scheduled jobs claimed per interval across instances: every instance keeps its timer, and
 * the first to claim a job's slot runs it; the others find it claimed and skip. One upsert, so
 * two instances waking at once cannot both win.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export class KyselyJobRuns {
  constructor(private readonly db: Kysely<Database>) {}

  /** True when this caller may run `name` now: nobody started it within `minGapMs`. */
  async claim(name: string, holder: string, now: number, minGapMs: number): Promise<boolean> {
    const row = await this.db
      .insertInto('job_runs')
      .values({ name, started_at: now, holder })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ started_at: sql`cast(${now} as bigint)`, holder })
          .where('job_runs.started_at', '<=', now - minGapMs),
      )
      .returning('name')
      .executeTakeFirst();
    return row !== undefined;
  }
}
