/**
 * What the access-control tests share: the built-in auth config, accounts set up directly in the
 * AccessStore (the admin API is not what these tests are about), and the client side of the
 * Docker token flow — challenges, /token requests, JWT payloads.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { Composed } from '../../../src/compose/compose.js';
import { buildConfig } from '../../../src/config/build-config.js';
import type { BerthConfig } from '../../../src/config/config.js';
import { emptyMap } from '../../../src/config/raw-value.js';
import { ValueOrigins } from '../../../src/config/value-origins.js';
import type { ProjectRole, Visibility } from '../../../src/ports/access-store.js';
import type { Client, Reply, RequestOptions } from './http-client.js';

export const SERVICE = 'berth';
export const ISSUER = 'berth-token-service';

type BuiltinAuth = Extract<BerthConfig['auth'], { mode: 'builtin' }>;

/** The shipped defaults of `auth.builtin` (from the real config builder), with `overrides`. */
export function builtinAuth(overrides: Partial<BuiltinAuth> = {}): BuiltinAuth {
  const defaults = buildConfig(emptyMap(), new ValueOrigins(), process.cwd()).config.auth;
  assert.equal(defaults.mode, 'builtin', 'built-in auth is the default');
  if (defaults.mode !== 'builtin') throw new Error('unreachable');
  // The tests below name the service and issuer they expect, so pin them.
  return { ...defaults, service: SERVICE, issuer: ISSUER, realm: undefined, ...overrides };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A client that sends `headers` on every request (a logged-in tool, or a fixed Bearer token). */
export function withHeaders(c: Client, headers: Record<string, string>): Client {
  const request = (method: string, path: string, options: RequestOptions = {}) =>
    c.request(method, path, { ...options, headers: { ...headers, ...options.headers } });
  return {
    base: c.base,
    request,
    get: (path, options) => request('GET', path, options),
    head: (path, options) => request('HEAD', path, options),
    put: (path, options) => request('PUT', path, options),
    post: (path, options) => request('POST', path, options),
    patch: (path, options) => request('PATCH', path, options),
    delete: (path, options) => request('DELETE', path, options),
  };
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one `WWW-Authenticate` challenge (`Bearer realm="…",service="…",scope="…"`). */
export function parseChallenge(header: string | null): Challenge {
  assert.ok(header, 'a 401 must carry WWW-Authenticate');
  const match = /^(\w+)\s+(.*)$/.exec(header);
  assert.ok(match, `unparseable challenge: ${header}`);
  const params: Record<string, string> = {};
  for (const [, key, value] of match[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[key!] = value!;
  return { scheme: match[1]!, params };
}

export interface TokenAnswer {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

export interface TokenRequest {
  /** Basic credentials; anonymous without. */
  credentials?: { username: string; password: string };
  scopes: readonly string[];
  /** docker login's `offline_token=true&client_id=docker` (answered without a refresh token). */
  offline?: boolean;
}

/** GET <realm>?service=…&scope=…, as containers/image and docker do; the raw reply. */
export function requestToken(c: Client, realm: string, request: TokenRequest): Promise<Reply> {
  const url = new URL(realm);
  url.searchParams.set('service', SERVICE);
  if (request.credentials) url.searchParams.set('account', request.credentials.username);
  for (const scope of request.scopes) url.searchParams.append('scope', scope);
  if (request.offline) {
    url.searchParams.set('offline_token', 'true');
    url.searchParams.set('client_id', 'docker');
  }
  const headers: Record<string, string> = request.credentials
    ? { authorization: basic(request.credentials.username, request.credentials.password) }
    : {};
  return c.get(url.toString(), { headers });
}

/** POST <realm> with a form body, as containerd (password grant) and docker (refresh) do. */
export function postToken(c: Client, realm: string, form: Record<string, string>): Promise<Reply> {
  return c.post(realm, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * The OAuth2 offline login, the one way to get a refresh token: POST grant_type=password with
 * access_type=offline (docker's GET offline_token=true gets none; see token-route.ts).
 */
export function offlineLogin(c: Client, realm: string, credentials: { username: string; password: string }, scopes: readonly string[] = []): Promise<Reply> {
  return postToken(c, realm, {
    grant_type: 'password',
    username: credentials.username,
    password: credentials.password,
    service: SERVICE,
    client_id: 'berth-tests',
    access_type: 'offline',
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
  });
}

export function tokenAnswer(reply: Reply, what = 'token request'): TokenAnswer {
  assert.equal(reply.status, 200, `${what}: ${reply.status} ${reply.text.slice(0, 300)}`);
  const answer = JSON.parse(reply.text) as TokenAnswer;
  assert.equal(typeof answer.token, 'string', `${what}: no token in ${reply.text}`);
  assert.equal(answer.access_token, answer.token, 'token and access_token are the same token');
  return answer;
}

export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown> & { access?: AccessClaim[] };
  signature: string;
}

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'a JWS compact token has three parts');
  const part = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: part(parts[0]!), payload: part(parts[1]!), signature: parts[2]! };
}

/** The actions a token grants on one repository (none when it has no claim for it). */
export function grantedActions(token: string, repository: string): string[] {
  const claims = decodeJwt(token).payload.access ?? [];
  return claims.filter((c) => c.type === 'repository' && c.name === repository).flatMap((c) => c.actions);
}

/** Accounts made directly in the store, with secrets hashed by the server's own hasher. */
export class Accounts {
  constructor(private readonly composed: Composed) {}

  private get hasher() {
    const access = this.composed.access;
    assert.ok(access, 'the server must run with auth: builtin');
    return access.hasher;
  }

  private get store() {
    return this.composed.accessStore;
  }

  async project(name: string, visibility: Visibility): Promise<void> {
    await this.store.createProject({ name, visibility, createdAt: new Date() });
  }

  async user(name: string, password: string, options: { systemAdmin?: boolean } = {}): Promise<{ username: string; password: string }> {
    await this.store.createUser({
      name,
      passwordHash: await this.hasher.hash(password),
      systemAdmin: options.systemAdmin ?? false,
      disabled: false,
      createdAt: new Date(),
    });
    return { username: name, password };
  }

  async member(project: string, user: string, role: ProjectRole): Promise<void> {
    await this.store.setMember({ project, user, role });
  }

  /** A personal access token; resolves to the Basic credentials that use it as the password. */
  async personalToken(user: string, options: { expiresAt?: Date } = {}): Promise<{ username: string; password: string }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(18).toString('base64url');
    await this.store.createToken({
      id,
      user,
      name: `token-${id}`,
      secretHash: await this.hasher.hash(secret),
      expiresAt: options.expiresAt,
      createdAt: new Date(),
      lastUsedAt: undefined,
    });
    return { username: user, password: `bpat_${id}_${secret}` };
  }

  async robot(
    project: string,
    name: string,
    actions: string[],
    options: { expiresAt?: Date } = {},
  ): Promise<{ username: string; password: string }> {
    const fullName = `robot$${project}+${name}`;
    const secret = randomBytes(18).toString('base64url');
    await this.store.createRobot({
      name: fullName,
      project,
      secretHash: await this.hasher.hash(secret),
      actions,
      expiresAt: options.expiresAt,
      disabled: false,
      createdAt: new Date(),
    });
    return { username: fullName, password: secret };
  }
}

/** A GET or POST sent from a chosen loopback address, so tests can be several clients. */
export function requestFrom(localAddress: string, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', fail);
      response.once('end', () => {
        const body = Buffer.concat(chunks);
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (typeof value === 'string') headers.set(name, value);
          else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        }
        ok({ status: response.statusCode ?? 0, headers, body, text: body.toString('utf8') });
      });
    });
    request.once('error', fail);
    request.end(options.body);
  });
}
