/**
 * bcrypt, the KDF htpasswd files use too, so one verifier serves both. Cost 10 keeps a login
 * around 50-100 ms on this class of machine; logins are rare next to pulls, and /v2 requests
 * with Basic credentials are memoised after the first check.
 */
import bcrypt from 'bcryptjs';
import type { PasswordHasher } from '../../ports/password-hasher.js';

/** What bcrypt reads of a secret; core's password rule (admin-rules.ts) keeps to it. */
const MAX_BYTES = 72;

export class BcryptPasswordHasher implements PasswordHasher {
  constructor(private readonly cost = 10) {}

  async hash(secret: string): Promise<string> {
    // bcrypt would keep only the first 72 bytes, and verify() refuses longer secrets, so such a
    // hash could never be matched: a caller that gets here skipped the password rule.
    if (Buffer.byteLength(secret) > MAX_BYTES) throw new Error(`bcrypt cannot hash a secret over ${MAX_BYTES} bytes; refuse it before hashing`);
    return bcrypt.hash(secret, this.cost);
  }

  async verify(secret: string, hash: string): Promise<boolean> {
    // bcrypt reads only the first 72 bytes; refusing longer secrets avoids a false match on a
    // shared prefix.
    if (Buffer.byteLength(secret) > MAX_BYTES) return false;
    try {
      return await bcrypt.compare(secret, hash);
    } catch {
      return false;
    }
  }
}
