// registry:2's auth.token: tokens from an external issuer, trusted through a JWKS file.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signJwt, type SigningKey } from '../../src/core/access/jwt.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

function keyPair(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, kid };
}

describe('auth.token (external issuer)', () => {
  let server: TestServer;
  let dir: string;
  const trusted = keyPair('issuer-key-1');
  const stranger = keyPair('issuer-key-1');

  const token = (access: unknown[], overrides: Record<string, unknown> = {}, key = trusted) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { iss: 'corp-auth', sub: 'ci-bot', aud: 'registry.corp', iat: now, nbf: now, exp: now + 300, jti: randomUUID(), access, ...overrides },
      key,
    );
  };
  const get = (path: string, bearer?: string, method = 'GET') =>
    fetch(`${server.url}${path}`, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-jwks-'));
    const jwks = join(dir, 'jwks.json');
    await writeFile(jwks, JSON.stringify({ keys: [{ ...trusted.publicKey.export({ format: 'jwk' }), kid: trusted.kid }] }));
    server = await startTestServer({
      auth: { mode: 'token', realm: 'https://auth.corp/token', service: 'registry.corp', issuer: 'corp-auth', rootCertBundle: undefined, jwks },
    });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('without a token the challenge names the configured realm, service and scope', async () => {
    const res = await get('/v2/team/app/tags/list');
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer realm="https://auth.corp/token",service="registry.corp",scope="repository:team/app:pull"',
    );
  });

  test('a granted action passes; an action the token lacks is insufficient_scope', async () => {
    const pull = token([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    assert.equal((await get('/v2/team/app/manifests/latest', pull)).status, 404, 'past the guard: the manifest just does not exist');
    const push = await get('/v2/team/app/blobs/uploads/', pull, 'POST');
    assert.equal(push.status, 401);
    assert.match(push.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.equal((await get('/v2/other/app/manifests/latest', pull)).status, 401, 'another repository is not granted');
  });

  test('tokens from an untrusted key, for another audience or issuer, or expired are refused', async () => {
    const access = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];
    const now = Math.floor(Date.now() / 1000);
    for (const [what, bad] of [
      ['untrusted key with a known kid', token(access, {}, stranger)],
      ['wrong audience', token(access, { aud: 'elsewhere' })],
      ['wrong issuer', token(access, { iss: 'someone' })],
      ['expired', token(access, { exp: now - 3600, nbf: now - 7200, iat: now - 7200 })],
    ] as const) {
      const res = await get('/v2/team/app/manifests/latest', bad);
      assert.equal(res.status, 401, what);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/, what);
    }
  });
});
