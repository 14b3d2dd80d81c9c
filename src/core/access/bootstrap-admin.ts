/**
 * A fresh install gets one system admin, so the registry is never open by accident and never
 * locked with nobody able to sign in. The password comes from the operator or is generated and
 * returned once for the caller to show; it is stored only as a hash.
 */
import { randomBytes } from 'node:crypto';
import type { AccessStore } from '../../ports/access-store.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';

export const BOOTSTRAP_ADMIN = 'admin';

export async function bootstrapAdmin(
  store: AccessStore,
  hasher: PasswordHasher,
  given: string | undefined,
  now: () => Date,
): Promise<{ name: string; generatedPassword: string | undefined } | undefined> {
  if ((await store.countUsers()) > 0) return undefined;
  const password = given ?? randomBytes(18).toString('base64url');
  await store.createUser({
    name: BOOTSTRAP_ADMIN,
    passwordHash: await hasher.hash(password),
    systemAdmin: true,
    disabled: false,
    createdAt: now(),
  });
  return { name: BOOTSTRAP_ADMIN, generatedPassword: given === undefined ? password : undefined };
}
