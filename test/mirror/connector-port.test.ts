// Connector ports: an extra listen address bound to one project, names relative to it. A group
// `all` of a private hosted project and a public proxy of a real Distribution 2.8 gets one, so
// does the proxy itself. Checked over real sockets: routing, the token flow and that a token
// from one port never widens rights on the other, the catalog, Locations and Links, pushes to
// the group's push member and refused ones to the proxy, and errors naming the short name.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../support/test-server.js';
import { client, expectError, expectStatus, json, type Client } from '../http/support/http-client.js';
import { decodeJwt, parseChallenge, requestToken, tokenAnswer, withHeaders } from '../http/support/auth.js';
import { descriptorOf, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, imageManifest, randomBlob, sha256 } from '../http/support/content.js';
import { pushImage, type PushedImage } from '../http/support/push.js';
import { adminApi, startApiServer, type Api } from '../http/api/api-support.js';
import { makeTeam, projectWithTeam, registryAsAdmin, type Team } from '../http/api/storage-support.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';

const MANIFEST_ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

let server: TestServer;
let admin: Api;
let team: Team;
let upstream: UpstreamUnderTest;
let privateImage: PushedImage;
let upstreamOnly: PushedImage;

const allPort = () => server.connectorUrls.all!;
const as = (who: 'dev' | 'outsider', base = allPort()) => withHeaders(client(base), { authorization: team.authorization[who]! });

async function pull(c: Client, repo: string, reference: string): Promise<string> {
  const reply = await c.get(`/v2/${repo}/manifests/${reference}`, { headers: MANIFEST_ACCEPT });
  expectStatus(reply, 200, `manifest ${repo}:${reference} on ${c.base}`);
  const manifest = JSON.parse(reply.text) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const { digest } of [manifest.config, ...manifest.layers]) {
    const blob = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(blob, 200, `blob ${digest} of ${repo}`);
    assert.equal(sha256(blob.body), digest, 'blob bytes intact');
  }
  return reply.headers.get('docker-content-digest')!;
}

/** The challenge a connector sends an anonymous pull, and a token from the realm it names. */
async function tokenFor(base: string, repo: string, credentials?: { username: string; password: string }): Promise<string> {
  const challenged = await client(base).get(`/v2/${repo}/manifests/v1`, { headers: MANIFEST_ACCEPT });
  assert.equal(challenged.status, 401, 'anonymous is challenged for a private image');
  const { params } = parseChallenge(challenged.headers.get('www-authenticate'));
  return tokenAnswer(await requestToken(client(base), params.realm!, { credentials, scopes: [params.scope!] })).token;
}

before(async () => {
  upstream = await startOpenDistribution();
  await upstream.pushImage('library/nginx', 'v1', 1);
  upstreamOnly = await upstream.pushImage('library/nginx', 'only-upstream', 1);
  server = await startApiServer({ connectors: ['all', 'hub', 'team'] });
  admin = await adminApi(server);
  team = await makeTeam(server);
  await projectWithTeam(team, 'team');
  privateImage = await pushImage(registryAsAdmin(server), 'team/library/nginx', 'v1', { layerCount: 2 });
  await pushImage(registryAsAdmin(server), 'team/app', 'v1');
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'hub', visibility: 'public', proxy: { url: upstream.url } }), 201, 'create hub');
  const group = { members: ['team', 'hub'], pushTo: 'team' };
  expectStatus(await admin.send('POST', '/api/v1/projects', { name: 'all', visibility: 'public', group }), 201, 'create all');
  expectStatus(await admin.send('PUT', '/api/v1/projects/all/members/dev', { role: 'developer' }), 200, 'dev develops all');
});
after(async () => {
  await server?.close();
  await upstream?.stop().catch(() => undefined);
});

describe('pulling through a connector', () => {
  test('names are relative to the group: the private image for a member, the upstream for the rest', async () => {
    assert.equal(await pull(as('dev'), 'library/nginx', 'v1'), privateImage.digest, 'team first');
    assert.equal(await pull(as('dev'), 'library/nginx', 'only-upstream'), upstreamOnly.digest, 'then hub');
    assert.equal(await pull(client(allPort()), 'library/nginx', 'only-upstream'), upstreamOnly.digest, 'anonymous, through the public proxy');
    const hidden = await as('outsider').get(`/v2/library/nginx/manifests/${privateImage.digest}`, { headers: MANIFEST_ACCEPT });
    expectError(hidden, 404, 'MANIFEST_UNKNOWN');
  });

  test('the main port keeps working unchanged, full names and all', async () => {
    const dev = withHeaders(client(server.url), { authorization: team.authorization.dev! });
    assert.equal(await pull(dev, 'all/library/nginx', 'v1'), privateImage.digest);
    // There `library/nginx` is project `library`'s, which does not exist.
    expectError(await dev.get('/v2/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT }), 403, 'DENIED');
  });

  test('a connector to a hosted project serves it alone, relative names', async () => {
    assert.equal(await pull(as('dev', server.connectorUrls.team!), 'library/nginx', 'v1'), privateImage.digest);
    expectStatus(await as('dev', server.connectorUrls.team!).get('/v2/app/manifests/v1', { headers: MANIFEST_ACCEPT }), 200, 'team/app as app');
  });

  test('errors name the short name, never the full one', async () => {
    const reply = await as('dev').get('/v2/nothing/here/manifests/v1', { headers: MANIFEST_ACCEPT });
    assert.equal(reply.status, 404);
    assert.ok(!reply.text.includes('all/'), `no full name in ${reply.text}`);
    // An invalid name is judged as sent (the guard refuses it before any handler would).
    const invalid = await as('dev').get('/v2/Upper/manifests/v1');
    assert.ok(invalid.status === 400 || invalid.status === 403, `${invalid.status}`);
    assert.ok(!invalid.text.includes('all/'), invalid.text);
    const push = await as('outsider').post('/v2/secret/blobs/uploads/');
    const denied = expectError(push, 403, 'DENIED');
    assert.ok(!denied.message.includes('all/') && !denied.message.includes('team/'), denied.message);
  });

  test('only the registry API answers on a connector: no management API, no UI', async () => {
    expectError(await as('dev').get('/api/v1/projects'), 404, 'NOT_FOUND');
    expectError(await client(allPort()).get('/'), 404, 'NOT_FOUND');
    expectStatus(await client(allPort()).get('/healthz'), 200, 'health still answers');
  });
});

describe('token auth on a connector', () => {
  test('the challenge points at the connector\'s own /token and names the short name', async () => {
    const reply = await client(allPort()).get('/v2/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT });
    // The public proxy member would answer anonymously; a private project does not.
    const teamPort = server.connectorUrls.team!;
    const refused = await client(teamPort).get('/v2/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT });
    assert.equal(refused.status, 401);
    const { params } = parseChallenge(refused.headers.get('www-authenticate'));
    assert.equal(params.realm, `${teamPort}/token`);
    assert.equal(params.scope, 'repository:library/nginx:pull');
    assert.equal(reply.status, 200, 'the group answers anonymously from its public member');
  });

  test('a connector token names full names, works there, and opens nothing more on the main port', async () => {
    const teamPort = server.connectorUrls.team!;
    const token = await tokenFor(teamPort, 'library/nginx', { username: 'dev', password: 'dev-password' });
    const access = decodeJwt(token).payload.access!;
    assert.deepEqual(access, [{ type: 'repository', name: 'team/library/nginx', actions: ['pull'] }]);
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal(await pull(withHeaders(client(teamPort), bearer), 'library/nginx', 'v1'), privateImage.digest);
    // On the main port the same token is the same right on the same repository, and no other.
    const main = withHeaders(client(server.url), bearer);
    expectStatus(await main.get('/v2/team/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT }), 200, 'the full name');
    assert.equal((await main.get('/v2/library/nginx/manifests/v1', { headers: MANIFEST_ACCEPT })).status, 403, 'not the short name (no such project)');
    const sibling = await main.get('/v2/team/app/manifests/v1', { headers: MANIFEST_ACCEPT });
    assert.equal(sibling.status, 401, 'not a sibling the account could pull: the token does not name it');
    assert.equal(parseChallenge(sibling.headers.get('www-authenticate')).params.error, 'insufficient_scope');
  });

  test('a main-port token for a short name does not open the connector\'s repository of that name', async () => {
    // `library/nginx` on the main port is another repository (project `library`) than team's.
    const main = tokenAnswer(
      await requestToken(client(server.url), `${server.url}/token`, { credentials: { username: 'dev', password: 'dev-password' }, scopes: ['repository:library/nginx:pull'] }),
    ).token;
    const reply = await withHeaders(client(server.connectorUrls.team!), { authorization: `Bearer ${main}` }).get('/v2/library/nginx/manifests/v1', {
      headers: MANIFEST_ACCEPT,
    });
    assert.equal(reply.status, 401, 'insufficient scope: the token names library/nginx, the connector means team/library/nginx');
    assert.equal(parseChallenge(reply.headers.get('www-authenticate')).params.error, 'insufficient_scope');
  });

  test('through a group, a token for the group name pulls from the members the account may pull', async () => {
    const token = tokenAnswer(
      await requestToken(client(allPort()), `${allPort()}/token`, { credentials: { username: 'dev', password: 'dev-password' }, scopes: ['repository:library/nginx:pull'] }),
    ).token;
    assert.deepEqual(decodeJwt(token).payload.access, [{ type: 'repository', name: 'all/library/nginx', actions: ['pull'] }]);
    assert.equal(await pull(withHeaders(client(allPort()), { authorization: `Bearer ${token}` }), 'library/nginx', 'v1'), privateImage.digest);
    // The same on the main port: a token for all/library/nginx reads the private member.
    const mainToken = tokenAnswer(
      await requestToken(client(server.url), `${server.url}/token`, { credentials: { username: 'dev', password: 'dev-password' }, scopes: ['repository:all/library/nginx:pull'] }),
    ).token;
    assert.equal(await pull(withHeaders(client(server.url), { authorization: `Bearer ${mainToken}` }), 'all/library/nginx', 'v1'), privateImage.digest);
    const outsiderToken = tokenAnswer(
      await requestToken(client(allPort()), `${allPort()}/token`, { credentials: { username: 'outsider', password: 'outsider-password' }, scopes: ['repository:library/nginx:pull'] }),
    ).token;
    const outsider = withHeaders(client(allPort()), { authorization: `Bearer ${outsiderToken}` });
    assert.notEqual(await pull(outsider, 'library/nginx', 'v1'), privateImage.digest, 'the outsider gets the upstream image');
  });
});

describe('the catalog and tag lists of a connector', () => {
  test("_catalog lists the group's members' repositories the caller may pull, relative, paged with relative Links", async () => {
    const dev = json<{ repositories: string[] }>(await as('dev').get('/v2/_catalog')).repositories;
    assert.deepEqual(dev, ['app', 'library/nginx']);
    const outsider = json<{ repositories: string[] }>(await as('outsider').get('/v2/_catalog')).repositories;
    assert.deepEqual(outsider, ['library/nginx'], 'only the cached proxy repository: team/app is private');
    const first = await as('dev').get('/v2/_catalog?n=1');
    assert.deepEqual(json<{ repositories: string[] }>(first).repositories, ['app']);
    assert.equal(first.headers.get('link'), '</v2/_catalog?n=1&last=app>; rel="next"');
    const second = await as('dev').get('/v2/_catalog?n=1&last=app');
    assert.deepEqual(json<{ repositories: string[] }>(second).repositories, ['library/nginx']);
    assert.equal(second.headers.get('link'), null);
    const hosted = json<{ repositories: string[] }>(await as('dev', server.connectorUrls.team!).get('/v2/_catalog')).repositories;
    assert.deepEqual(hosted, ['app', 'library/nginx'], "a hosted project's connector lists that project only");
  });

  test('tag lists name the short name and page with relative Links', async () => {
    const reply = await as('dev').get('/v2/library/nginx/tags/list?n=1');
    expectStatus(reply, 200, 'tags');
    assert.deepEqual(json(reply), { name: 'library/nginx', tags: ['only-upstream'] });
    assert.equal(reply.headers.get('link'), '</v2/library/nginx/tags/list?n=1&last=only-upstream>; rel="next"');
  });
});

describe('pushing through a connector', () => {
  test('a push to a group goes to its push member; every Location stays on the connector, relative', async () => {
    const dev = as('dev');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBlob(8).toString('hex') }));
    const layer = randomBlob(700);
    for (const bytes of [config, layer]) {
      const started = await dev.post('/v2/pushed/app/blobs/uploads/');
      expectStatus(started, 202, 'start upload');
      const location = started.headers.get('location')!;
      assert.match(location, /^\/v2\/pushed\/app\/blobs\/uploads\/[^/]+$/, `relative, short name: ${location}`);
      const patched = await dev.patch(location, { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
      expectStatus(patched, 202, 'chunk');
      assert.equal(patched.headers.get('location'), location);
      const done = await dev.put(`${location}?digest=${sha256(bytes)}`);
      expectStatus(done, 201, 'complete');
      assert.equal(done.headers.get('location'), `/v2/pushed/app/blobs/${sha256(bytes)}`);
    }
    const manifest = imageManifest({ config: descriptorOf(OCI_CONFIG, config), layers: [descriptorOf(OCI_LAYER, layer)] });
    const put = await dev.put('/v2/pushed/app/manifests/v1', { headers: { 'content-type': OCI_MANIFEST }, body: manifest });
    expectStatus(put, 201, 'manifest');
    assert.equal(put.headers.get('location'), `/v2/pushed/app/manifests/${sha256(manifest)}`);
    const stored = await registryAsAdmin(server).get('/v2/team/pushed/app/manifests/v1', { headers: MANIFEST_ACCEPT });
    expectStatus(stored, 200, 'landed in team, the push member');
  });

  test('a mount from a relative name mounts from that repository of the project', async () => {
    const reply = await as('dev', server.connectorUrls.team!).post(`/v2/copy/blobs/uploads/?mount=${privateImage.layers[0]!.digest}&from=library/nginx`);
    expectStatus(reply, 201, 'mounted');
    assert.equal(reply.headers.get('location'), `/v2/copy/blobs/${privateImage.layers[0]!.digest}`);
  });

  test('a push to a proxy connector is refused with a clear error naming the short name', async () => {
    const reply = await withHeaders(client(server.connectorUrls.hub!), { authorization: team.authorization.admin! }).post('/v2/library/nginx/blobs/uploads/');
    const error = expectError(reply, 403, 'DENIED');
    assert.match(error.message, /hub is a proxy of/);
    assert.ok(!error.message.includes('hub/library'), error.message);
  });
});
