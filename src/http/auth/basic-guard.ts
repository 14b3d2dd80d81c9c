/**
 * registry:2's htpasswd mode: every request carries Basic credentials checked against the
 * file; anyone in the file may do anything, and nobody else anything. Checked credentials are
 * memoised briefly by hash, because bcrypt on every request would cap pulls at a few hundred
 * per second.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../core/errors.js';
import type { CredentialChecker } from '../../ports/credential-checker.js';
import type { AccessGuard, CallerAccess } from './access-guard.js';
import { parseBasic } from './basic-credentials.js';

const MEMO_MS = 60_000;
const MAX_MEMO = 10_000;

export class BasicGuard implements AccessGuard {
  private readonly memo = new Map<string, number>();

  constructor(
    private readonly checker: CredentialChecker,
    private readonly realm: string,
    private readonly now: () => number,
  ) {}

  async check(request: FastifyRequest, reply: FastifyReply): Promise<CallerAccess> {
    const header = request.headers.authorization;
    const credentials = header === undefined ? undefined : parseBasic(header);
    if (!credentials) throw this.challenge(reply, 'authentication required');
    const key = createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('base64');
    const until = this.memo.get(key);
    if (until === undefined || until <= this.now()) {
      if (!(await this.checker.check(credentials.username, credentials.password))) {
        this.memo.delete(key);
        throw this.challenge(reply, 'invalid username or password');
      }
      if (this.memo.size >= MAX_MEMO) this.memo.clear();
      this.memo.set(key, this.now() + MEMO_MS);
    }
    return { actor: credentials.username, unrestricted: true, may: async () => true, pullable: async (r) => r };
  }

  private challenge(reply: FastifyReply, message: string) {
    reply.header('www-authenticate', `Basic realm="${this.realm.replace(/"/g, '')}"`);
    return new UnauthorizedError(message);
  }
}
