/**
 * AccessStore over Kysely, on the same database (and the same migration list) as
 * KyselyMetadataStore: one schema version, one `migrate()`, whichever store calls it.
 *
 * Queries are ones both dialects accept unchanged: `ON CONFLICT` upserts, `RETURNING` for the
 * audit log's id (SQLite ≥ 3.35, which better-sqlite3 bundles), booleans as 0/1. Integrity is
 * the schema's (foreign keys without cascades, see migrations.ts); the only multi-row write,
 * deleteUser, removes the children itself in one transaction.
 *
 * The store holds no connection of its own: whoever created the Kysely instance closes it.
 */
import { sql, type Kysely, type Updateable } from 'kysely';
import type {
  AccessStore,
  AuditEvent,
  AuditQuery,
  MemberRecord,
  PersonalTokenRecord,
  ProjectRecord,
  RefreshTokenMatch,
  RefreshTokenRecord,
  RobotRecord,
  SessionRecord,
  SettingRecord,
  StoredAuditEvent,
  UserRecord,
} from '../../ports/access-store.js';
import type { IoOptions } from '../../ports/blob-store.js';
import { encodeActions, flag, millis, toAuditEvent, toMember, toProject, toRefreshToken, toRobot, toSession, toSetting, toToken, toUser } from './access-rows.js';
import { migrateToLatest, type MetadataDialect } from './migrations.js';
import type { Database, UsersTable } from './schema.js';

export interface KyselyAccessStoreOptions {
  dialect: MetadataDialect;
}

export class KyselyAccessStore implements AccessStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: MetadataDialect;

  constructor(db: Kysely<Database>, options: KyselyAccessStoreOptions) {
    this.#db = db;
    this.#dialect = options.dialect;
  }

  async migrate(options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await migrateToLatest(this.#db, this.#dialect);
  }

  async listSettings(options?: IoOptions): Promise<SettingRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db.selectFrom('settings').selectAll().orderBy('key').execute();
    return rows.map(toSetting);
  }

  async putSetting(record: SettingRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const row = { key: record.key, value: record.value, updated_at: record.updatedAt.getTime(), updated_by: record.updatedBy };
    await this.#db
      .insertInto('settings')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, updated_at: row.updated_at, updated_by: row.updated_by }))
      .execute();
  }

  async deleteSetting(key: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#db.deleteFrom('settings').where('key', '=', key).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async createUser(user: UserRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('users')
      .values({
        name: user.name,
        password_hash: user.passwordHash,
        system_admin: flag(user.systemAdmin),
        disabled: flag(user.disabled),
        created_at: user.createdAt.getTime(),
      })
      .execute();
  }

  async user(name: string, options?: IoOptions): Promise<UserRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  }

  async updateUser(
    name: string,
    changes: Partial<Pick<UserRecord, 'passwordHash' | 'systemAdmin' | 'disabled'>>,
    options?: IoOptions,
  ): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const set: Updateable<UsersTable> = {};
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (changes.systemAdmin !== undefined) set.system_admin = flag(changes.systemAdmin);
    if (changes.disabled !== undefined) set.disabled = flag(changes.disabled);
    // An UPDATE with nothing to set is not valid SQL; the answer is then just "does it exist".
    if (Object.keys(set).length === 0) return (await this.user(name)) !== undefined;
    const result = await this.#db.updateTable('users').set(set).where('name', '=', name).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteUser(name: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return this.#db.transaction().execute(async (trx) => {
      // Children first: the foreign keys have no cascades.
      await trx.deleteFrom('project_members').where('user_name', '=', name).execute();
      await trx.deleteFrom('personal_tokens').where('user_name', '=', name).execute();
      await trx.deleteFrom('refresh_tokens').where('account_kind', '=', 'user').where('account', '=', name).execute();
      await trx.deleteFrom('sessions').where('user_name', '=', name).execute();
      // A user of the same name created later must not inherit these stars.
      await trx.deleteFrom('stars').where('user_name', '=', name).execute();
      const result = await trx.deleteFrom('users').where('name', '=', name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async listUsers(options?: IoOptions): Promise<UserRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map(toUser);
  }

  async countUsers(options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    // PostgreSQL's count is int8, which node-postgres hands back as a string.
    return Number(row.count);
  }

  async createRobot(robot: RobotRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('robots')
      .values({
        name: robot.name,
        project: robot.project,
        secret_hash: robot.secretHash,
        actions: encodeActions(robot.actions),
        expires_at: millis(robot.expiresAt),
        disabled: flag(robot.disabled),
        created_at: robot.createdAt.getTime(),
      })
      .execute();
  }

  async robot(name: string, options?: IoOptions): Promise<RobotRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('robots').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toRobot(row);
  }

  async deleteRobot(name: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('refresh_tokens').where('account_kind', '=', 'robot').where('account', '=', name).execute();
      const result = await trx.deleteFrom('robots').where('name', '=', name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async listRobots(project: string | undefined, options?: IoOptions): Promise<RobotRecord[]> {
    options?.signal?.throwIfAborted();
    let query = this.#db.selectFrom('robots').selectAll();
    if (project !== undefined) query = query.where('project', '=', project);
    const rows = await query.orderBy('name').execute();
    return rows.map(toRobot);
  }

  async createToken(token: PersonalTokenRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('personal_tokens')
      .values({
        id: token.id,
        user_name: token.user,
        name: token.name,
        secret_hash: token.secretHash,
        expires_at: millis(token.expiresAt),
        created_at: token.createdAt.getTime(),
        last_used_at: millis(token.lastUsedAt),
      })
      .execute();
  }

  async token(id: string, options?: IoOptions): Promise<PersonalTokenRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('personal_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toToken(row);
  }

  async listTokens(user: string, options?: IoOptions): Promise<PersonalTokenRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db
      .selectFrom('personal_tokens')
      .selectAll()
      .where('user_name', '=', user)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toToken);
  }

  async deleteToken(id: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#db.deleteFrom('personal_tokens').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async touchToken(id: string, at: Date, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db.updateTable('personal_tokens').set({ last_used_at: at.getTime() }).where('id', '=', id).execute();
  }

  async createRefreshToken(token: RefreshTokenRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('refresh_tokens')
      .values({
        id: token.id,
        account_kind: token.accountKind,
        account: token.account,
        credential_kind: token.credentialKind,
        credential_ref: token.credentialRef,
        secret_hash: token.secretHash,
        created_at: token.createdAt.getTime(),
        expires_at: token.expiresAt.getTime(),
        last_used_at: millis(token.lastUsedAt),
        revoked_at: millis(token.revokedAt),
      })
      .execute();
  }

  async refreshToken(id: string, options?: IoOptions): Promise<RefreshTokenRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('refresh_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRefreshToken(row);
  }

  async listRefreshTokens(accountKind: 'user' | 'robot', account: string, options?: IoOptions): Promise<RefreshTokenRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('account', '=', account)
      .where('account_kind', '=', accountKind)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRefreshToken);
  }

  async touchRefreshToken(id: string, at: Date, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db.updateTable('refresh_tokens').set({ last_used_at: at.getTime() }).where('id', '=', id).execute();
  }

  async revokeRefreshTokens(match: RefreshTokenMatch, at: Date, options?: IoOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    const filters = Object.values(match).filter((v) => v !== undefined);
    if (filters.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      let select = trx.selectFrom('refresh_tokens').select('id').where('revoked_at', 'is', null);
      if (match.id !== undefined) select = select.where('id', '=', match.id);
      if (match.accountKind !== undefined) select = select.where('account_kind', '=', match.accountKind);
      if (match.account !== undefined) select = select.where('account', '=', match.account);
      if (match.credentialKind !== undefined) select = select.where('credential_kind', '=', match.credentialKind);
      if (match.credentialRef !== undefined) select = select.where('credential_ref', '=', match.credentialRef);
      const ids = (await select.orderBy('id').execute()).map((r) => r.id);
      if (ids.length > 0) {
        await trx.updateTable('refresh_tokens').set({ revoked_at: at.getTime() }).where('id', 'in', ids).execute();
      }
      return ids;
    });
  }

  async pruneRefreshTokens(accountKind: 'user' | 'robot', account: string, before: Date, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    const cutoff = before.getTime();
    const result = await this.#db
      .deleteFrom('refresh_tokens')
      .where('account', '=', account)
      .where('account_kind', '=', accountKind)
      .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createSession(session: SessionRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_name: session.user,
        credential_kind: session.credentialKind,
        credential_ref: session.credentialRef,
        created_at: session.createdAt.getTime(),
        last_seen_at: session.lastSeenAt.getTime(),
        idle_expires_at: session.idleExpiresAt.getTime(),
        expires_at: session.expiresAt.getTime(),
      })
      .execute();
  }

  async session(idHash: string, options?: IoOptions): Promise<SessionRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row === undefined ? undefined : toSession(row);
  }

  async listSessions(user: string, options?: IoOptions): Promise<SessionRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_name', '=', user)
      .orderBy('created_at')
      .orderBy('id_hash')
      .execute();
    return rows.map(toSession);
  }

  async touchSession(idHash: string, lastSeenAt: Date, idleExpiresAt: Date, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt.getTime(), idle_expires_at: idleExpiresAt.getTime() })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async deleteSessions(match: { idHash?: string; user?: string }, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    if (match.idHash === undefined && match.user === undefined) return 0;
    let query = this.#db.deleteFrom('sessions');
    if (match.idHash !== undefined) query = query.where('id_hash', '=', match.idHash);
    if (match.user !== undefined) query = query.where('user_name', '=', match.user);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async pruneSessions(now: Date, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    const cutoff = now.getTime();
    const result = await this.#db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('idle_expires_at', '<=', cutoff), eb('expires_at', '<=', cutoff)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createProject(project: ProjectRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('projects')
      .values({ name: project.name, visibility: project.visibility, created_at: project.createdAt.getTime() })
      .execute();
  }

  async project(name: string, options?: IoOptions): Promise<ProjectRecord | undefined> {
    options?.signal?.throwIfAborted();
    const row = await this.#db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toProject(row);
  }

  async updateProject(
    name: string,
    changes: Partial<Pick<ProjectRecord, 'visibility'>>,
    options?: IoOptions,
  ): Promise<boolean> {
    options?.signal?.throwIfAborted();
    if (changes.visibility === undefined) return (await this.project(name)) !== undefined;
    const result = await this.#db
      .updateTable('projects')
      .set({ visibility: changes.visibility })
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async listProjects(options?: IoOptions): Promise<ProjectRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject);
  }

  async setMember(member: MemberRecord, options?: IoOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    await this.#db
      .insertInto('project_members')
      .values({ project: member.project, user_name: member.user, role: member.role })
      .onConflict((oc) => oc.columns(['project', 'user_name']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
      .execute();
  }

  async removeMember(project: string, user: string, options?: IoOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const result = await this.#db
      .deleteFrom('project_members')
      .where('project', '=', project)
      .where('user_name', '=', user)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async members(project: string, options?: IoOptions): Promise<MemberRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db
      .selectFrom('project_members')
      .selectAll()
      .where('project', '=', project)
      .orderBy('user_name')
      .execute();
    return rows.map(toMember);
  }

  async memberships(user: string, options?: IoOptions): Promise<MemberRecord[]> {
    options?.signal?.throwIfAborted();
    const rows = await this.#db
      .selectFrom('project_members')
      .selectAll()
      .where('user_name', '=', user)
      .orderBy('project')
      .execute();
    return rows.map(toMember);
  }

  async appendAudit(event: AuditEvent, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    const row = await this.#db
      .insertInto('audit_log')
      .values({
        time: event.time.getTime(),
        actor: event.actor,
        client_ip: event.clientIp ?? null,
        action: event.action,
        repository: event.repository ?? null,
        reference: event.reference ?? null,
        result: event.result,
        detail: event.detail ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async countAudit(event: AuditEvent, since: Date, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    // One statement, so the lookup and the increment cannot be split by another writer;
    // the (action, actor, time) index keeps the lookup to this event's recent rows.
    const same = this.#db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', event.action)
      .where('actor', '=', event.actor)
      .where('time', '>=', since.getTime())
      .where('result', '=', event.result)
      .where('client_ip', event.clientIp === undefined ? 'is' : '=', event.clientIp ?? null)
      .where('repository', event.repository === undefined ? 'is' : '=', event.repository ?? null)
      .where('reference', event.reference === undefined ? 'is' : '=', event.reference ?? null)
      .where('detail', event.detail === undefined ? 'is' : '=', event.detail ?? null)
      .orderBy('id', 'desc')
      .limit(1);
    const updated = await this.#db
      .updateTable('audit_log')
      .set({ count: sql<number>`${sql.ref('count')} + 1` })
      .where('id', '=', same)
      .returning('id')
      .executeTakeFirst();
    if (updated !== undefined) return Number(updated.id);
    return this.appendAudit(event, options);
  }

  async queryAudit(query: AuditQuery, options?: IoOptions): Promise<StoredAuditEvent[]> {
    options?.signal?.throwIfAborted();
    const limit = Math.floor(query.limit);
    if (!(limit > 0)) return [];
    let select = this.#db.selectFrom('audit_log').selectAll();
    if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    if (query.repository !== undefined) select = select.where('repository', '=', query.repository);
    if (query.since !== undefined) select = select.where('time', '>=', query.since.getTime());
    if (query.until !== undefined) select = select.where('time', '<', query.until.getTime());
    if (query.before !== undefined) select = select.where('id', '<', query.before);
    const rows = await select.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toAuditEvent);
  }

  async pruneAudit(before: Date, options?: IoOptions): Promise<number> {
    options?.signal?.throwIfAborted();
    const result = await this.#db.deleteFrom('audit_log').where('time', '<', before.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
