/**
 * Users: system admins create, change and remove them; a user may read their own account and
 * change their own password (giving the current one, so a leaked access token alone cannot
 * take the account over). No change may leave the registry without an enabled system admin:
 * nobody could then manage it over HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { UserRecord } from '../../ports/access-store.js';
import { ConflictError, DeniedError, NotFoundError } from '../errors.js';
import type { Actor, AdminContext } from './admin-context.js';
import { assertPassword, assertUserName } from './admin-rules.js';
import { userView, type UserView } from './admin-views.js';
import { BOOTSTRAP_ADMIN } from './bootstrap-admin.js';

export interface NewUser {
  name: string;
  /** Generated (and returned once) when undefined. */
  password?: string;
  systemAdmin?: boolean;
}

export interface UserChanges {
  systemAdmin?: boolean;
  disabled?: boolean;
}

export class UserAdmin {
  constructor(private readonly ctx: AdminContext) {}

  async list(actor: Actor): Promise<UserView[]> {
    await this.ctx.requireSystemAdmin(actor, 'user.list');
    return (await this.ctx.store.listUsers()).map(userView);
  }

  async get(actor: Actor, name: string): Promise<UserView> {
    if (!this.isSelf(actor, name)) await this.ctx.requireSystemAdmin(actor, 'user.read', { detail: `user=${name}` });
    return userView(await this.existing(name));
  }

  async create(actor: Actor, input: NewUser): Promise<{ user: UserView; generatedPassword: string | undefined }> {
    await this.ctx.requireSystemAdmin(actor, 'user.create', { detail: `user=${input.name}` });
    await this.ctx.requirePassword(actor, 'user.create', { detail: `user=${input.name}` });
    const name = assertUserName(input.name);
    const password = input.password === undefined ? generatePassword() : assertPassword(input.password);
    const record: UserRecord = {
      name,
      passwordHash: await this.ctx.deps.hasher.hash(password),
      systemAdmin: input.systemAdmin ?? false,
      disabled: false,
      createdAt: this.ctx.deps.now(),
    };
    await this.ctx.createOnce(
      () => this.ctx.store.createUser(record),
      async () => (await this.ctx.store.user(name)) !== undefined,
      () => new ConflictError(`user ${name} already exists`, { name }),
    );
    await this.ctx.record(actor, 'user.create', { detail: `user=${name} systemAdmin=${record.systemAdmin}` });
    return { user: userView(record), generatedPassword: input.password === undefined ? password : undefined };
  }

  /**
   * Sets `password`, or a generated one when it is undefined, which is returned (once). Needs
   * the password: the caller signed in with theirs, or (changing their own) gives the current
   * one. A system admin may reset another user's password without knowing it. Every refresh
   * token the old password obtained is revoked with it.
   */
  async setPassword(actor: Actor, name: string, password: string | undefined, currentPassword?: string): Promise<string | undefined> {
    const admin = this.ctx.isSystemAdmin(actor);
    if (!admin && !this.isSelf(actor, name)) await this.ctx.requireSystemAdmin(actor, 'user.passwd', { detail: `user=${name}` });
    // Before the current password is tried: a leaked token must not be able to guess it here,
    // where no login throttle applies.
    await this.ctx.requirePassword(actor, 'user.passwd', { detail: `user=${name}` });
    const user = await this.existing(name);
    const next = password === undefined ? generatePassword() : assertPassword(password);
    const proven = currentPassword !== undefined && (await this.ctx.deps.hasher.verify(currentPassword, user.passwordHash));
    // A system admin changing their own password proves the current one like anyone else:
    // otherwise a browser tab left signed in is enough to take the admin account over. Only
    // the command line (whoever holds the data directory) may skip it, for recovery.
    const mayReset = admin && (!this.isSelf(actor, name) || (actor.kind === 'user' && actor.credential?.kind === 'cli'));
    if (!mayReset && !proven) {
      await this.ctx.deny(actor, 'user.passwd', { detail: `user=${name} reason=current password wrong` });
      throw new DeniedError('give your current password (currentPassword) to change it');
    }
    await this.ctx.store.updateUser(name, { passwordHash: await this.ctx.deps.hasher.hash(next) });
    await this.forgetInitialPassword(name);
    await this.ctx.record(actor, 'user.passwd', { detail: `user=${name}` });
    await this.ctx.revokeRefreshTokens(actor, { accountKind: 'user', account: name, credentialKind: 'password' }, 'password changed');
    await this.ctx.endSessions(actor, name, 'password changed');
    return password === undefined ? next : undefined;
  }

  /** Grants or revokes system admin, disables or enables; audited as one event per change. */
  async update(actor: Actor, name: string, changes: UserChanges): Promise<UserView> {
    const action = changes.systemAdmin !== undefined ? 'user.admin' : changes.disabled ? 'user.disable' : 'user.enable';
    await this.ctx.requireSystemAdmin(actor, action, { detail: `user=${name}` });
    // Making someone a system admin creates a credential that outlives a revoked token.
    if (changes.systemAdmin === true) await this.ctx.requirePassword(actor, action, { detail: `user=${name}` });
    const user = await this.existing(name);
    const next = { ...user, ...definedOnly(changes) };
    if (!isActiveAdmin(next)) await this.keepAnAdmin(user, 'leave');
    await this.ctx.store.updateUser(name, definedOnly(changes));
    if (changes.systemAdmin !== undefined && changes.systemAdmin !== user.systemAdmin) {
      await this.ctx.record(actor, 'user.admin', { detail: `user=${name} systemAdmin=${changes.systemAdmin}` });
    }
    if (changes.disabled !== undefined && changes.disabled !== user.disabled) {
      await this.ctx.record(actor, changes.disabled ? 'user.disable' : 'user.enable', { detail: `user=${name}` });
    }
    // Enabling the account again must not bring back what was signed in before it was disabled.
    if (changes.disabled === true) {
      await this.ctx.revokeRefreshTokens(actor, { accountKind: 'user', account: name }, 'user disabled');
      await this.ctx.endSessions(actor, name, 'user disabled');
    }
    return userView(next);
  }

  async delete(actor: Actor, name: string): Promise<void> {
    await this.ctx.requireSystemAdmin(actor, 'user.delete', { detail: `user=${name}` });
    if (this.isSelf(actor, name)) throw new ConflictError('you cannot delete your own account; ask another system admin');
    const user = await this.existing(name);
    await this.keepAnAdmin(user, 'delete');
    // Revoked (and audited) first; deleting the user then removes the records.
    await this.ctx.revokeRefreshTokens(actor, { accountKind: 'user', account: name }, 'user deleted');
    await this.ctx.endSessions(actor, name, 'user deleted');
    if (!(await this.ctx.store.deleteUser(name))) throw unknownUser(name);
    await this.forgetInitialPassword(name);
    await this.ctx.record(actor, 'user.delete', { detail: `user=${name}` });
  }

  private async keepAnAdmin(user: UserRecord, verb: 'leave' | 'delete'): Promise<void> {
    if (!isActiveAdmin(user)) return;
    const others = (await this.ctx.store.listUsers()).filter((u) => u.name !== user.name && isActiveAdmin(u));
    if (others.length === 0) {
      throw new ConflictError(
        `${user.name} is the only enabled system admin; make another user a system admin before you ${verb === 'delete' ? 'delete' : 'change'} this one`,
        { name: user.name },
      );
    }
  }

  /** The generated first password is kept only while it is the admin's password. */
  private async forgetInitialPassword(name: string): Promise<void> {
    if (name === BOOTSTRAP_ADMIN) await this.ctx.deps.initialPassword?.discard();
  }

  private isSelf(actor: Actor, name: string): boolean {
    return actor.kind === 'user' && actor.name === name;
  }

  private async existing(name: string): Promise<UserRecord> {
    const user = await this.ctx.store.user(name);
    if (!user) throw unknownUser(name);
    return user;
  }
}

/** 144 random bits: as strong as a password needs to be, and short enough to type once. */
function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function unknownUser(name: string): NotFoundError {
  return new NotFoundError(`user ${name} does not exist`, { name });
}

function isActiveAdmin(user: Pick<UserRecord, 'systemAdmin' | 'disabled'>): boolean {
  return user.systemAdmin && !user.disabled;
}

function definedOnly(changes: UserChanges): UserChanges {
  const result: UserChanges = {};
  if (changes.systemAdmin !== undefined) result.systemAdmin = changes.systemAdmin;
  if (changes.disabled !== undefined) result.disabled = changes.disabled;
  return result;
}
