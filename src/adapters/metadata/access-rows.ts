/**
 * Rows of the access tables ↔ the AccessStore records. Reads check the columns the schema
 * cannot (roles, visibility, results, the actions list are plain text there): a role added by
 * a newer version, or a hand-edited row, fails loudly here instead of reaching authorization
 * as a value core's types say cannot exist.
 */
import type { Selectable } from 'kysely';
import type {
  MemberRecord,
  PersonalTokenRecord,
  ProjectRecord,
  ProjectRole,
  RefreshTokenRecord,
  RobotRecord,
  SessionRecord,
  SettingRecord,
  StoredAuditEvent,
  UserRecord,
  Visibility,
} from '../../ports/access-store.js';
import type {
  AuditLogTable,
  Flag,
  PersonalTokensTable,
  ProjectMembersTable,
  ProjectsTable,
  RefreshTokensTable,
  RobotsTable,
  SessionsTable,
  SettingsTable,
  UsersTable,
} from './schema.js';

type Int64Value = number | string | bigint;

const ROLES: readonly ProjectRole[] = ['admin', 'maintainer', 'developer', 'guest'];
const VISIBILITIES: readonly Visibility[] = ['public', 'private'];
const RESULTS: readonly StoredAuditEvent['result'][] = ['success', 'failure', 'denied'];

export function flag(value: boolean): Flag {
  return value ? 1 : 0;
}

export function millis(date: Date | undefined): number | null {
  return date === undefined ? null : date.getTime();
}

function date(value: Int64Value): Date {
  return new Date(Number(value));
}

function optionalDate(value: Int64Value | null): Date | undefined {
  return value === null ? undefined : date(value);
}

function optional(value: string | null): string | undefined {
  return value ?? undefined;
}

function oneOf<T extends string>(allowed: readonly T[], value: string, what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`access store: unknown ${what} ${JSON.stringify(value)}`);
  return found;
}

export function encodeActions(actions: string[]): string {
  return JSON.stringify(actions);
}

function decodeActions(text: string, robot: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string')) {
    throw new Error(`access store: robot ${robot} has malformed actions`);
  }
  return parsed;
}

export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    systemAdmin: row.system_admin !== 0,
    disabled: row.disabled !== 0,
    createdAt: date(row.created_at),
  };
}

export function toRobot(row: Selectable<RobotsTable>): RobotRecord {
  return {
    name: row.name,
    project: row.project,
    secretHash: row.secret_hash,
    actions: decodeActions(row.actions, row.name),
    expiresAt: optionalDate(row.expires_at),
    disabled: row.disabled !== 0,
    createdAt: date(row.created_at),
  };
}

export function toToken(row: Selectable<PersonalTokensTable>): PersonalTokenRecord {
  return {
    id: row.id,
    user: row.user_name,
    name: row.name,
    secretHash: row.secret_hash,
    expiresAt: optionalDate(row.expires_at),
    createdAt: date(row.created_at),
    lastUsedAt: optionalDate(row.last_used_at),
  };
}

const ACCOUNT_KINDS: readonly RefreshTokenRecord['accountKind'][] = ['user', 'robot'];
const CREDENTIAL_KINDS: readonly RefreshTokenRecord['credentialKind'][] = ['password', 'pat', 'robot'];

export function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    accountKind: oneOf(ACCOUNT_KINDS, row.account_kind, 'refresh token account kind'),
    account: row.account,
    credentialKind: oneOf(CREDENTIAL_KINDS, row.credential_kind, 'refresh token credential kind'),
    credentialRef: row.credential_ref,
    secretHash: row.secret_hash,
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
    lastUsedAt: optionalDate(row.last_used_at),
    revokedAt: optionalDate(row.revoked_at),
  };
}

export function toProject(row: Selectable<ProjectsTable>): ProjectRecord {
  return {
    name: row.name,
    visibility: oneOf(VISIBILITIES, row.visibility, 'visibility'),
    createdAt: date(row.created_at),
  };
}

export function toSetting(row: Selectable<SettingsTable>): SettingRecord {
  return { key: row.key, value: row.value, updatedAt: date(row.updated_at), updatedBy: row.updated_by };
}

export function toMember(row: Selectable<ProjectMembersTable>): MemberRecord {
  return { project: row.project, user: row.user_name, role: oneOf(ROLES, row.role, 'role') };
}

export function toAuditEvent(row: Selectable<AuditLogTable>): StoredAuditEvent {
  return {
    id: Number(row.id),
    count: Number(row.count),
    time: date(row.time),
    actor: row.actor,
    clientIp: optional(row.client_ip),
    action: row.action,
    repository: optional(row.repository),
    reference: optional(row.reference),
    result: oneOf(RESULTS, row.result, 'audit result'),
    detail: optional(row.detail),
  };
}

export function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: row.id_hash,
    user: row.user_name,
    credentialKind: oneOf(['password'] as const, row.credential_kind, 'session credential kind'),
    credentialRef: row.credential_ref,
    createdAt: date(row.created_at),
    lastSeenAt: date(row.last_seen_at),
    idleExpiresAt: date(row.idle_expires_at),
    expiresAt: date(row.expires_at),
  };
}
