/**
 * Who is calling /api/v1: HTTP Basic (a password, a personal access token, or a robot secret,
 * checked by the same Authenticator as `docker login`, throttling included), a Bearer token
 * from /token, or nobody. A 401 challenges with Bearer, not Basic, so a browser running the
 * web UI never pops up its own login dialog; scripts send Basic anyway.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/access/admin-context.js';
import type { Authenticator } from '../../core/access/authenticator.js';
import type { TokenService } from '../../core/access/token-service.js';
import { UnauthorizedError } from '../../core/errors.js';
import { parseBasic } from '../auth/basic-credentials.js';
import { tokenRealm } from '../auth/realm.js';

export interface ApiCallerOptions {
  authenticator: Authenticator;
  tokens: TokenService;
  /** Absolute /token URL for challenges; derived from the request when undefined. */
  realm: string | undefined;
}

export class ApiCaller {
  constructor(private readonly options: ApiCallerOptions) {}

  async identify(request: FastifyRequest): Promise<Actor> {
    const clientIp = request.ip;
    const header = request.headers.authorization;
    if (header === undefined) return { kind: 'anonymous', clientIp };
    if (/^basic /i.test(header)) {
      const credentials = parseBasic(header);
      if (!credentials) throw new UnauthorizedError('malformed Basic credentials');
      const principal = await this.options.authenticator.login(credentials.username, credentials.password, clientIp);
      return { ...principal, clientIp };
    }
    if (/^bearer /i.test(header)) {
      const { subject, kind } = this.options.tokens.verifyAccess(header.slice(7).trim());
      if (subject === '') return { kind: 'anonymous', clientIp };
      const principal = await this.options.authenticator.resolve(subject, kind);
      if (!principal) throw new UnauthorizedError('the account of this token can no longer sign in');
      return { ...principal, clientIp };
    }
    throw new UnauthorizedError('unsupported Authorization scheme; use Basic or Bearer');
  }

  /** Sets the challenge a 401 from /api/v1 carries. */
  challenge(request: FastifyRequest, reply: FastifyReply): void {
    reply.header('www-authenticate', `Bearer realm="${tokenRealm(request, this.options.realm)}",service="${this.options.tokens.service}"`);
  }
}
