/**
 * registry:2's htpasswd mode: every request carries Basic credentials checked against the
 * file; anyone in the file may do anything, and nobody else anything. Checked credentials are
 * memoised briefly by hash, because bcrypt on every request would cap pulls at a few hundred
 * per second. Failed checks are throttled by the same LoginLimiter as the built-in logins (per
 * name and address, with backoff), and absurd credentials are refused before bcrypt.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_LOGIN_SECRET_BYTES } from '../../core/access/authenticator.js';
import type { LoginLimiter } from '../../core/access/login-limiter.js';
import { signInMessage } from '../../core/access/refusal.js';
import { TooManyRequestsError, UnauthorizedError, UnavailableError } from '../../core/errors.js';
import { CredentialListUnreadableError, type CredentialChecker } from '../../ports/credential-checker.js';
import type { AccessGuard, CallerAccess } from './access-guard.js';
import { parseBasic } from './basic-credentials.js';
import { requestAuthority } from './realm.js';

const MEMO_MS = 60_000;
const MAX_MEMO = 10_000;
// htpasswd names are free text, so bound them by size only: far above any real entry.
const MAX_CREDENTIAL_BYTES = MAX_LOGIN_SECRET_BYTES;

export class BasicGuard implements AccessGuard {
  private readonly memo = new Map<string, number>();

  constructor(
    private readonly checker: CredentialChecker,
    private readonly realm: string,
    private readonly now: () => number,
    private readonly limiter?: LoginLimiter,
  ) {}

  async check(request: FastifyRequest, reply: FastifyReply): Promise<CallerAccess> {
    const header = request.headers.authorization;
    const credentials = header === undefined ? undefined : parseBasic(header);
    if (!credentials) throw this.challenge(reply, signInMessage(requestAuthority(request)));
    const key = createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('base64');
    const until = this.memo.get(key);
    if (until === undefined || until <= this.now()) {
      const { username, password } = credentials;
      if (Buffer.byteLength(username) + Buffer.byteLength(password) > MAX_CREDENTIAL_BYTES) {
        await this.limiter?.fail(undefined, request.ip);
        throw this.challenge(reply, 'invalid username or password');
      }
      const blocked = await this.limiter?.blocked(username, request.ip);
      if (blocked !== undefined) {
        throw new TooManyRequestsError('too many failed logins; wait and try again', { retryAfterSeconds: Math.max(1, Math.ceil(blocked.waitMs / 1000)) });
      }
      if (!(await this.verify(username, password))) {
        this.memo.delete(key);
        await this.limiter?.fail(username, request.ip);
        throw this.challenge(reply, 'invalid username or password');
      }
      await this.limiter?.succeed(username, request.ip);
      if (this.memo.size >= MAX_MEMO) this.memo.clear();
      this.memo.set(key, this.now() + MEMO_MS);
    }
    return { actor: credentials.username, unrestricted: true, may: async () => true, pullable: async (r) => r };
  }

  private async verify(username: string, password: string): Promise<boolean> {
    try {
      return await this.checker.check(username, password);
    } catch (error) {
      if (!(error instanceof CredentialListUnreadableError)) throw error;
      // Not the caller's fault and not a wrong password: no throttling, and the path stays in the server's log.
      throw new UnavailableError("the registry cannot check passwords: its htpasswd file cannot be read; ask the registry's operator to fix it (the server log names the file)");
    }
  }

  private challenge(reply: FastifyReply, message: string) {
    reply.header('www-authenticate', `Basic realm="${this.realm.replace(/"/g, '')}"`);
    return new UnauthorizedError(message);
  }
}
