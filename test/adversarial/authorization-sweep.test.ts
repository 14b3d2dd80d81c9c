/**
 * Every credential kind on every /api/v1 operation of a real `berth serve` process, each cell
 * checked against the table below. The table is the specification, written by hand:
 *
 * - Registry tokens (the JWTs /token issues, access and refresh alike) are for /v2 only: on
 *   /api/v1 they get 401 with a message that says what to use instead (`J`), even when the
 *   account behind them is a system admin (the tokens here are the admin's).
 * - A personal access token, as the Basic password or as `Bearer bpat_…`, acts as its user,
 *   except that creating credentials (tokens, users, robots) and setting a password need the
 *   password itself (403), even the own one with the current password given: the token must
 *   not be a way to guess the password where no login throttle applies.
 * - A wrong kind of credential is refused even where no credential is needed (a registry token
 *   on the public OpenAPI document), so a client learns at once that it sends the wrong thing.
 * - A robot acts only where a robot may: reading its own project, its policy, usage and
 *   deleted tags, and who it is; everything that manages anything is 403.
 * - Non-admins get 403 on system-admin operations; `dev` manages project `team` (its admin).
 * - Anonymous callers get 401, except on what is public (the OpenAPI document, the list of
 *   public projects); where the target's existence is private (project `team`, its
 *   repositories) they get 404, which discloses no more than a 401 would.
 *
 * Cells that should succeed act on targets made fresh for the cell (a user to delete, a token
 * to revoke, …); refused cells aim at shared targets, so a hole that lets one through shows as a
 * wrong status here and in the cells after it. Each row is one test, so a failure names its row.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { RegistryProcess } from '../support/registry-process.js';
import { offlineLogin, withHeaders } from '../http/support/auth.js';
import { OCI_MANIFEST } from '../http/support/content.js';
import { client, expectStatus, json, type Client, type Reply } from '../http/support/http-client.js';
import { pushImage, pushManifest, type PushedImage } from '../http/support/push.js';
import { ADMIN, basicOf, isEnvelope, seedAccounts, startGuardedBerth, type Seeded } from './support.js';

const CREDENTIALS = ['none', 'access JWT', 'refresh JWT', 'PAT Basic', 'PAT Bearer', 'robot', 'dev password', 'admin password'] as const;
type Credential = (typeof CREDENTIALS)[number];
/** An HTTP status, or `J`: 401 whose message says which credentials /api/v1 takes. */
type Expect = number | 'J';
const J = 'J';

// prettier-ignore
const EXPECTED: ReadonlyArray<readonly [string, ...Expect[]]> = [
  // operation                                                     none access refresh PAT  PAT-B robot dev  admin
  ['GET /api/v1/openapi.json',                                     200, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/me',                                               401, J,     J,      200, 200,  200,  200, 200],
  // The web UI's sign-in: the body is the credential (dev's password), whatever the header says.
  ['POST /api/v1/session',                                         200, 200,   200,    200, 200,  200,  200, 200],
  ['GET /api/v1/session',                                          200, J,     J,      200, 200,  200,  200, 200],
  ['DELETE /api/v1/session',                                       204, J,     J,      204, 204,  204,  204, 204],
  ['GET /api/v1/system',                                           200, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/users',                                            401, J,     J,      403, 403,  403,  403, 200],
  ['POST /api/v1/users',                                           401, J,     J,      403, 403,  403,  403, 201],
  ['GET /api/v1/users/{name}',                                     401, J,     J,      200, 200,  403,  200, 200],
  ['DELETE /api/v1/users/{name}',                                  401, J,     J,      403, 403,  403,  403, 204],
  ['GET /api/v1/users/{name}/tokens',                              401, J,     J,      200, 200,  403,  200, 200],
  ['POST /api/v1/users/{name}/tokens',                             401, J,     J,      403, 403,  403,  201, 201],
  ['DELETE /api/v1/users/{name}/tokens/{id}',                      401, J,     J,      204, 204,  403,  204, 204],
  ['GET /api/v1/users/{name}/refresh-tokens',                      401, J,     J,      200, 200,  403,  200, 200],
  ['DELETE /api/v1/users/{name}/refresh-tokens/{id}',              401, J,     J,      204, 204,  403,  204, 204],
  ['GET /api/v1/projects',                                         200, J,     J,      200, 200,  200,  200, 200],
  ['POST /api/v1/projects',                                        401, J,     J,      403, 403,  403,  403, 201],
  ['GET /api/v1/projects/{name}',                                  404, J,     J,      200, 200,  200,  200, 200],
  ['PATCH /api/v1/projects/{name}',                                401, J,     J,      200, 200,  403,  200, 200],
  ['GET /api/v1/projects/{name}/members',                          404, J,     J,      200, 200,  403,  200, 200],
  ['GET /api/v1/projects/{name}/members/{user}',                   404, J,     J,      200, 200,  403,  200, 200],
  ['PUT /api/v1/projects/{name}/members/{user}',                   401, J,     J,      200, 200,  403,  200, 200],
  ['DELETE /api/v1/projects/{name}/members/{user}',                401, J,     J,      204, 204,  403,  204, 204],
  ['GET /api/v1/projects/{name}/robots',                           401, J,     J,      200, 200,  403,  200, 200],
  ['POST /api/v1/projects/{name}/robots',                          401, J,     J,      403, 403,  403,  201, 201],
  ['DELETE /api/v1/robots/{name}',                                 401, J,     J,      204, 204,  403,  204, 204],
  // Webhooks: the project's admins (dev) and system admins; a webhook secret is not an account
  // credential, so a personal access token may manage them.
  ['GET /api/v1/projects/{name}/webhooks',                         401, J,     J,      200, 200,  403,  200, 200],
  ['POST /api/v1/projects/{name}/webhooks',                        401, J,     J,      201, 201,  403,  201, 201],
  ['GET /api/v1/projects/{name}/webhooks/{id}',                    401, J,     J,      200, 200,  403,  200, 200],
  ['PATCH /api/v1/projects/{name}/webhooks/{id}',                  401, J,     J,      200, 200,  403,  200, 200],
  ['DELETE /api/v1/projects/{name}/webhooks/{id}',                 401, J,     J,      204, 204,  403,  204, 204],
  ['GET /api/v1/projects/{name}/webhooks/{id}/deliveries',         401, J,     J,      200, 200,  403,  200, 200],
  ['GET /api/v1/audit',                                            401, J,     J,      403, 403,  403,  403, 200],
  ['GET /api/v1/settings',                                         401, J,     J,      403, 403,  403,  403, 200],
  ['PATCH /api/v1/settings',                                       401, J,     J,      403, 403,  403,  403, 200],
  ['GET /api/v1/projects/{name}/policy',                           404, J,     J,      200, 200,  200,  200, 200],
  ['PATCH /api/v1/projects/{name}/policy',                         401, J,     J,      200, 200,  403,  200, 200],
  ['GET /api/v1/projects/{name}/usage',                            404, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/usage',                                            401, J,     J,      403, 403,  403,  403, 200],
  ['POST /api/v1/projects/{name}/retention/run',                   401, J,     J,      200, 200,  403,  200, 200],
  ['GET /api/v1/gc',                                               401, J,     J,      403, 403,  403,  403, 200],
  ['POST /api/v1/gc',                                              401, J,     J,      403, 403,  403,  403, 200],
  ['DELETE /api/v1/repositories/{name}',                           404, J,     J,      200, 200,  403,  200, 200],
  ['DELETE /api/v1/repositories/{name}/-/tags/{tag}',              404, J,     J,      204, 204,  403,  204, 204],
  ['DELETE /api/v1/repositories/{name}/-/manifests/{digest}',      404, J,     J,      204, 204,  403,  204, 204],
  ['GET /api/v1/repositories/{name}/-/deleted-tags',               404, J,     J,      200, 200,  200,  200, 200],
  ['POST /api/v1/repositories/{name}/-/tags/{tag}/restore',        404, J,     J,      200, 200,  403,  200, 200],
  ['GET /api/v1/search',                                           200, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/overview',                                         200, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/projects/{name}/repositories',                     404, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/repositories/{name}',                              404, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/repositories/{name}/-/tags',                       404, J,     J,      200, 200,  200,  200, 200],
  ['GET /api/v1/repositories/{name}/-/manifests/{digest}',         404, J,     J,      200, 200,  200,  200, 200],
  ['PUT /api/v1/repositories/{name}/-/description',                404, J,     J,      200, 200,  200,  200, 200],
  // Starring needs a user to star as: anonymous callers are told to sign in, robots refused.
  ['PUT /api/v1/repositories/{name}/-/star',                       401, J,     J,      204, 204,  403,  204, 204],
  ['DELETE /api/v1/repositories/{name}/-/star',                    401, J,     J,      204, 204,  403,  204, 204],
  ['POST /api/v1/repositories/{name}/-/tags/delete',               404, J,     J,      200, 200,  403,  200, 200],
  // Last: it changes passwords (every caller aims at dev's, setting it to what it already is).
  ['PATCH /api/v1/users/{name}',                                   401, J,     J,      403, 403,  403,  200, 200],
];

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

let server: RegistryProcess;
let seeded: Seeded;
let admin: Client;
/** The admin on /v2 (Basic, which /v2 memoises), for pushing targets. */
let v2: Client;
let authorizations: Record<Credential, string | undefined>;
let image: PushedImage;
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

async function adminJson(method: string, path: string, body: unknown, status: number): Promise<Record<string, unknown>> {
  const reply = await admin.request(method, path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expectStatus(reply, status, `set-up: ${method} ${path}`);
  return reply.status === 204 ? {} : json(reply);
}

/** Targets for a cell: fresh when the cell should succeed, shared (and existing) when it should be refused. */
const shared: Record<string, string> = {};
const targets = {
  user: async (fresh: boolean) => (fresh ? String((await adminJson('POST', '/api/v1/users', { name: unique('victim'), password: 'victim-password' }, 201)).name) : shared.user!),
  token: async (fresh: boolean) => (fresh ? String((await adminJson('POST', '/api/v1/users/dev/tokens', { name: unique('spare') }, 201)).id) : shared.token!),
  /** One of dev's refresh tokens (`brt_<id>_<secret>`, from an offline login), by id. */
  refreshToken: async (fresh: boolean) => {
    if (!fresh) return shared.refreshToken!;
    const reply = await offlineLogin(client(server.url), `${server.url}/token`, seeded.dev);
    expectStatus(reply, 200, 'set-up: a refresh token for dev');
    const id = /^brt_([^_]+)_/.exec(String(json<{ refresh_token?: string }>(reply).refresh_token))?.[1];
    assert.ok(id, 'a refresh token names its id');
    return id;
  },
  // A documentation address (TEST-NET-3): public, so no SSRF refusal, and never sent to (QUOTA_EXCEED only).
  webhook: async (fresh: boolean) =>
    fresh ? String((await adminJson('POST', '/api/v1/projects/team/webhooks', { url: 'http://203.0.113.9/hook', events: ['QUOTA_EXCEED'] }, 201)).id) : shared.webhook!,
  robot: async (fresh: boolean) =>
    fresh ? String((await adminJson('POST', '/api/v1/projects/team/robots', { name: unique('r'), actions: ['pull'] }, 201)).name) : shared.robot!,
  repository: async (fresh: boolean) => {
    if (!fresh) return shared.repository!;
    const repository = unique('team/gone');
    await pushImage(v2, repository, 'latest');
    return repository;
  },
  tag: async (fresh: boolean) => {
    if (!fresh) return shared.tag!;
    const tag = unique('t');
    await pushManifest(v2, 'team/app', tag, image.body, OCI_MANIFEST);
    return tag;
  },
  manifest: async (fresh: boolean) => (fresh ? (await pushImage(v2, 'team/app', unique('m'))).digest : shared.manifest!),
  deletedTag: async (fresh: boolean) => {
    if (!fresh) return shared.deletedTag!;
    const tag = unique('d');
    await pushManifest(v2, 'team/app', tag, image.body, OCI_MANIFEST);
    expectStatus(await v2.delete(`/v2/team/app/manifests/${tag}`), 202, `set-up: delete tag ${tag}`);
    return tag;
  },
};

/** The request for one operation; `fresh` when the cell should succeed. */
const CALLS: Record<string, (fresh: boolean, credential: Credential) => Promise<Call>> = {
  'GET /api/v1/openapi.json': async () => ({ method: 'GET', path: '/api/v1/openapi.json' }),
  'GET /api/v1/me': async () => ({ method: 'GET', path: '/api/v1/me' }),
  'POST /api/v1/session': async () => ({ method: 'POST', path: '/api/v1/session', body: { username: 'dev', password: seeded.dev.password } }),
  'GET /api/v1/session': async () => ({ method: 'GET', path: '/api/v1/session' }),
  'DELETE /api/v1/session': async () => ({ method: 'DELETE', path: '/api/v1/session' }),
  'GET /api/v1/system': async () => ({ method: 'GET', path: '/api/v1/system' }),
  'GET /api/v1/users': async () => ({ method: 'GET', path: '/api/v1/users' }),
  'POST /api/v1/users': async () => ({ method: 'POST', path: '/api/v1/users', body: { name: unique('made'), password: 'made-password' } }),
  'GET /api/v1/users/{name}': async () => ({ method: 'GET', path: '/api/v1/users/dev' }),
  'PATCH /api/v1/users/{name}': async (fresh, credential) =>
    credential === 'admin password'
      ? { method: 'PATCH', path: `/api/v1/users/${await targets.user(true)}`, body: { password: 'reset-password-1' } }
      : { method: 'PATCH', path: '/api/v1/users/dev', body: { password: seeded.dev.password, currentPassword: seeded.dev.password } },
  'DELETE /api/v1/users/{name}': async (fresh) => ({ method: 'DELETE', path: `/api/v1/users/${await targets.user(fresh)}` }),
  'GET /api/v1/users/{name}/tokens': async () => ({ method: 'GET', path: '/api/v1/users/dev/tokens' }),
  'POST /api/v1/users/{name}/tokens': async () => ({ method: 'POST', path: '/api/v1/users/dev/tokens', body: { name: unique('minted') } }),
  'DELETE /api/v1/users/{name}/tokens/{id}': async (fresh) => ({ method: 'DELETE', path: `/api/v1/users/dev/tokens/${await targets.token(fresh)}` }),
  'GET /api/v1/users/{name}/refresh-tokens': async () => ({ method: 'GET', path: '/api/v1/users/dev/refresh-tokens' }),
  'DELETE /api/v1/users/{name}/refresh-tokens/{id}': async (fresh) => ({
    method: 'DELETE',
    path: `/api/v1/users/dev/refresh-tokens/${await targets.refreshToken(fresh)}`,
  }),
  'GET /api/v1/projects': async () => ({ method: 'GET', path: '/api/v1/projects' }),
  'POST /api/v1/projects': async () => ({ method: 'POST', path: '/api/v1/projects', body: { name: unique('proj'), visibility: 'private' } }),
  'GET /api/v1/projects/{name}': async () => ({ method: 'GET', path: '/api/v1/projects/team' }),
  'PATCH /api/v1/projects/{name}': async () => ({ method: 'PATCH', path: '/api/v1/projects/team', body: { visibility: 'private' } }),
  'GET /api/v1/projects/{name}/members': async () => ({ method: 'GET', path: '/api/v1/projects/team/members' }),
  'GET /api/v1/projects/{name}/members/{user}': async () => ({ method: 'GET', path: '/api/v1/projects/team/members/dev' }),
  'PUT /api/v1/projects/{name}/members/{user}': async () => ({ method: 'PUT', path: '/api/v1/projects/team/members/other', body: { role: 'guest' } }),
  'DELETE /api/v1/projects/{name}/members/{user}': async () => {
    await adminJson('PUT', '/api/v1/projects/team/members/other', { role: 'guest' }, 200);
    return { method: 'DELETE', path: '/api/v1/projects/team/members/other' };
  },
  'GET /api/v1/projects/{name}/robots': async () => ({ method: 'GET', path: '/api/v1/projects/team/robots' }),
  'POST /api/v1/projects/{name}/robots': async () => ({ method: 'POST', path: '/api/v1/projects/team/robots', body: { name: unique('bot'), actions: ['pull'] } }),
  'GET /api/v1/projects/{name}/webhooks': async () => ({ method: 'GET', path: '/api/v1/projects/team/webhooks' }),
  'POST /api/v1/projects/{name}/webhooks': async () => ({ method: 'POST', path: '/api/v1/projects/team/webhooks', body: { url: 'http://203.0.113.9/hook', events: ['QUOTA_EXCEED'] } }),
  'GET /api/v1/projects/{name}/webhooks/{id}': async () => ({ method: 'GET', path: `/api/v1/projects/team/webhooks/${shared.webhook!}` }),
  'PATCH /api/v1/projects/{name}/webhooks/{id}': async () => ({ method: 'PATCH', path: `/api/v1/projects/team/webhooks/${shared.webhook!}`, body: { enabled: true } }),
  'DELETE /api/v1/projects/{name}/webhooks/{id}': async (fresh) => ({ method: 'DELETE', path: `/api/v1/projects/team/webhooks/${await targets.webhook(fresh)}` }),
  'GET /api/v1/projects/{name}/webhooks/{id}/deliveries': async () => ({ method: 'GET', path: `/api/v1/projects/team/webhooks/${shared.webhook!}/deliveries` }),
  'DELETE /api/v1/robots/{name}': async (fresh) => ({ method: 'DELETE', path: `/api/v1/robots/${encodeURIComponent(await targets.robot(fresh))}` }),
  'GET /api/v1/audit': async () => ({ method: 'GET', path: '/api/v1/audit?limit=5' }),
  'GET /api/v1/settings': async () => ({ method: 'GET', path: '/api/v1/settings' }),
  // A reset to the config's value: succeeding changes nothing the other rows depend on.
  'PATCH /api/v1/settings': async () => ({ method: 'PATCH', path: '/api/v1/settings', body: { 'auth.builtin.createprojects': null } }),
  'GET /api/v1/projects/{name}/policy': async () => ({ method: 'GET', path: '/api/v1/projects/team/policy' }),
  'PATCH /api/v1/projects/{name}/policy': async () => ({ method: 'PATCH', path: '/api/v1/projects/team/policy', body: { immutableTags: [] } }),
  'GET /api/v1/projects/{name}/usage': async () => ({ method: 'GET', path: '/api/v1/projects/team/usage' }),
  'GET /api/v1/usage': async () => ({ method: 'GET', path: '/api/v1/usage' }),
  'GET /api/v1/search': async () => ({ method: 'GET', path: '/api/v1/search?q=app' }),
  'GET /api/v1/overview': async () => ({ method: 'GET', path: '/api/v1/overview' }),
  'GET /api/v1/projects/{name}/repositories': async () => ({ method: 'GET', path: '/api/v1/projects/team/repositories' }),
  'GET /api/v1/repositories/{name}': async () => ({ method: 'GET', path: '/api/v1/repositories/team%2Fapp' }),
  'GET /api/v1/repositories/{name}/-/tags': async () => ({ method: 'GET', path: '/api/v1/repositories/team%2Fapp/-/tags' }),
  'GET /api/v1/repositories/{name}/-/manifests/{digest}': async () => ({ method: 'GET', path: '/api/v1/repositories/team%2Fapp/-/manifests/latest' }),
  'PUT /api/v1/repositories/{name}/-/description': async () => ({
    method: 'PUT',
    path: '/api/v1/repositories/team%2Fapp/-/description',
    body: { description: 'the team app' },
  }),
  'PUT /api/v1/repositories/{name}/-/star': async () => ({ method: 'PUT', path: '/api/v1/repositories/team%2Fapp/-/star' }),
  'DELETE /api/v1/repositories/{name}/-/star': async () => ({ method: 'DELETE', path: '/api/v1/repositories/team%2Fapp/-/star' }),
  'POST /api/v1/repositories/{name}/-/tags/delete': async (fresh) => ({
    method: 'POST',
    path: '/api/v1/repositories/team%2Fapp/-/tags/delete',
    body: { tags: [await targets.tag(fresh)] },
  }),
  'POST /api/v1/projects/{name}/retention/run': async () => ({ method: 'POST', path: '/api/v1/projects/team/retention/run', body: { dryRun: true } }),
  'GET /api/v1/gc': async () => ({ method: 'GET', path: '/api/v1/gc' }),
  'POST /api/v1/gc': async () => ({ method: 'POST', path: '/api/v1/gc', body: { dryRun: true } }),
  'DELETE /api/v1/repositories/{name}': async (fresh) => ({ method: 'DELETE', path: `/api/v1/repositories/${encodeURIComponent(await targets.repository(fresh))}` }),
  'DELETE /api/v1/repositories/{name}/-/tags/{tag}': async (fresh) => ({ method: 'DELETE', path: `/api/v1/repositories/team%2Fapp/-/tags/${await targets.tag(fresh)}` }),
  'DELETE /api/v1/repositories/{name}/-/manifests/{digest}': async (fresh) => ({
    method: 'DELETE',
    path: `/api/v1/repositories/team%2Fapp/-/manifests/${await targets.manifest(fresh)}`,
  }),
  'GET /api/v1/repositories/{name}/-/deleted-tags': async () => ({ method: 'GET', path: '/api/v1/repositories/team%2Fapp/-/deleted-tags' }),
  'POST /api/v1/repositories/{name}/-/tags/{tag}/restore': async (fresh) => ({
    method: 'POST',
    path: `/api/v1/repositories/team%2Fapp/-/tags/${await targets.deletedTag(fresh)}/restore`,
    body: {},
  }),
};

/** What is wrong with `reply` for `expected`, or undefined when it is right. */
function mismatch(reply: Reply, expected: Expect): string | undefined {
  const status = expected === J ? 401 : expected;
  const brief = `${reply.status} ${reply.text.slice(0, 200)}`;
  if (reply.status !== status) return `expected ${expected === J ? '401 naming what to use' : status}, got ${brief}`;
  if (status < 400) return undefined;
  if (!isEnvelope(reply.text)) return `expected the error envelope, got ${brief}`;
  const error = (json<{ errors: { code: string; message: string }[] }>(reply).errors[0])!;
  if (status === 401 && !reply.headers.get('www-authenticate')) return `a 401 without WWW-Authenticate: ${brief}`;
  if (status === 401 && error.code !== 'UNAUTHORIZED') return `expected UNAUTHORIZED, got ${brief}`;
  if (status === 403 && error.code !== 'DENIED') return `expected DENIED, got ${brief}`;
  if (expected === J && !/password|personal access token|basic/i.test(error.message)) {
    return `a registry token's 401 must say what /api/v1 takes (a password or personal access token), got "${error.message}"`;
  }
  return undefined;
}

before(async () => {
  server = await startGuardedBerth();
  seeded = await seedAccounts(server);
  admin = withHeaders(client(server.url), { authorization: basicOf(ADMIN) });
  v2 = admin;
  image = await pushImage(v2, 'team/app', 'latest');
  await adminJson('PUT', '/api/v1/projects/team/members/other', { role: 'guest' }, 200);
  shared.user = await targets.user(true);
  shared.token = await targets.token(true);
  shared.robot = await targets.robot(true);
  shared.webhook = await targets.webhook(true);
  shared.refreshToken = await targets.refreshToken(true);
  shared.repository = await targets.repository(true);
  shared.tag = await targets.tag(true);
  shared.manifest = await targets.manifest(true);
  shared.deletedTag = await targets.deletedTag(true);
  // The admin's own registry tokens: if /api/v1 took them, they would act as a system admin.
  const issued = json<{ token: string; refresh_token?: string }>(
    await offlineLogin(client(server.url), `${server.url}/token`, ADMIN, ['repository:pub/app:pull']),
  );
  assert.ok(issued.refresh_token, 'an offline login returns a refresh token');
  authorizations = {
    none: undefined,
    'access JWT': `Bearer ${issued.token}`,
    'refresh JWT': `Bearer ${issued.refresh_token}`,
    'PAT Basic': basicOf({ username: 'dev', password: seeded.devPat }),
    'PAT Bearer': `Bearer ${seeded.devPat}`,
    robot: basicOf(seeded.robot),
    'dev password': basicOf(seeded.dev),
    'admin password': basicOf(ADMIN),
  };
});

after(async () => {
  await server?.stop();
});

test('the table has a row for every /api/v1 operation in the OpenAPI document, and a request for each', async () => {
  const doc = json<{ paths: Record<string, Record<string, unknown>> }>(await client(server.url).get('/api/v1/openapi.json'));
  const documented = Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(EXPECTED.map(([op]) => op).sort(), documented, 'add a row (and a CALLS entry) for each new operation');
  assert.deepEqual(Object.keys(CALLS).sort(), documented);
  for (const row of EXPECTED) assert.equal(row.length, CREDENTIALS.length + 1, `${row[0]}: one expectation per credential kind`);
});

test('search lists only what each credential may pull: anonymous sees public projects only', async () => {
  await pushImage(v2, 'pub/app', 'latest');
  const visible: Partial<Record<Credential, string[]>> = {
    none: ['pub/app'],
    'PAT Basic': ['pub/app', 'team/app'],
    'PAT Bearer': ['pub/app', 'team/app'],
    robot: ['pub/app', 'team/app'],
    'dev password': ['pub/app', 'team/app'],
    'admin password': ['pub/app', 'team/app'],
  };
  for (const [credential, expected] of Object.entries(visible) as Array<[Credential, string[]]>) {
    const authorization = authorizations[credential];
    const reply = await client(server.url).get('/api/v1/search?q=app&n=100', { headers: authorization === undefined ? {} : { authorization } });
    expectStatus(reply, 200, `search as ${credential}`);
    const names = json<{ results: Array<{ name: string }> }>(reply).results.map((r) => r.name).filter((n) => n.endsWith('/app'));
    assert.deepEqual(names, expected, `search as ${credential}`);
  }
});

for (const [operation, ...expectations] of EXPECTED) {
  test(operation, async () => {
    const wrong: string[] = [];
    for (const [index, credential] of CREDENTIALS.entries()) {
      const expected = expectations[index]!;
      const call = await CALLS[operation]!(typeof expected === 'number' && expected < 300, credential);
      const authorization = authorizations[credential];
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      if (call.body !== undefined) headers['content-type'] = 'application/json';
      let reply: Reply;
      try {
        reply = await client(server.url).request(call.method, call.path, { headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) });
      } catch (error) {
        wrong.push(`${credential}: ${(error as Error).message.slice(0, 300)}`);
        continue;
      }
      const problem = mismatch(reply, expected);
      if (problem) wrong.push(`${credential}: ${problem}`);
    }
    if (wrong.length > 0) assert.fail(`${operation}: ${wrong.length} cell(s) wrong\n  ${wrong.join('\n  ')}`);
  });
}
