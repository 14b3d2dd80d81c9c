/**
 * One logical request to an upstream: authentication, redirects and retries around the
 * transport. What comes back is a 2xx or a 404; every other outcome is an UpstreamError.
 *
 * Authentication learns the upstream's scheme from its first 401 and then speaks it up front:
 * with a Bearer upstream, later requests fetch (or reuse) the token for their scope before
 * asking, so a warm client costs the upstream one request per operation, not two. Credentials
 * go to the token realm only over https when the upstream itself is https, and the
 * Authorization header never follows a redirect to another host (object storage must not see
 * the upstream's token, and a pre-signed URL refuses a second credential anyway).
 *
 * Retries: connection errors, timeouts before the headers, 429 and 500/502/503/504, with backoff
 * and jitter or the upstream's Retry-After (up to a cap; a longer one fails at once as
 * 'rate-limited' so the caller can serve its cache). Only up to the response headers: the body
 * belongs to the caller, and a blob is never re-fetched once bytes were handed over.
 */
import { Buffer } from 'node:buffer';
import type { UpstreamRetryPolicy } from '../../ports/upstream-registry.js';
import { discard, readLimited, TransportError, type HttpTransport, type TransportResponse } from './http-transport.js';
import * as messages from './upstream-messages.js';
import { backoffMs, parseRetryAfter, retryableStatus, sleep } from './retry-policy.js';
import type { TokenCache } from './token-cache.js';
import { parseChallenges, pickChallenge, type Challenge } from './www-authenticate.js';

export interface ExchangeRequest {
  method: 'GET' | 'HEAD';
  /** Path and query under the upstream's origin: `/v2/library/nginx/manifests/latest`. */
  path: string;
  /** `repository:library/nginx:pull`; undefined for /v2/ itself. */
  scope: string | undefined;
  headers?: Record<string, string>;
  followRedirects: boolean;
  /** For messages: `manifest library/nginx:latest`. */
  what: string;
  signal?: AbortSignal;
}

export interface ExchangeResponse extends TransportResponse {
  /** Where the answer came from (after redirects). */
  url: URL;
}

export interface ExchangeContext {
  origin: URL;
  who: messages.Who;
  credentials: { username: string; password: string } | undefined;
  transport: HttpTransport;
  tokens: TokenCache;
  retry: UpstreamRetryPolicy;
}

const MAX_REDIRECTS = 5;
const TOKEN_BODY_LIMIT = 1024 * 1024;

interface Authorization {
  header: string | undefined;
  /** The token-cache key, when the header is a cached Bearer token that may be stale. */
  cachedKey?: string;
  token?: string;
}

export class UpstreamExchange {
  /** The upstream's challenge, learned from its first 401 and answered up front afterwards. */
  private challenge: Challenge | undefined;

  constructor(private readonly ctx: ExchangeContext) {}

  async send(request: ExchangeRequest): Promise<ExchangeResponse> {
    const { retry, who } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      let response: ExchangeResponse;
      try {
        response = await this.authorized(request);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof TransportError) {
          if (attempt < retry.attempts) {
            await sleep(backoffMs(retry, attempt), request.signal);
            continue;
          }
          throw messages.fromTransport(who, error, request.what);
        }
        throw error;
      }
      const { status } = response;
      if ((status >= 200 && status < 300) || status === 404) return response;
      discard(response.body);
      if (retryableStatus(status)) {
        const retryAfter = parseRetryAfter(response.headers['retry-after']);
        const tooLong = retryAfter !== undefined && retryAfter * 1000 > retry.maxRetryAfterMs;
        if (!tooLong && attempt < retry.attempts) {
          await sleep(retryAfter !== undefined ? retryAfter * 1000 : backoffMs(retry, attempt), request.signal);
          continue;
        }
        if (status === 429 || (tooLong && retryAfter !== undefined)) throw messages.rateLimited(who, status, retryAfter, request.what);
        throw messages.serverError(who, status, request.what, retryAfter);
      }
      if (status === 401 || status === 403) throw messages.refused(who, status, request.what);
      throw messages.unexpectedStatus(who, status, request.what, response.url.host);
    }
  }

  /** The request with the upstream's credentials; at most one fresh round after a 401. */
  private async authorized(request: ExchangeRequest): Promise<ExchangeResponse> {
    let auth = await this.authorizationFor(request.scope, request.signal);
    for (let round = 0; ; round++) {
      const response = await this.follow(request, auth.header);
      // A 401 from a host we were redirected to is that host's business, not a challenge to answer.
      if (response.status !== 401 || response.url.origin !== this.ctx.origin.origin) return response;
      const challenge = pickChallenge(parseChallenges(response.headers['www-authenticate']));
      const stale = auth.cachedKey !== undefined && auth.token !== undefined;
      if (stale) this.ctx.tokens.drop(auth.cachedKey!, auth.token!);
      const learned = challenge !== undefined && !sameChallenge(challenge, this.challenge);
      if (challenge) this.challenge = challenge;
      // Answering again helps only with something new to send: a token that replaces a stale
      // one, or the first answer to a challenge. Otherwise the 401 stands.
      if (round > 0 || !challenge || (!stale && !learned && auth.header !== undefined)) return response;
      if (challenge.scheme === 'basic' && !this.ctx.credentials) return response;
      discard(response.body);
      auth = await this.authorizationFor(challenge.params.scope ?? request.scope, request.signal);
    }
  }

  private async authorizationFor(scope: string | undefined, signal: AbortSignal | undefined): Promise<Authorization> {
    const challenge = this.challenge;
    const { credentials } = this.ctx;
    if (!challenge) return { header: undefined };
    if (challenge.scheme === 'basic') return { header: credentials ? basic(credentials) : undefined };
    const key = `${challenge.params.realm ?? ''} ${challenge.params.service ?? ''} ${scope ?? ''}`;
    const cached = this.ctx.tokens.get(key);
    if (cached !== undefined) return { header: `Bearer ${cached}`, cachedKey: key, token: cached };
    const token = await this.ctx.tokens.obtain(key, () => this.fetchToken(challenge, scope), signal);
    return { header: `Bearer ${token}` };
  }

  /** GET <realm>?service=…&scope=… (Basic when there are credentials), with the same retries. */
  private async fetchToken(challenge: Challenge, scope: string | undefined): Promise<{ token: string; expiresIn: number }> {
    const { who, credentials, origin, retry } = this.ctx;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      throw messages.protocol(who, `sent a Bearer challenge without a usable realm (${JSON.stringify(challenge.params.realm ?? '')})`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw messages.protocol(who, `named a token realm that is not http(s) (${realm.protocol})`);
    if (credentials && realm.protocol === 'http:' && origin.protocol === 'https:') {
      throw messages.protocol(who, `asked for its credentials over plain http (realm ${realm.origin}) although it is served over https`);
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    if (scope) realm.searchParams.set('scope', scope);
    if (credentials) realm.searchParams.set('account', credentials.username);
    const what = `a token${scope ? ` for ${scope}` : ''}`;
    for (let attempt = 1; ; attempt++) {
      let response: TransportResponse;
      try {
        response = await this.ctx.transport.send({
          method: 'GET',
          url: realm,
          headers: { ...(credentials ? { authorization: basic(credentials) } : {}), accept: 'application/json', 'user-agent': USER_AGENT },
        });
      } catch (error) {
        if (error instanceof TransportError) {
          if (attempt < retry.attempts) {
            await sleep(backoffMs(retry, attempt));
            continue;
          }
          throw messages.fromTransport(who, error, what);
        }
        throw error;
      }
      const { status } = response;
      if (status === 200) {
        const body = await readLimited(response.body, TOKEN_BODY_LIMIT);
        if (!body) {
          response.body.destroy();
          throw messages.protocol(who, `sent a token answer over ${TOKEN_BODY_LIMIT} bytes`);
        }
        return parseTokenAnswer(body, who);
      }
      discard(response.body);
      if (retryableStatus(status) && attempt < retry.attempts) {
        const retryAfter = parseRetryAfter(response.headers['retry-after']);
        if (retryAfter === undefined || retryAfter * 1000 <= retry.maxRetryAfterMs) {
          await sleep(retryAfter !== undefined ? retryAfter * 1000 : backoffMs(retry, attempt));
          continue;
        }
      }
      if (status === 401 || status === 403) throw messages.refused(who, status, what, true);
      if (status === 429) throw messages.rateLimited(who, status, parseRetryAfter(response.headers['retry-after']), what);
      if (status >= 500) throw messages.serverError(who, status, what);
      if (status === 404) throw messages.notARegistry(who, status, `its token realm ${realm.origin}${realm.pathname}`);
      throw messages.unexpectedStatus(who, status, what, realm.host);
    }
  }

  /** Sends the request and, when asked to, follows redirects (Authorization only to the upstream's own origin). */
  private async follow(request: ExchangeRequest, authorization: string | undefined): Promise<ExchangeResponse> {
    let url = new URL(request.path, this.ctx.origin);
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === this.ctx.origin.origin;
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...request.headers };
      if (authorization && sameOrigin) headers.authorization = authorization;
      const response = await this.ctx.transport.send({ method: request.method, url, headers, signal: request.signal });
      const location = response.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(response.status) && location !== undefined;
      if (!redirect || !request.followRedirects) return { ...response, url };
      discard(response.body);
      if (hop >= MAX_REDIRECTS) throw messages.protocol(this.ctx.who, `redirected ${request.what} more than ${MAX_REDIRECTS} times`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw messages.protocol(this.ctx.who, `redirected ${request.what} to an unusable location (${JSON.stringify(location)})`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw messages.protocol(this.ctx.who, `redirected ${request.what} to a ${next.protocol} URL`);
      }
      url = next;
    }
  }
}

const USER_AGENT = 'berth-upstream/1';

function basic(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function sameChallenge(a: Challenge, b: Challenge | undefined): boolean {
  return b !== undefined && a.scheme === b.scheme && a.params.realm === b.params.realm && a.params.service === b.params.service;
}

function parseTokenAnswer(body: Buffer, who: messages.Who): { token: string; expiresIn: number } {
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw messages.protocol(who, 'sent a token answer that is not JSON', error);
  }
  const record = (answer ?? {}) as Record<string, unknown>;
  const token = typeof record.token === 'string' && record.token ? record.token : record.access_token;
  if (typeof token !== 'string' || token === '') throw messages.protocol(who, 'sent a token answer without a token');
  // The spec's default lifetime is 60 s; a nonsense value falls back to it too.
  const expiresIn = typeof record.expires_in === 'number' && record.expires_in > 0 ? record.expires_in : 60;
  return { token, expiresIn };
}
