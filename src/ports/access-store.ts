/**
 * AccessStore: who exists and what they may do — users, robot accounts, personal access
 * tokens, projects with visibility and members, and the audit log. Kept apart from
 * MetadataStore (what the registry holds) so either can evolve without the other; the Kysely
 * adapter serves both from one database.
 *
 * Secrets are stored only as hashes produced by core (the store never sees a password).
 * Names are unique per kind; a robot's full name is `robot$<project>+<name>`.
 *
 * Contract shared by every method: listings come in a stable order (stated per method; names
 * compare byte-wise), optional fields come back `undefined`, never `null`, and a method given
 * an already-aborted signal rejects without touching the store. A `create…` whose key is
 * taken, or that names a project or user which does not exist, rejects with the database's
 * error and writes nothing: core checks first to give a friendly answer, and the store is the
 * backstop for the race between two callers.
 */
import type { IoOptions } from './blob-store.js';

export type ProjectRole = 'admin' | 'maintainer' | 'developer' | 'guest';
export type Visibility = 'public' | 'private';

export interface UserRecord {
  name: string;
  /** KDF output with its parameters, as core encodes it. */
  passwordHash: string;
  systemAdmin: boolean;
  disabled: boolean;
  createdAt: Date;
}

export interface RobotRecord {
  /** Full login name, e.g. `robot$team+ci`. */
  name: string;
  project: string;
  secretHash: string;
  /** Actions granted on every repository of the project: pull, push, delete. Kept in order. */
  actions: string[];
  expiresAt: Date | undefined;
  disabled: boolean;
  createdAt: Date;
}

export interface PersonalTokenRecord {
  /** Public identifier, shown in listings; the secret is never stored. */
  id: string;
  user: string;
  name: string;
  secretHash: string;
  expiresAt: Date | undefined;
  createdAt: Date;
  lastUsedAt: Date | undefined;
}

/**
 * A refresh token (an OAuth2 offline login's, POST /token access_type=offline): a server-side record, so it can be listed,
 * revoked, and tied to the credential that obtained it. Only a hash of its secret is kept.
 */
export interface RefreshTokenRecord {
  /** Public identifier, shown in listings and used to revoke. */
  id: string;
  accountKind: 'user' | 'robot';
  /** User name, or a robot's full name. */
  account: string;
  /** The credential it was obtained with: a password or robot secret (by fingerprint) or a PAT (by id). */
  credentialKind: 'password' | 'pat' | 'robot';
  credentialRef: string;
  secretHash: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | undefined;
  revokedAt: Date | undefined;
}

/** Which refresh tokens a revocation covers: every given field must match. */
export interface RefreshTokenMatch {
  id?: string;
  accountKind?: 'user' | 'robot';
  account?: string;
  credentialKind?: 'password' | 'pat' | 'robot';
  credentialRef?: string;
}

/**
 * A browser sign-in session (the web UI's cookie). Keyed by a hash of the cookie's random
 * value, never the value itself, so a copy of the database cannot be replayed as cookies. Tied
 * like a refresh token to the password it was opened with, by fingerprint.
 */
export interface SessionRecord {
  /** Hash of the cookie value (hex); the cookie itself is never stored. */
  idHash: string;
  user: string;
  credentialKind: 'password';
  credentialRef: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** lastSeenAt plus the idle timeout in force when it was written. */
  idleExpiresAt: Date;
  /** createdAt plus the lifetime: no activity extends it. */
  expiresAt: Date;
}

export interface ProjectRecord {
  name: string;
  visibility: Visibility;
  createdAt: Date;
}

export interface MemberRecord {
  project: string;
  user: string;
  role: ProjectRole;
}

export interface AuditEvent {
  time: Date;
  /** User or robot name, or `anonymous`. */
  actor: string;
  clientIp: string | undefined;
  /** e.g. login, push, pull, delete, user.create, member.add … */
  action: string;
  repository: string | undefined;
  reference: string | undefined;
  result: 'success' | 'failure' | 'denied';
  detail: string | undefined;
}

/** An event as stored: `count` is how many equal events it stands for (see countAudit). */
export type StoredAuditEvent = AuditEvent & { id: number; count: number };

export interface AuditQuery {
  actor?: string;
  action?: string;
  repository?: string;
  /** At or after this time. */
  since?: Date;
  /** Strictly before this time, so consecutive windows do not overlap. */
  until?: Date;
  /** Return events with id lower than this (newest first paging). */
  before?: number;
  /** At most this many; zero or less returns none. */
  limit: number;
}

/**
 * A system setting set through the CLI or API (e.g. `auth.builtin.anonymouspull`): the value
 * as text, which core parses, and who set it when. A key without a record follows the config.
 */
export interface SettingRecord {
  key: string;
  value: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface AccessStore {
  migrate(options?: IoOptions): Promise<void>;

  /** Every stored setting, by key. */
  listSettings(options?: IoOptions): Promise<SettingRecord[]>;
  /** Inserts or replaces the setting of `record.key`. */
  putSetting(record: SettingRecord, options?: IoOptions): Promise<void>;
  /** Removes the stored value, so the config applies again; false when there was none. */
  deleteSetting(key: string, options?: IoOptions): Promise<boolean>;

  createUser(user: UserRecord, options?: IoOptions): Promise<void>;
  user(name: string, options?: IoOptions): Promise<UserRecord | undefined>;
  /** Updates the given fields (none: only reports existence); false when the user does not exist. */
  updateUser(name: string, changes: Partial<Pick<UserRecord, 'passwordHash' | 'systemAdmin' | 'disabled'>>, options?: IoOptions): Promise<boolean>;
  /** Removes the user, their memberships, tokens, refresh tokens and sessions; false when absent. */
  deleteUser(name: string, options?: IoOptions): Promise<boolean>;
  /** By name. */
  listUsers(options?: IoOptions): Promise<UserRecord[]>;
  countUsers(options?: IoOptions): Promise<number>;

  /** Rejects when the name is taken or the project does not exist. */
  createRobot(robot: RobotRecord, options?: IoOptions): Promise<void>;
  robot(name: string, options?: IoOptions): Promise<RobotRecord | undefined>;
  deleteRobot(name: string, options?: IoOptions): Promise<boolean>;
  /** One project's robots, or every robot when `project` is undefined; by name. */
  listRobots(project: string | undefined, options?: IoOptions): Promise<RobotRecord[]>;

  /** Rejects when the id is taken or the user does not exist. */
  createToken(token: PersonalTokenRecord, options?: IoOptions): Promise<void>;
  token(id: string, options?: IoOptions): Promise<PersonalTokenRecord | undefined>;
  /** Oldest first (by createdAt, then id). */
  listTokens(user: string, options?: IoOptions): Promise<PersonalTokenRecord[]>;
  deleteToken(id: string, options?: IoOptions): Promise<boolean>;
  /** Sets lastUsedAt; does nothing when the token does not exist (it may just have been deleted). */
  touchToken(id: string, at: Date, options?: IoOptions): Promise<void>;

  /** Rejects when the id is taken. */
  createRefreshToken(token: RefreshTokenRecord, options?: IoOptions): Promise<void>;
  refreshToken(id: string, options?: IoOptions): Promise<RefreshTokenRecord | undefined>;
  /** One account's refresh tokens, revoked ones included; oldest first (by createdAt, then id). */
  listRefreshTokens(accountKind: 'user' | 'robot', account: string, options?: IoOptions): Promise<RefreshTokenRecord[]>;
  /** Sets lastUsedAt; does nothing when the token does not exist. */
  touchRefreshToken(id: string, at: Date, options?: IoOptions): Promise<void>;
  /**
   * Sets revokedAt on the matching tokens not revoked yet (a match with no field matches
   * nothing); returns their ids.
   */
  revokeRefreshTokens(match: RefreshTokenMatch, at: Date, options?: IoOptions): Promise<string[]>;
  /** Deletes the account's tokens that expired or were revoked before `before`; returns how many. */
  pruneRefreshTokens(accountKind: 'user' | 'robot', account: string, before: Date, options?: IoOptions): Promise<number>;

  /** Rejects when the id hash is taken or the user does not exist. */
  createSession(session: SessionRecord, options?: IoOptions): Promise<void>;
  session(idHash: string, options?: IoOptions): Promise<SessionRecord | undefined>;
  /** One user's sessions, expired ones included; oldest first (by createdAt, then idHash). */
  listSessions(user: string, options?: IoOptions): Promise<SessionRecord[]>;
  /** Sets lastSeenAt and idleExpiresAt; does nothing when the session does not exist. */
  touchSession(idHash: string, lastSeenAt: Date, idleExpiresAt: Date, options?: IoOptions): Promise<void>;
  /** Deletes one session (by idHash) or all of a user's (by user); returns how many. A match with neither deletes none. */
  deleteSessions(match: { idHash?: string; user?: string }, options?: IoOptions): Promise<number>;
  /** Deletes the sessions whose idle or absolute expiry is at or before `now`; returns how many. */
  pruneSessions(now: Date, options?: IoOptions): Promise<number>;

  createProject(project: ProjectRecord, options?: IoOptions): Promise<void>;
  project(name: string, options?: IoOptions): Promise<ProjectRecord | undefined>;
  /** Updates the given fields (none: only reports existence); false when the project does not exist. */
  updateProject(name: string, changes: Partial<Pick<ProjectRecord, 'visibility'>>, options?: IoOptions): Promise<boolean>;
  /** By name. */
  listProjects(options?: IoOptions): Promise<ProjectRecord[]>;
  /** Adds or changes a membership; rejects when the project or the user does not exist. */
  setMember(member: MemberRecord, options?: IoOptions): Promise<void>;
  removeMember(project: string, user: string, options?: IoOptions): Promise<boolean>;
  /** By user name. */
  members(project: string, options?: IoOptions): Promise<MemberRecord[]>;
  /** Every membership of one user (the projects they belong to and their role in each), by project. */
  memberships(user: string, options?: IoOptions): Promise<MemberRecord[]>;

  /** Appends an event; returns its id, greater than every id returned before (ids are never reused). */
  appendAudit(event: AuditEvent, options?: IoOptions): Promise<number>;
  /**
   * Adds one to the count of the newest event at or after `since` that equals `event` in every
   * field but time (an absent field matches only an absent field), keeping that event's time and
   * id; appends `event` with a count of 1 when there is none. Returns the event's id. Two
   * callers racing may both append: the count is a bound on growth, not an exact tally's key.
   */
  countAudit(event: AuditEvent, since: Date, options?: IoOptions): Promise<number>;
  /** Matching every given filter, newest first: by id descending, i.e. append order (event times come from instances' clocks). */
  queryAudit(query: AuditQuery, options?: IoOptions): Promise<StoredAuditEvent[]>;
  /** Deletes events whose time is before `before` (strictly); returns how many. */
  pruneAudit(before: Date, options?: IoOptions): Promise<number>;
}
