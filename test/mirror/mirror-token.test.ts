// Bearer tokens on transparent-mirror names. A client (the Docker engine first of all) asks the
// token service for the name it pulls, `repository:library/x:pull`, and presents that token on
// /v2/library/x, which Berth serves from the project mirroring docker.io. The token must work
// there, while what the caller may pull is still judged on the project serving the name: a
// token for one name, or one mirror, opens nothing else.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { berthAccounts } from '../e2e/support/berth-accounts.js';
import type { PushedImage } from '../http/support/push.js';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';

const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };
let berth: RegistryProcess;
let upstream: UpstreamUnderTest;
let image: PushedImage;

before(async () => {
  upstream = await startOpenDistribution();
  image = await upstream.pushImage('library/x', '1', 1);
  berth = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: 'mirror-token-admin-1' } });
  const cli = berthAccounts(berth.root).cli;
  await cli(['project', 'create', 'hub', '--public', '--proxy', upstream.url, '--mirror-of', 'docker.io']);
  await cli(['project', 'create', 'example', '--public', '--proxy', upstream.url, '--mirror-of', 'registry.example.test']);
  await cli(['project', 'create', 'secret', '--proxy', upstream.url, '--mirror-of', 'private.example.test']);
});
after(async () => {
  await berth?.stop();
  await upstream?.stop();
});

/** An anonymous token for `scopes`, fetched from the realm /v2/ names, as clients do. */
async function anonymousToken(...scopes: string[]): Promise<string> {
  const challenge = (await fetch(`${berth.url}/v2/`)).headers.get('www-authenticate') ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  const service = /service="([^"]+)"/.exec(challenge)?.[1];
  assert.ok(realm && service, `a Bearer challenge: ${challenge}`);
  const url = new URL(realm);
  url.searchParams.set('service', service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const reply = await fetch(url);
  assert.equal(reply.status, 200);
  return ((await reply.json()) as { token: string }).token;
}

const get = (path: string, token: string) => fetch(`${berth.url}${path}`, { headers: { ...ACCEPT, authorization: `Bearer ${token}` } });

test('a token for the name the client asked for pulls it through the docker.io mirror', async () => {
  const token = await anonymousToken('repository:library/x:pull');
  const manifest = await get('/v2/library/x/manifests/1', token);
  assert.equal(manifest.status, 200, await manifest.clone().text());
  assert.equal(manifest.headers.get('docker-content-digest'), image.digest);
  const blob = await get(`/v2/library/x/blobs/${image.layers[0]!.digest}`, token);
  assert.equal(blob.status, 200);
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), image.layerBytes[0]);
});

test('and through the project ?ns= names', async () => {
  const token = await anonymousToken('repository:library/x:pull');
  const manifest = await get('/v2/library/x/manifests/1?ns=registry.example.test', token);
  assert.equal(manifest.status, 200, await manifest.clone().text());
  assert.equal(manifest.headers.get('docker-content-digest'), image.digest);
});

test('the token opens no private mirror project, and a token for another name opens nothing', async () => {
  const token = await anonymousToken('repository:library/x:pull');
  const hidden = await get('/v2/library/x/manifests/1?ns=private.example.test', token);
  assert.equal(hidden.status, 401);
  assert.ok(!(await hidden.text()).includes('sha256:'), 'no digest leaks');
  const other = await get('/v2/library/x/manifests/1', await anonymousToken('repository:library/y:pull'));
  assert.equal(other.status, 401, 'a token is limited to the names it was issued for');
});
