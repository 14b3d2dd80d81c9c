/**
 * bcrypt, the KDF htpasswd files use too, so one verifier serves both. Cost 10 keeps a login
 * around 50-100 ms on this class of machine; logins are rare next to pulls, and /v2 requests
 * with Basic credentials are memoised after the first check.
 */
import bcrypt from 'bcryptjs';
import type { PasswordHasher } from '../../ports/password-hasher.js';

export class BcryptPasswordHasher implements PasswordHasher {
  constructor(private readonly cost = 10) {}

  hash(secret: string): Promise<string> {
    return bcrypt.hash(secret, this.cost);
  }

  async verify(secret: string, hash: string): Promise<boolean> {
    // bcrypt reads only the first 72 bytes; refusing longer secrets avoids a false match on a
    // shared prefix.
    if (Buffer.byteLength(secret) > 72) return false;
    try {
      return await bcrypt.compare(secret, hash);
    } catch {
      return false;
    }
  }
}
