// Finding 7 of issue 9: the catalog filtered each page after fetching it, and its Link header
// continued after the last name fetched, so an anonymous `?n=1` answered an empty list with
// `last=alpha%2Fapp` (a private repository), and following the links walked all of them.
// Every page and every Link must name only what the caller may pull, and the walk must still
// reach everything the caller may see.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { basic, withHeaders } from '../http/support/auth.js';
import { client, expectStatus, json, type Client } from '../http/support/http-client.js';
import { pushImage } from '../http/support/push.js';

const PASSWORD = 'catalog-admin-password';
const BOB = 'bob-has-a-long-password';

// Private names sort between the public ones, so a page of public names is always followed by
// hidden ones, and hidden runs are longer than a page.
const PUBLIC = ['aaa/one', 'aaa/two', 'mmm/mid', 'zzz/last'];
const ALPHA = ['alpha/app', 'alpha/b', 'alpha/c', 'alpha/d', 'alpha/e'];
const BETA = ['beta/api', 'beta/web'];
const EVERYTHING = [...PUBLIC, ...ALPHA, ...BETA].sort();

let server: RegistryProcess;
let admin: Client;
before(async () => {
  server = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: PASSWORD } });
  admin = withHeaders(client(server.url), { authorization: basic('admin', PASSWORD) });
  const send = (path: string, body: unknown, method = 'POST') =>
    admin.request(method, path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const [name, visibility] of [['aaa', 'public'], ['mmm', 'public'], ['zzz', 'public'], ['alpha', 'private'], ['beta', 'private']]) {
    expectStatus(await send('/api/v1/projects', { name, visibility }), 201, `project ${name}`);
  }
  expectStatus(await send('/api/v1/users', { name: 'bob', password: BOB }), 201, 'user bob');
  expectStatus(await send('/api/v1/projects/beta/members/bob', { role: 'guest' }, 'PUT'), 200, 'bob in beta');
  for (const repository of EVERYTHING) await pushImage(admin, repository, 'v1');
});
after(() => server.stop());

/** A catalog token for `authorization` (anonymous without). */
async function catalogToken(authorization: string | undefined): Promise<Record<string, string>> {
  const reply = await client(server.url).get('/token?service=berth&scope=registry:catalog:*', { headers: authorization ? { authorization } : {} });
  expectStatus(reply, 200, 'catalog token');
  return { authorization: `Bearer ${json<{ token: string }>(reply).token}` };
}

/** Follows the Link headers from `?n=<n>`; every name listed and every `last` named, in order. */
async function walk(headers: Record<string, string>, n: number): Promise<{ listed: string[]; cursors: string[] }> {
  const c = client(server.url);
  const listed: string[] = [];
  const cursors: string[] = [];
  let path: string | undefined = `/v2/_catalog?n=${n}`;
  for (let pages = 0; path !== undefined; pages++) {
    assert.ok(pages < 50, 'the walk ends');
    const reply = await c.get(path, { headers });
    expectStatus(reply, 200, path);
    listed.push(...json<{ repositories: string[] }>(reply).repositories);
    const link = reply.headers.get('link');
    path = undefined;
    if (link !== null) {
      const target = /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      assert.ok(target, `a Link header: ${link}`);
      const last = new URL(target, server.url).searchParams.get('last');
      assert.ok(last !== null);
      cursors.push(last);
      path = target;
    }
  }
  return { listed, cursors };
}

for (const [who, authorization, sees] of [
  ['anonymous', undefined, PUBLIC],
  ['bob (guest of beta)', basic('bob', BOB), [...PUBLIC, ...BETA]],
  ['admin', basic('admin', PASSWORD), EVERYTHING],
] as const) {
  test(`catalog as ${who}: pages and Links name only what it may pull, and reach all of it`, async () => {
    const headers = await catalogToken(authorization);
    const visible = [...sees].sort();
    for (const n of [1, 2, 3, 100]) {
      const { listed, cursors } = await walk(headers, n);
      assert.deepEqual(listed, visible, `n=${n}: every visible repository once, in order`);
      for (const cursor of cursors) assert.ok(visible.includes(cursor), `n=${n}: Link names ${cursor}, which ${who} may not see`);
    }
    // The attack as reported: a first page of one, and a `last` the caller chose.
    const first = await client(server.url).get('/v2/_catalog?n=1', { headers });
    assert.deepEqual(json<{ repositories: string[] }>(first).repositories, visible.slice(0, 1));
    const fromHidden = await client(server.url).get('/v2/_catalog?n=1&last=alpha%2Fapp', { headers });
    const next = json<{ repositories: string[] }>(fromHidden).repositories;
    assert.deepEqual(next, visible.filter((name) => name > 'alpha/app').slice(0, 1));
    const link = fromHidden.headers.get('link');
    if (link !== null) {
      const last = new URL(/^<([^>]+)>/.exec(link)![1]!, server.url).searchParams.get('last')!;
      assert.ok(visible.includes(last), `Link after a hidden cursor names ${last}`);
    }
  });
}
