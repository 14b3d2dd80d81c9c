/**
 * A fresh install with the built-in access control gets one system admin, so the registry is
 * never open by accident and never locked with nobody able to sign in. The password comes from
 * the operator (BERTH_ADMIN_PASSWORD) or is generated and kept in an InitialPasswordNote
 * (`<root>/admin.password`) until it is changed; the database holds only its hash.
 *
 * The note is written before the account is created: a start that fails afterwards (a port in
 * use, a bad certificate) still leaves the operator a password that works, and one that fails
 * in between leaves no admin, so the next start generates a new one.
 */
import { randomBytes } from 'node:crypto';
import type { AccessStore } from '../../ports/access-store.js';
import type { InitialPasswordNote } from '../../ports/initial-password.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import { InvalidInputError } from '../errors.js';
import { assertPassword, PASSWORD_RULE } from './admin-rules.js';

export const BOOTSTRAP_ADMIN = 'admin';

/** How the admin signs in, for the start-up banner; undefined once that is the operator's business. */
export interface AdminSignIn {
  name: string;
  /** Where the generated password is, while it still works. */
  passwordAt: string | undefined;
  /** Created on this start with BERTH_ADMIN_PASSWORD. */
  fromEnvironment: boolean;
}

export async function bootstrapAdmin(
  store: AccessStore,
  hasher: PasswordHasher,
  given: string | undefined,
  now: () => Date,
  note: InitialPasswordNote,
): Promise<AdminSignIn | undefined> {
  if ((await store.countUsers()) > 0) return keptPassword(store, hasher, note);
  // Checked only when it is used: on an install that already has users the variable is ignored.
  // An empty value is refused rather than read as unset: it is more likely a mistake (a
  // template's blank) than a request for a generated password, and never an acceptable one.
  if (given === '') {
    throw new InvalidInputError(
      `BERTH_ADMIN_PASSWORD is set but empty; set it to a password of ${PASSWORD_RULE}, or unset it to have one generated into ${note.location}`,
    );
  }
  const password = given === undefined ? randomBytes(18).toString('base64url') : assertPassword(given, 'BERTH_ADMIN_PASSWORD (used only on the first start, to create the admin)');
  if (given === undefined) await note.keep(password);
  else await note.discard(); // a note left by an earlier install on this root would name a password that does not work
  try {
    await store.createUser({
      name: BOOTSTRAP_ADMIN,
      passwordHash: await hasher.hash(password),
      systemAdmin: true,
      disabled: false,
      createdAt: now(),
    });
  } catch (error) {
    // Several instances started at once on one new database: another created the admin first.
    // Its password is the one that works, so a note of ours would lie; keptPassword removes it.
    if ((await store.user(BOOTSTRAP_ADMIN)) === undefined) throw error;
    return keptPassword(store, hasher, note);
  }
  return { name: BOOTSTRAP_ADMIN, passwordAt: given === undefined ? note.location : undefined, fromEnvironment: given !== undefined };
}

/**
 * On a later start: the note is announced again while its password still signs the admin in,
 * and removed when it no longer does (changed while the note could not be removed, the admin
 * deleted, a database restored from elsewhere), so the banner never points at a stale password.
 */
async function keptPassword(store: AccessStore, hasher: PasswordHasher, note: InitialPasswordNote): Promise<AdminSignIn | undefined> {
  const password = await note.read();
  if (password === undefined) return undefined;
  const admin = await store.user(BOOTSTRAP_ADMIN);
  if (admin && !admin.disabled && (await hasher.verify(password, admin.passwordHash))) {
    return { name: BOOTSTRAP_ADMIN, passwordAt: note.location, fromEnvironment: false };
  }
  await note.discard();
  return undefined;
}
