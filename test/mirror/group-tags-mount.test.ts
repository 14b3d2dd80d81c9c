// A group's tag list is the union of its pullable members' tags (sorted, deduplicated, paged
// with n/last over the union), and a cross-repository mount may name a group as `from`: it
// takes the blob from a member the caller may pull, and otherwise falls back to an ordinary
// upload that looks exactly like any refused mount, so it tells nothing about hidden members.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../support/test-server.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from '../http/support/http-client.js';
import { withHeaders } from '../http/support/auth.js';
import { pushImage, type PushedImage } from '../http/support/push.js';
import { randomBlob, sha256 } from '../http/support/content.js';
import { adminApi, startApiServer, type Api } from '../http/api/api-support.js';
import { makeTeam, projectWithTeam, registryAsAdmin, type Team } from '../http/api/storage-support.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';

const MANIFEST_ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

let server: TestServer;
let admin: Api;
let team: Team;
let upstream: UpstreamUnderTest;
let privateImage: PushedImage;
let upstreamImage: Awaited<ReturnType<UpstreamUnderTest['pushImage']>>;

const as = (who: 'dev' | 'outsider') => withHeaders(client(server.url), { authorization: team.authorization[who]! });

async function tags(c: Client, path: string): Promise<Reply> {
  const reply = await c.get(path);
  expectStatus(reply, 200, path);
  return reply;
}

/** Every page of a tag list, following the Link headers, as the client sees them. */
async function walk(c: Client, repo: string, n: number): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = `/v2/${repo}/tags/list?n=${n}`;
  while (next !== undefined) {
    const reply = await tags(c, next);
    pages.push(json<{ tags: string[] }>(reply).tags);
    next = /^<([^>]+)>; rel="next"$/.exec(reply.headers.get('link') ?? '')?.[1];
    assert.ok(pages.length < 20, 'the pages end');
  }
  return pages;
}

before(async () => {
  upstream = await startOpenDistribution({ counted: true });
  upstreamImage = await upstream.pushImage('library/nginx', 'v1', 1);
  await upstream.pushImage('library/nginx', 'm-upstream', 1);
  server = await startApiServer();
  admin = await adminApi(server);
  team = await makeTeam(server);
  await projectWithTeam(team, 'team');
  const registry = registryAsAdmin(server);
  privateImage = await pushImage(registry, 'team/library/nginx', 'v1', { layerCount: 2 });
  for (const tag of ['a-team', 'z-team', 'm-upstream']) await pushImage(registry, 'team/library/nginx', tag);
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'hub', visibility: 'public', proxy: { url: upstream.url } }), 201, 'create hub');
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'all', visibility: 'public', group: { members: ['team', 'hub'], pushTo: 'team' } }), 201, 'create all');
  // The proxy's tags are what it has cached: pull two through it.
  for (const tag of ['v1', 'm-upstream']) expectStatus(await registry.get(`/v2/hub/library/nginx/manifests/${tag}`, { headers: MANIFEST_ACCEPT }), 200, `cache ${tag}`);
  // The outsider gets a project of their own to mount into.
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'side' }), 201, 'create side');
  expectStatus(await admin.send('PUT', '/api/v1/projects/side/members/outsider', { role: 'developer' }), 200, 'outsider develops side');
});
after(async () => {
  await server?.close();
  await upstream?.stop().catch(() => undefined);
});

describe("a group's tag list", () => {
  test('merges the members the caller may pull: sorted, each tag once, under the group name', async () => {
    const reply = await tags(as('dev'), '/v2/all/library/nginx/tags/list');
    assert.deepEqual(json(reply), { name: 'all/library/nginx', tags: ['a-team', 'm-upstream', 'v1', 'z-team'] });
    assert.equal(reply.headers.get('link'), null);
    const outsider = json<{ tags: string[] }>(await tags(as('outsider'), '/v2/all/library/nginx/tags/list')).tags;
    assert.deepEqual(outsider, ['m-upstream', 'v1'], "only the proxy member's: team is private");
  });

  test('n/last page over the union: every tag once, in order, whatever the page size', async () => {
    for (const n of [1, 2, 3]) {
      const pages = await walk(as('dev'), 'all/library/nginx', n);
      assert.deepEqual(pages.flat(), ['a-team', 'm-upstream', 'v1', 'z-team'], `n=${n}`);
      assert.ok(pages.every((page) => page.length <= n && page.length > 0), `n=${n}: ${JSON.stringify(pages)}`);
    }
    const after = json<{ tags: string[] }>(await tags(as('dev'), '/v2/all/library/nginx/tags/list?n=2&last=m-upstream')).tags;
    assert.deepEqual(after, ['v1', 'z-team']);
    const first = await tags(as('dev'), '/v2/all/library/nginx/tags/list?n=2');
    assert.equal(first.headers.get('link'), '</v2/all/library/nginx/tags/list?n=2&last=m-upstream>; rel="next"', 'the Link names the group');
    assert.deepEqual(json<{ tags: string[] }>(await tags(as('dev'), '/v2/all/library/nginx/tags/list?n=0')).tags, []);
  });

  test('a name no pullable member has is unknown', async () => {
    expectError(await as('dev').get('/v2/all/nothing/tags/list'), 404, 'NAME_UNKNOWN');
    expectError(await as('outsider').get('/v2/all/app/tags/list'), 404, 'NAME_UNKNOWN');
  });
});

describe('mounting from a group name', () => {
  const mount = (c: Client, into: string, digest: string, from: string) => c.post(`/v2/${into}/blobs/uploads/?mount=${digest}&from=${from}`);

  test('mounts from the member that links the blob, when the caller may pull it', async () => {
    const digest = privateImage.layers[1]!.digest;
    const reply = await mount(as('dev'), 'team/copy', digest, 'all/library/nginx');
    expectStatus(reply, 201, 'mounted from team');
    assert.equal(reply.headers.get('location'), `/v2/team/copy/blobs/${digest}`);
    expectStatus(await as('dev').head(`/v2/team/copy/blobs/${digest}`), 200, 'linked');
  });

  test('a cached proxy blob mounts for anyone who may pull the group and the proxy', async () => {
    const digest = upstreamImage.layers[0]!.digest;
    expectStatus(await as('outsider').get(`/v2/all/library/nginx/blobs/${digest}`), 200, 'cache the layer through the group');
    // The fill commits just after the client's last byte; a HEAD waits for it.
    expectStatus(await as('outsider').head(`/v2/hub/library/nginx/blobs/${digest}`), 200, 'cached');
    expectStatus(await mount(as('outsider'), 'side/copy', digest, 'all/library/nginx'), 201, 'mounted from hub');
  });

  test("a private member's blob is not mounted for an outsider, and the answer is that of any refused mount", async () => {
    const hidden = await mount(as('outsider'), 'side/copy', privateImage.layers[0]!.digest, 'all/library/nginx');
    const absent = await mount(as('outsider'), 'side/copy', sha256(randomBlob(32)), 'all/library/nginx');
    for (const reply of [hidden, absent]) {
      expectStatus(reply, 202, 'an ordinary upload');
      assert.match(reply.headers.get('location') ?? '', /^\/v2\/side\/copy\/blobs\/uploads\/[^/]+$/);
      assert.equal(reply.text, '');
    }
    assert.deepEqual(shape(hidden), shape(absent), 'the same headers either way');
    expectStatus(await as('outsider').head(`/v2/side/copy/blobs/${privateImage.layers[0]!.digest}`), 404, 'not linked');
  });

  test('a mount never makes a proxy member fetch from its upstream', async () => {
    const fresh = await upstream.pushImage('library/nginx', 'uncached', 1);
    upstream.proxy!.reset();
    const reply = await mount(as('dev'), 'team/copy', fresh.layers[0]!.digest, 'all/library/nginx');
    expectStatus(reply, 202, 'not mounted: the blob is upstream only');
    assert.deepEqual(upstream.proxy!.requests, [], 'nothing reached the upstream');
    expectStatus(await as('dev').head(`/v2/team/copy/blobs/${fresh.layers[0]!.digest}`), 404, 'not linked');
  });
});

/** The headers a client could tell two answers apart by (ids and dates differ by nature). */
function shape(reply: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  reply.headers.forEach((value, key) => {
    if (!['date', 'docker-upload-uuid', 'location', 'x-request-id'].includes(key)) out[key] = value;
  });
  return out;
}
