/**
 * /token: the Docker token spec's endpoint.
 *   GET  /token?service=…&scope=…&scope=…[&offline_token=true]   Basic credentials or anonymous
 *   POST /token  grant_type=password (username, password, scope, access_type=offline)
 *                grant_type=refresh_token (refresh_token, scope)
 * Answers `token` and `access_token` (clients read either), `expires_in` and `issued_at`; a
 * `refresh_token` only to the OAuth2 form's `access_type=offline`.
 *
 * GET's `offline_token=true` is docker login's, and it gets no refresh token on purpose: docker
 * would store one as `identitytoken` in config.json, the file podman, buildah and skopeo also
 * read, and they refuse to work with it. Without one docker stores the credentials, which every
 * client reads (as Distribution's and Harbor's token servers do). See
 * docs/architecture-decisions.md, "docker login stores the credentials".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../core/access/authenticator.js';
import { ANONYMOUS, type Principal } from '../../core/access/principal.js';
import type { RefreshTokens } from '../../core/access/refresh-tokens.js';
import { parseScopes } from '../../core/access/scope.js';
import type { TokenService } from '../../core/access/token-service.js';
import { UnauthorizedError } from '../../core/errors.js';
import { readBody } from '../oci/read-body.js';
import { parseBasic } from './basic-credentials.js';
import { connectorScopes } from '../connector/connector-names.js';
import { connectorOf } from '../connector/connector-server.js';

const MAX_FORM_BYTES = 64 * 1024;

export interface TokenRouteDeps {
  tokens: TokenService;
  authenticator: Authenticator;
  refreshTokens: RefreshTokens;
}

export function registerTokenRoute(app: FastifyInstance, deps: TokenRouteDeps): void {
  const { tokens, authenticator, refreshTokens } = deps;
  app.get('/token', async (request, reply) => {
    const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1));
    const header = request.headers.authorization;
    let principal: Principal = ANONYMOUS;
    if (header !== undefined) {
      const credentials = parseBasic(header);
      if (!credentials) throw basicChallenge(reply, 'malformed Basic credentials');
      principal = await loginOrChallenge(authenticator, credentials.username, credentials.password, request, reply);
    }
    return answer(request, reply, deps, principal, query.getAll('scope'), false);
  });

  app.post('/token', async (request, reply) => {
    const form = new URLSearchParams((await readBody(request.raw, MAX_FORM_BYTES, request.headers['content-length'], 'token request form')).toString('utf8'));
    const scopes = form.getAll('scope');
    switch (form.get('grant_type')) {
      case 'password': {
        const principal = await loginOrChallenge(authenticator, form.get('username') ?? '', form.get('password') ?? '', request, reply);
        return answer(request, reply, deps, principal, scopes, form.get('access_type') === 'offline');
      }
      case 'refresh_token': {
        const principal = await refreshTokens.redeem(form.get('refresh_token') ?? '');
        return answer(request, reply, deps, principal, scopes, false);
      }
      default:
        return reply.code(400).send({ errors: [{ code: 'UNSUPPORTED', message: 'grant_type must be password or refresh_token', detail: {} }] });
    }
  });
}

async function answer(request: FastifyRequest, reply: FastifyReply, deps: TokenRouteDeps, principal: Principal, scopes: string[], offline: boolean) {
  // A connector's clients name repositories relative to its project; the token names them whole.
  const connector = connectorOf(request);
  const asked = parseScopes(scopes);
  const issued = await deps.tokens.issue(principal, connector === undefined ? asked : connectorScopes(connector, asked));
  // A refresh token is tied to the credential just checked (refresh-tokens.ts); none for nobody.
  const refreshToken = offline ? await deps.refreshTokens.issue(principal) : undefined;
  return reply.header('cache-control', 'no-store').send({
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  });
}

async function loginOrChallenge(
  authenticator: Authenticator,
  username: string,
  password: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Principal> {
  try {
    return await authenticator.login(username, password, request.ip);
  } catch (error) {
    if (error instanceof UnauthorizedError) basicChallenge(reply, error.message);
    throw error;
  }
}

function basicChallenge(reply: FastifyReply, message: string): UnauthorizedError {
  reply.header('www-authenticate', 'Basic realm="berth"');
  return new UnauthorizedError(message);
}
