/**
 * The token signing key in the metadata database, so every instance sharing it signs and
 * accepts the same tokens: the first instance to start stores the key it generated, the rest
 * (and every later start) read that one. The key is as secret as the database's password
 * hashes: whoever reads the database can mint tokens, as whoever reads a data root could.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export class KyselySigningKeys {
  constructor(private readonly db: Kysely<Database>) {}

  /** The stored PEM under `name`, storing `generate()`'s first if there is none. */
  async loadOrCreate(name: string, generate: () => string, now: number): Promise<string> {
    const existing = await this.read(name);
    if (existing !== undefined) return existing;
    await this.db
      .insertInto('signing_keys')
      .values({ name, private_key: generate(), created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const stored = await this.read(name);
    if (stored === undefined) throw new Error(`the signing key ${name} could not be stored`);
    return stored;
  }

  private async read(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('signing_keys').select('private_key').where('name', '=', name).executeTakeFirst();
    return row?.private_key;
  }
}
