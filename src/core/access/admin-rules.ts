/**
 * What a valid name, role, password, robot grant or expiry is, for the management use cases.
 * Every check throws a core error whose message names the rule, so the CLI and the API can
 * show it as it is.
 */
import type { ProjectRole, Visibility } from '../../ports/access-store.js';
import { InvalidInputError, NameInvalidError } from '../errors.js';
import { assertName } from '../reference/reference.js';
import { ALL_ACTIONS, isAction, type Action } from './actions.js';

const USER_NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const ROBOT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// Audit lines name the anonymous caller and the CLI this way; an account of the same name would make them ambiguous.
const RESERVED_USERS = new Set(['anonymous', 'cli']);
const ROLES: readonly ProjectRole[] = ['admin', 'maintainer', 'developer', 'guest'];
export const MIN_PASSWORD_LENGTH = 12;
// bcrypt reads only the first 72 bytes, and the hasher refuses longer secrets at login: a
// longer password would be stored yet never accepted, so it is refused here, never truncated.
export const MAX_PASSWORD_BYTES = 72;
/** The one password rule, as every refusal states it. */
export const PASSWORD_RULE = `at least ${MIN_PASSWORD_LENGTH} characters, at most ${MAX_PASSWORD_BYTES} bytes of UTF-8, and not only whitespace`;

export function assertUserName(name: string): string {
  if (!USER_NAME.test(name)) {
    throw new InvalidInputError(`invalid user name "${clip(name)}"`, {
      name: clip(name),
      rule: '2 to 64 characters: a lowercase letter or digit, then lowercase letters, digits, ".", "_" or "-"',
    });
  }
  if (RESERVED_USERS.has(name)) throw new InvalidInputError(`the user name "${name}" is reserved`, { name });
  return name;
}

/** A project is the first component of its repositories' names, so it is exactly one component. */
export function assertProjectName(name: string): string {
  if (name.includes('/')) {
    throw new NameInvalidError(`invalid project name "${clip(name)}": a project is one name component, without "/"`, {
      name: clip(name),
    });
  }
  return assertName(name);
}

export function assertRobotName(name: string): string {
  if (!ROBOT_NAME.test(name)) {
    throw new InvalidInputError(`invalid robot name "${clip(name)}"`, {
      name: clip(name),
      rule: '1 to 64 characters: a lowercase letter or digit, then lowercase letters, digits, ".", "_" or "-"',
    });
  }
  return name;
}

export function assertRole(role: string): ProjectRole {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new InvalidInputError(`invalid role "${clip(role)}"; use one of ${ROLES.join(', ')}`, { role: clip(role), roles: ROLES });
  }
  return role as ProjectRole;
}

export function assertVisibility(visibility: string): Visibility {
  if (visibility !== 'public' && visibility !== 'private') {
    throw new InvalidInputError(`invalid visibility "${clip(visibility)}"; use public or private`, { visibility: clip(visibility) });
  }
  return visibility;
}

/** A robot's grant: a non-empty subset of pull, push, delete, returned deduplicated in that order. */
export function assertRobotActions(actions: readonly string[]): Action[] {
  const unknown = actions.filter((a) => !isAction(a));
  if (unknown.length > 0 || actions.length === 0) {
    throw new InvalidInputError(
      actions.length === 0 ? 'a robot needs at least one action' : `unknown robot action(s): ${unknown.map(clip).join(', ')}`,
      { actions: ALL_ACTIONS },
    );
  }
  return ALL_ACTIONS.filter((a) => actions.includes(a));
}

/**
 * The one password rule for every way a password is set (the bootstrap admin, the CLI, the
 * API): at least MIN_PASSWORD_LENGTH characters (code points), at most MAX_PASSWORD_BYTES
 * bytes of UTF-8, and not only whitespace. `what` names the value in the message.
 */
export function assertPassword(password: string, what = 'the password'): string {
  const rule = { rule: PASSWORD_RULE, minLength: MIN_PASSWORD_LENGTH, maxBytes: MAX_PASSWORD_BYTES };
  const bytes = Buffer.byteLength(password, 'utf8');
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new InvalidInputError(`${what} is too short: a password needs ${PASSWORD_RULE}`, rule);
  }
  if (bytes > MAX_PASSWORD_BYTES) {
    throw new InvalidInputError(
      `${what} is too long (${bytes} bytes of UTF-8; the hash would silently ignore the rest): a password needs ${PASSWORD_RULE}`,
      rule,
    );
  }
  if (password.trim() === '') throw new InvalidInputError(`${what} is only whitespace: a password needs ${PASSWORD_RULE}`, rule);
  return password;
}

/** A label for a personal access token: printable, 1 to 64 characters. */
export function assertTokenName(name: string): string {
  // Control characters would garble the listings and terminals that show the name.
  if (name.trim() === '' || name.length > 64 || /[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw new InvalidInputError('a token name is 1 to 64 printable characters', { name: clip(name) });
  }
  return name;
}

export function assertFutureExpiry(expiresAt: Date | undefined, now: Date): Date | undefined {
  if (expiresAt === undefined) return undefined;
  if (Number.isNaN(expiresAt.getTime())) throw new InvalidInputError('the expiry is not a valid time');
  if (expiresAt.getTime() <= now.getTime()) {
    throw new InvalidInputError('the expiry must be in the future', { expiresAt: expiresAt.toISOString() });
  }
  return expiresAt;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
