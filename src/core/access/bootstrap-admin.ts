/**
 * A fresh install gets one system admin, so the registry is never open by accident and never
 * locked with nobody able to sign in. The password comes from the operator or is generated and
 * returned once for the caller to show; it is stored only as a hash.
 */
import { randomBytes } from 'node:crypto';
import type { AccessStore } from '../../ports/access-store.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import { InvalidInputError } from '../errors.js';
import { assertPassword, PASSWORD_RULE } from './admin-rules.js';

export const BOOTSTRAP_ADMIN = 'admin';

export async function bootstrapAdmin(
  store: AccessStore,
  hasher: PasswordHasher,
  given: string | undefined,
  now: () => Date,
): Promise<{ name: string; generatedPassword: string | undefined } | undefined> {
  if ((await store.countUsers()) > 0) return undefined;
  // Checked only when it is used: on an install that already has users the variable is ignored.
  // An empty value is refused rather than read as unset: it is more likely a mistake (a
  // template's blank) than a request for a generated password, and never an acceptable one.
  if (given === '') {
    throw new InvalidInputError(
      `BERTH_ADMIN_PASSWORD is set but empty; set it to a password of ${PASSWORD_RULE}, or unset it to have one generated and printed once`,
    );
  }
  const password = given === undefined ? randomBytes(18).toString('base64url') : assertPassword(given, 'BERTH_ADMIN_PASSWORD (used only on the first start, to create the admin)');
  await store.createUser({
    name: BOOTSTRAP_ADMIN,
    passwordHash: await hasher.hash(password),
    systemAdmin: true,
    disabled: false,
    createdAt: now(),
  });
  return { name: BOOTSTRAP_ADMIN, generatedPassword: given === undefined ? password : undefined };
}
