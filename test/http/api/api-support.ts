/**
 * What the /api/v1 tests share: a server with built-in auth whose bootstrap admin has a known
 * password, and a client that speaks JSON as a given account (Basic with the password: what
 * creating users and tokens needs; the server remembers a checked password briefly, so the
 * slow hash is not paid per request). Registry tokens from /token are refused on /api/v1.
 */
import { strict as assert } from 'node:assert';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/test-server.js';
import { builtinAuth } from '../support/auth.js';
import { client, expectStatus, json, type Reply } from '../support/http-client.js';

export const ADMIN_PASSWORD = 'bootstrap-admin-pw';

export async function startApiServer(
  overrides: {
    createProjectsOnPush?: boolean;
    now?: () => Date;
    deleteEnabled?: boolean;
    sessionNow?: () => Date;
    session?: Partial<ReturnType<typeof builtinAuth>['session']>;
    loginLimits?: TestServerOptions['loginLimits'];
    ui?: TestServerOptions['ui'];
    connectors?: TestServerOptions['connectors'];
  } = {},
): Promise<TestServer> {
  process.env.BERTH_ADMIN_PASSWORD = ADMIN_PASSWORD;
  try {
    return await startTestServer({
      now: overrides.now,
      deleteEnabled: overrides.deleteEnabled,
      sessionNow: overrides.sessionNow,
      loginLimits: overrides.loginLimits,
      ui: overrides.ui,
      connectors: overrides.connectors,
      auth: {
        mode: 'builtin',
        service: 'berth',
        issuer: 'berth-token-service',
        realm: undefined,
        anonymousPull: true,
        createProjectsOnPush: overrides.createProjectsOnPush ?? false,
        tokenTtlSeconds: 300,
        auditRetentionSeconds: 0,
        loginThrottle: builtinAuth().loginThrottle,
        session: { ...builtinAuth().session, ...overrides.session },
      },
    });
  } finally {
    delete process.env.BERTH_ADMIN_PASSWORD;
  }
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface Api {
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  delete(path: string): Promise<Reply>;
  /** Sends `body` as JSON (a string is sent as it is, for malformed-body tests). */
  send(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
}

/** A client acting with `authorization` (or anonymously when undefined). */
export function api(server: TestServer, authorization: string | undefined): Api {
  const c = client(server.url);
  const auth: Record<string, string> = authorization === undefined ? {} : { authorization };
  return {
    get: (path, headers = {}) => c.get(path, { headers: { ...auth, ...headers } }),
    delete: (path) => c.delete(path, { headers: auth }),
    send: (method, path, body, headers = {}) =>
      c.request(method, path, {
        headers: { 'content-type': 'application/json', ...auth, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

/** A registry (/v2) Bearer token for `username` from the token service, with `scopes`. */
export async function registryBearer(server: TestServer, username: string | undefined, password = '', scopes: string[] = []): Promise<string> {
  const query = ['service=berth', ...scopes.map((s) => `scope=${encodeURIComponent(s)}`)].join('&');
  const headers: Record<string, string> = username === undefined ? {} : { authorization: basic(username, password) };
  const reply = await client(server.url).get(`/token?${query}`, { headers });
  expectStatus(reply, 200, `token for ${username ?? 'anonymous'}`);
  const token = json<{ token: string }>(reply).token;
  assert.ok(token);
  return `Bearer ${token}`;
}

/** The admin API as the bootstrap admin. */
export async function adminApi(server: TestServer): Promise<Api> {
  return api(server, basic('admin', ADMIN_PASSWORD));
}

/** Creates a user through the API and returns an API client acting as them. */
export async function userApi(server: TestServer, admin: Api, name: string, systemAdmin = false): Promise<Api> {
  const password = `${name}-password`;
  expectStatus(await admin.send('POST', '/api/v1/users', { name, password, systemAdmin }), 201, `create ${name}`);
  return api(server, basic(name, password));
}
