/**
 * GET /v1/search (what `docker search HOST/term` asks the registry) over a real server with
 * built-in auth: Docker Hub's response shape, paging, only what the caller may pull, the
 * description from the newest tagged push's annotation, and hostile query strings.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { Accounts, basic, builtinAuth, requestToken, tokenAnswer, withHeaders } from './support/auth.js';
import { client, expectError, expectStatus, json, type Client } from './support/http-client.js';
import { pushImage } from './support/push.js';

interface SearchBody {
  num_results: number;
  num_pages: number;
  page: number;
  page_size: number;
  query: string;
  results: Array<{ name: string; description: string; star_count: number; is_official: boolean; is_automated: boolean }>;
}

const DESCRIPTION = 'org.opencontainers.image.description';

describe('GET /v1/search', () => {
  let server: TestServer;
  let anonymous: Client;
  let admin: Client;
  let guest: Client;
  let guestLogin: { username: string; password: string };

  const search = async (c: Client, query: string): Promise<SearchBody> => {
    const reply = await c.get(`/v1/search?${query}`);
    expectStatus(reply, 200, `search ${query}`);
    return json<SearchBody>(reply);
  };
  const names = (body: SearchBody) => body.results.map((r) => r.name);

  before(async () => {
    server = await startTestServer({ auth: builtinAuth() });
    anonymous = client(server.url);
    const accounts = new Accounts(server.composed);
    const root = await accounts.user('root', `pw-${randomBytes(9).toString('hex')}`, { systemAdmin: true });
    admin = withHeaders(anonymous, { authorization: basic(root.username, root.password) });
    guestLogin = await accounts.user('gus', `pw-${randomBytes(9).toString('hex')}`);
    guest = withHeaders(anonymous, { authorization: basic(guestLogin.username, guestLogin.password) });
    await accounts.project('pub', 'public');
    await accounts.project('team', 'private');
    await accounts.project('vault', 'private');
    await accounts.member('team', 'gus', 'guest');
    await pushImage(admin, 'pub/web', 'v1', { annotations: { [DESCRIPTION]: 'An old description' } });
    await pushImage(admin, 'pub/web', 'v2', { annotations: { [DESCRIPTION]: 'A tiny <b>web</b> server' } });
    // A referrer pushed by digest is not the repository's description.
    await pushImage(admin, 'pub/a_b', 'latest');
    await pushImage(admin, 'pub/tool-1', 'latest');
    await pushImage(admin, 'pub/tool-2', 'latest');
    await pushImage(admin, 'pub/tool-3', 'latest');
    await pushImage(admin, 'team/web-api', 'latest', { annotations: { [DESCRIPTION]: 'Team backend' } });
    await pushImage(admin, 'vault/web-secret', 'latest', { annotations: { [DESCRIPTION]: 'classified' } });
    await pushImage(admin, 'vault/ansi', 'latest', { annotations: { [DESCRIPTION]: 'red\u001b[31malert\u202eevil\nline' } });
  });
  after(async () => {
    await server?.close();
  });

  test("answers in Docker Hub's shape with the newest tagged push's description", async () => {
    const body = await search(anonymous, 'q=tiny');
    assert.deepEqual(body, {
      num_results: 1,
      num_pages: 1,
      page: 1,
      page_size: 25,
      query: 'tiny',
      results: [{ name: 'pub/web', description: 'A tiny <b>web</b> server', star_count: 0, is_official: false, is_automated: false }],
    });
    assert.equal((await search(anonymous, 'q=old')).num_results, 0, 'an older push no longer describes the repository');
  });

  test('matches names case-insensitively and descriptions', async () => {
    assert.deepEqual(names(await search(admin, 'q=WEB')), ['pub/web', 'team/web-api', 'vault/web-secret']);
    assert.deepEqual(names(await search(admin, 'q=BACKEND')), ['team/web-api']);
  });

  test('lists only what the caller may pull: anonymous, a guest of one project, a system admin', async () => {
    assert.deepEqual(names(await search(anonymous, 'q=web')), ['pub/web']);
    assert.deepEqual(names(await search(guest, 'q=web')), ['pub/web', 'team/web-api']);
    assert.deepEqual(names(await search(admin, 'q=web')), ['pub/web', 'team/web-api', 'vault/web-secret']);
    // A private repository found only through its description still stays hidden.
    assert.deepEqual(names(await search(anonymous, 'q=classified')), []);
    assert.deepEqual(names(await search(guest, 'q=classified')), []);
    assert.equal((await search(anonymous, 'q=')).num_results, 5, 'the empty query lists the public repositories');
  });

  test('a Bearer token from the token service filters the same way', async () => {
    const realm = `${server.url}/token`;
    const token = tokenAnswer(await requestToken(anonymous, realm, { credentials: guestLogin, scopes: ['registry:catalog:*'] })).token;
    const bearer = withHeaders(anonymous, { authorization: `Bearer ${token}` });
    assert.deepEqual(names(await search(bearer, 'q=web')), ['pub/web', 'team/web-api']);
  });

  test('pages with n and page', async () => {
    const first = await search(anonymous, 'q=tool&n=2');
    assert.deepEqual([first.num_results, first.num_pages, first.page, first.page_size], [3, 2, 1, 2]);
    assert.deepEqual(names(first), ['pub/tool-1', 'pub/tool-2']);
    const second = await search(anonymous, 'q=tool&n=2&page=2');
    assert.deepEqual(names(second), ['pub/tool-3']);
    assert.deepEqual(names(await search(anonymous, 'q=tool&n=2&page=3')), []);
  });

  test('refuses bad n and page with a 400 envelope', async () => {
    for (const query of ['n=0', 'n=101', 'n=abc', 'n=-1', 'page=0', 'page=x', 'n=99999999999999999999']) {
      expectError(await anonymous.get(`/v1/search?q=web&${query}`), 400, 'PAGINATION_NUMBER_INVALID');
    }
  });

  test('treats % and _ literally and refuses a query over 255 characters', async () => {
    assert.deepEqual(names(await search(admin, 'q=_')), ['pub/a_b']);
    assert.deepEqual(names(await search(admin, 'q=%25')), []);
    assert.deepEqual(names(await search(admin, `q=${encodeURIComponent('\\')}`)), []);
    assert.deepEqual(names(await search(admin, `q=${encodeURIComponent("'; drop table repositories; --")}`)), []);
    expectStatus(await anonymous.get(`/v1/search?q=${'a'.repeat(255)}`), 200);
    const refused = expectError(await anonymous.get(`/v1/search?q=${'a'.repeat(256)}`), 400, 'BAD_REQUEST');
    assert.match(refused.message, /255/);
    expectError(await anonymous.get(`/v1/search?q=${'a'.repeat(8000)}`), 400, 'BAD_REQUEST');
  });

  test('refuses control characters in q, and stores a description without control or format characters', async () => {
    expectError(await anonymous.get(`/v1/search?q=${encodeURIComponent('web\u001b[2J')}`), 400, 'BAD_REQUEST');
    const found = await search(admin, 'q=ansi');
    assert.deepEqual(found.results.map((r) => r.description), ['red [31malert evil line']);
  });

  test('GET /v1/_ping answers the Docker engine probe', async () => {
    expectStatus(await anonymous.get('/v1/_ping'), 200);
  });
});
