/**
 * Remembers, briefly, that a secret matched a stored hash, so a script or UI sending the same
 * password or personal access token on every /api/v1 request pays the slow KDF once a minute
 * rather than per request.
 *
 * Safe because only the KDF's answer is remembered, keyed by the stored hash as well as the
 * secret: the caller still reads the account or token record on every request, so a revoked
 * token, a disabled account or a changed password (a new hash) takes effect at once. Failures
 * are never remembered (each one is checked, and throttled, again). The key is a SHA-256 of
 * hash and secret, so the memo holds no secret in the clear.
 */
import { createHash } from 'node:crypto';
import type { PasswordHasher } from '../../ports/password-hasher.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

export class VerifiedSecrets {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly hasher: PasswordHasher,
    private readonly now: () => number,
  ) {}

  async verify(secret: string, storedHash: string): Promise<boolean> {
    const key = createHash('sha256').update(storedHash).update('\0').update(secret).digest('base64');
    const now = this.now();
    const until = this.until.get(key);
    if (until !== undefined && until > now) return true;
    const ok = await this.hasher.verify(secret, storedHash);
    if (ok) {
      if (this.until.size >= MAX_ENTRIES) this.until.clear();
      this.until.set(key, now + TTL_MS);
    } else {
      this.until.delete(key);
    }
    return ok;
  }
}
