/**
 * The token service and the /v2 guard at their edges: forged, stale and misused tokens, the
 * grant types real clients use, accounts that lose access while holding a valid token, and
 * secrets that must never reach the log (throttling: login-throttling.test.ts).
 *
 * Forged tokens are signed here with node:crypto (not with the server's own JWT code), using
 * the key file the server generated, so each one differs from a genuine token only in the
 * flaw under test; a control re-signs an unmodified payload and must be accepted.
 */
import pg from 'pg';
import { strict as assert } from 'node:assert';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import {
  Accounts,
  basic,
  builtinAuth,
  decodeJwt,
  grantedActions,
  offlineLogin,
  parseChallenge,
  postToken,
  requestFrom,
  requestToken,
  SERVICE,
  tokenAnswer,
  withHeaders,
  type TokenAnswer,
} from '../support/auth.js';
import { OCI_MANIFEST } from '../support/content.js';
import { client, eventually, expectError, expectStatus, type Client, type Reply } from '../support/http-client.js';
import { pushImage } from '../support/push.js';

const REPO = 'team/app';
const OTHER = 'team/other';
const pullScope = `repository:${REPO}:pull`;

type Login = { username: string; password: string };

/** Compact JWS with ES256 over header and payload, as any issuer would produce it. */

/** The key tokens are signed with: a file in the data root, or in the database when it is shared (PostgreSQL). */
async function signingKeyPem(target: TestServer): Promise<string> {
  if (target.databaseUrl === undefined) return readFile(join(target.root, 'auth', 'token-signing-key.pem'), 'utf8');
  const db = new pg.Client({ connectionString: target.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ private_key: string }>('select private_key from signing_keys');
    assert.equal(rows.length, 1, 'one signing key, shared by every instance');
    return rows[0]!.private_key;
  } finally {
    await db.end();
  }
}

function signEs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A 401 for a token the guard will not accept: UNAUTHORIZED, and a challenge saying why. */
function expectInvalidToken(reply: Reply, what: string): void {
  expectError(reply, 401, 'UNAUTHORIZED');
  const challenge = parseChallenge(reply.headers.get('www-authenticate'));
  assert.equal(challenge.scheme, 'Bearer', what);
  assert.equal(challenge.params.service, SERVICE, what);
  assert.equal(challenge.params.error, 'invalid_token', `${what}: ${JSON.stringify(challenge.params)}`);
}

describe('tokens', () => {
  let server: TestServer;
  let c: Client;
  let realm: string;
  let accounts: Accounts;
  let signingKey: KeyObject;
  let dev: Login;
  let guest: Login;
  let robot: Login;
  /** Every secret and token the tests handle; none may appear in the server's log. */
  const secrets = new Set<string>();
  const logLines: string[] = [];
  const remember = <T extends Login>(login: T): T => {
    secrets.add(login.password);
    secrets.add(basic(login.username, login.password).slice('Basic '.length));
    return login;
  };
  /** GET /token as containers/image and docker do; `offline` makes it the OAuth2 offline login that yields a refresh token. */
  const token = async (login: Login | undefined, scopes: string[], offline = false): Promise<TokenAnswer> => {
    const reply = offline && login ? await offlineLogin(c, realm, login, scopes) : await requestToken(c, realm, { credentials: login, scopes, offline });
    const answer = tokenAnswer(reply);
    secrets.add(answer.token);
    if (answer.refresh_token) secrets.add(answer.refresh_token);
    return answer;
  };
  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
  const getManifest = (headers: Record<string, string>, repo = REPO) =>
    c.get(`/v2/${repo}/manifests/v1`, { headers: { ...headers, accept: OCI_MANIFEST } });

  before(async () => {
    // Everything the server logs, at every level, is kept for the last test.
    const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    server = await startTestServer({ auth: builtinAuth(), logger });
    c = client(server.url);
    accounts = new Accounts(server.composed);
    await accounts.project('team', 'private');
    const admin = remember(await accounts.user('boss', `pw-${randomBytes(9).toString('hex')}`, { systemAdmin: true }));
    dev = remember(await accounts.user('dev', `pw-${randomBytes(9).toString('hex')}`));
    guest = remember(await accounts.user('gus', `pw-${randomBytes(9).toString('hex')}`));
    await accounts.member('team', 'dev', 'developer');
    await accounts.member('team', 'gus', 'guest');
    robot = remember(await accounts.robot('team', 'ci', ['pull', 'push']));
    const asAdmin = withHeaders(c, { authorization: basic(admin.username, admin.password) });
    await pushImage(asAdmin, REPO, 'v1');
    await pushImage(asAdmin, OTHER, 'v1');
    signingKey = createPrivateKey(await signingKeyPem(server));
    realm = parseChallenge((await c.get('/v2/')).headers.get('www-authenticate')).params.realm!;
  });
  after(() => server?.close());

  describe('forged and stale tokens are refused with invalid_token', () => {
    let genuine: { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string };
    const now = () => Math.floor(Date.now() / 1000);
    before(async () => {
      genuine = decodeJwt((await token(dev, [pullScope])).token);
    });
    const forged = (payload: Record<string, unknown>, header: Record<string, unknown> = genuine.header, key = signingKey) => {
      const value = signEs256(header, payload, key);
      secrets.add(value);
      return value;
    };

    test('control: the genuine payload re-signed with the server key is accepted', async () => {
      assert.equal(genuine.header.alg, 'ES256');
      expectStatus(await getManifest(bearer(forged({ ...genuine.payload }))), 200, 'a well-formed token signed with the key');
    });

    test('expired (exp an hour ago)', async () => {
      const t = now();
      const reply = await getManifest(bearer(forged({ ...genuine.payload, iat: t - 3700, nbf: t - 3700, exp: t - 3600 })));
      expectInvalidToken(reply, 'expired');
      assert.match(JSON.parse(reply.text).errors[0].message as string, /expired/);
    });

    test('not valid yet (nbf an hour ahead)', async () => {
      const t = now();
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload, nbf: t + 3600, exp: t + 7200 }))), 'nbf in the future');
    });

    test('wrong audience', async () => {
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload, aud: 'some-other-registry' }))), 'aud');
    });

    test('wrong issuer', async () => {
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload, iss: 'someone-else' }))), 'iss');
    });

    test('a subject that is no account (signed with the real key) gets nothing', async () => {
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload, sub: 'ghost' }))), 'unknown subject');
    });

    test('tampered payload: a guest flips its pull into push and keeps the signature', async () => {
      const real = (await token(guest, [`repository:${REPO}:pull,push`])).token;
      assert.deepEqual(grantedActions(real, REPO), ['pull']);
      const [head, payload, signature] = real.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { access: { actions: string[] }[] };
      claims.access[0]!.actions = ['pull', 'push', 'delete'];
      const tampered = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      expectInvalidToken(await c.post(`/v2/${REPO}/blobs/uploads/`, { headers: bearer(tampered) }), 'tampered push');
      expectInvalidToken(await c.delete(`/v2/${REPO}/manifests/v1`, { headers: bearer(tampered) }), 'tampered delete');
    });

    test('tampered payload: a scope moved to another repository', async () => {
      const real = (await token(dev, [pullScope])).token;
      const [head, payload, signature] = real.split('.');
      const moved = Buffer.from(Buffer.from(payload!, 'base64url').toString('utf8').replace(`"${REPO}"`, `"${OTHER}"`)).toString('base64url');
      assert.notEqual(moved, payload);
      expectInvalidToken(await getManifest(bearer(`${head}.${moved}.${signature}`), OTHER), 'moved scope');
    });

    test('tampered signature (one bit flipped)', async () => {
      const real = (await token(dev, [pullScope])).token;
      const [head, payload, signature] = real.split('.');
      const bytes = Buffer.from(signature!, 'base64url');
      bytes[bytes.length - 1] ^= 0x01;
      expectInvalidToken(await getManifest(bearer(`${head}.${payload}.${bytes.toString('base64url')}`)), 'flipped signature');
    });

    test('signed by an unknown key, with the real kid and with its own', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload }, genuine.header, privateKey))), 'foreign key, real kid');
      const ownKid = { ...genuine.header, kid: 'attacker-key' };
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload }, ownKid, privateKey))), 'foreign key, own kid');
      const noKid = { alg: 'ES256', typ: 'JWT' };
      expectInvalidToken(await getManifest(bearer(forged({ ...genuine.payload }, noKid, privateKey))), 'foreign key, no kid');
    });

    test('alg none, and HS256 keyed with the public key', async () => {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const payload = part(genuine.payload);
      for (const none of ['none', 'None', 'NONE']) {
        const unsigned = `${part({ alg: none, typ: 'JWT' })}.${payload}.`;
        expectInvalidToken(await getManifest(bearer(unsigned)), `alg ${none}`);
      }
      // The classic confusion: an HMAC whose secret is the verifier's public key PEM.
      const publicPem = createPublicKey(signingKey).export({ type: 'spki', format: 'pem' });
      const header = part({ alg: 'HS256', typ: 'JWT', kid: genuine.header.kid });
      const mac = createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url');
      expectInvalidToken(await getManifest(bearer(`${header}.${payload}.${mac}`)), 'HS256');
    });

    test('malformed tokens and schemes', async () => {
      for (const value of ['', 'abc', 'a.b', 'a.b.c.d', `${genuine.signature}..`]) {
        const reply = await getManifest({ authorization: `Bearer ${value}` });
        expectError(reply, 401, 'UNAUTHORIZED');
      }
      const reply = await getManifest({ authorization: 'Digest username="dev"' });
      expectError(reply, 401, 'UNAUTHORIZED');
      assert.equal(parseChallenge(reply.headers.get('www-authenticate')).scheme, 'Bearer');
    });

    test('a refresh token is not an access token', async () => {
      const answer = await token(dev, [pullScope], true);
      assert.ok(answer.refresh_token);
      expectInvalidToken(await getManifest(bearer(answer.refresh_token)), 'refresh token as Bearer');
    });
  });

  describe('scopes', () => {
    test('a guest asking for push is granted pull only; pushing with that token is DENIED', async () => {
      // Before any token: challenged with the scope to ask for.
      const first = await c.post(`/v2/${REPO}/blobs/uploads/`);
      expectError(first, 401, 'UNAUTHORIZED');
      assert.equal(parseChallenge(first.headers.get('www-authenticate')).params.scope, `repository:${REPO}:pull,push`);
      // The fresh token for exactly that scope still lacks push, and no token ever will carry it.
      const answer = await token(guest, [`repository:${REPO}:pull,push`]);
      assert.deepEqual(grantedActions(answer.token, REPO), ['pull']);
      expectError(await c.post(`/v2/${REPO}/blobs/uploads/`, { headers: bearer(answer.token) }), 403, 'DENIED');
      expectStatus(await getManifest(bearer(answer.token)), 200, 'the token still pulls');
      // `*` and unknown actions grant no more.
      assert.deepEqual(grantedActions((await token(guest, [`repository:${REPO}:*`])).token, REPO), ['pull']);
      assert.deepEqual(grantedActions((await token(guest, [`repository:${REPO}:pull,push,delete,admin`])).token, REPO), ['pull']);
    });

    test('a token that predates a need the account may have gets insufficient_scope, then a fresh one works', async () => {
      const pullOnly = await token(dev, [pullScope]);
      const reply = await c.post(`/v2/${REPO}/blobs/uploads/`, { headers: bearer(pullOnly.token) });
      expectError(reply, 401, 'UNAUTHORIZED');
      const challenge = parseChallenge(reply.headers.get('www-authenticate'));
      assert.equal(challenge.params.error, 'insufficient_scope');
      assert.equal(challenge.params.scope, `repository:${REPO}:pull,push`);
      const fresh = await token(dev, [challenge.params.scope!]);
      assert.deepEqual(grantedActions(fresh.token, REPO), ['pull', 'push']);
      expectStatus(await c.post(`/v2/${REPO}/blobs/uploads/`, { headers: bearer(fresh.token) }), 202, 'push with the fresh token');
    });

    test('a token for one repository opens no other', async () => {
      const answer = await token(dev, [pullScope]);
      const reply = await getManifest(bearer(answer.token), OTHER);
      expectError(reply, 401, 'UNAUTHORIZED');
      assert.equal(parseChallenge(reply.headers.get('www-authenticate')).params.error, 'insufficient_scope');
    });

    test('a robot gets its grant and nothing more, in its own project only', async () => {
      const answer = await token(robot, [`repository:${REPO}:pull,push,delete`, 'repository:elsewhere/app:pull']);
      assert.deepEqual(grantedActions(answer.token, REPO), ['pull', 'push']);
      assert.deepEqual(grantedActions(answer.token, 'elsewhere/app'), []);
      assert.equal(decodeJwt(answer.token).payload.sub, robot.username);
    });

    test('a token without the catalog scope is challenged for it, not denied', async () => {
      const answer = await token(dev, [pullScope]);
      const reply = await c.get('/v2/_catalog', { headers: bearer(answer.token) });
      expectError(reply, 401, 'UNAUTHORIZED');
      assert.equal(parseChallenge(reply.headers.get('www-authenticate')).params.scope, 'registry:catalog:*');
      const catalog = await token(dev, ['registry:catalog:*']);
      expectStatus(await c.get('/v2/_catalog', { headers: bearer(catalog.token) }), 200, 'catalog with its scope');
    });
  });

  describe('grant types', () => {
    test("docker login's offline_token=true gets no refresh_token (docker then keeps the credentials every client reads); access_type=offline does", async () => {
      const docker = await requestToken(c, realm, { credentials: dev, scopes: [], offline: true });
      const dockerLogin = tokenAnswer(docker, 'docker login');
      secrets.add(dockerLogin.token);
      assert.equal(dockerLogin.refresh_token, undefined, 'docker would store it as an identity token podman and skopeo refuse');
      assert.ok(dockerLogin.expires_in > 0);
      assert.ok(!Number.isNaN(Date.parse(dockerLogin.issued_at)));
      assert.equal(docker.headers.get('cache-control'), 'no-store', 'tokens must not be cached by proxies');
      const login = await token(dev, [], true);
      assert.equal(typeof login.refresh_token, 'string', 'the OAuth2 offline login still gets one');
      assert.equal((await token(dev, [])).refresh_token, undefined);
      assert.equal((await token(undefined, [], true)).refresh_token, undefined, 'anonymous callers get no refresh token');
    });

    test('refresh flow: POST grant_type=refresh_token yields working access tokens', async () => {
      const { refresh_token: refresh } = await token(dev, [], true);
      assert.ok(refresh);
      const reply = await postToken(c, realm, {
        grant_type: 'refresh_token',
        refresh_token: refresh,
        service: SERVICE,
        client_id: 'docker',
        scope: `repository:${REPO}:pull,push`,
      });
      const answer = tokenAnswer(reply, 'refresh grant');
      secrets.add(answer.token);
      assert.deepEqual(grantedActions(answer.token, REPO), ['pull', 'push']);
      expectStatus(await getManifest(bearer(answer.token)), 200, 'pull with the refreshed token');
      expectStatus(await c.post(`/v2/${REPO}/blobs/uploads/`, { headers: bearer(answer.token) }), 202, 'push with it');
    });

    test('refresh grant refuses access tokens and garbage', async () => {
      const access = await token(dev, [pullScope]);
      for (const value of [access.token, 'not-a-token', '']) {
        const reply = await postToken(c, realm, { grant_type: 'refresh_token', refresh_token: value, service: SERVICE, scope: pullScope });
        expectError(reply, 401, 'UNAUTHORIZED');
      }
    });

    test('containerd: POST grant_type=password with space-separated scopes', async () => {
      const reply = await postToken(c, realm, {
        grant_type: 'password',
        username: dev.username,
        password: dev.password,
        service: SERVICE,
        client_id: 'containerd-client',
        scope: `repository:${REPO}:pull,push repository:${OTHER}:pull`,
      });
      const answer = tokenAnswer(reply, 'password grant');
      secrets.add(answer.token);
      assert.deepEqual(grantedActions(answer.token, REPO), ['pull', 'push']);
      assert.deepEqual(grantedActions(answer.token, OTHER), ['pull']);
      assert.equal(answer.refresh_token, undefined);
      expectStatus(await getManifest(bearer(answer.token), OTHER), 200, 'both scopes work');
      const offline = tokenAnswer(
        await postToken(c, realm, { grant_type: 'password', username: dev.username, password: dev.password, service: SERVICE, access_type: 'offline', scope: pullScope }),
      );
      assert.equal(typeof offline.refresh_token, 'string', 'access_type=offline asks for a refresh token');
      secrets.add(offline.token).add(offline.refresh_token!);
    });

    test('a personal access token works as the password in every grant', async () => {
      const pat = remember(await accounts.personalToken('dev'));
      const viaGet = await token(pat, [pullScope]);
      assert.deepEqual(grantedActions(viaGet.token, REPO), ['pull']);
      const viaPost = tokenAnswer(
        await postToken(c, realm, { grant_type: 'password', username: pat.username, password: pat.password, service: SERVICE, scope: pullScope }),
      );
      secrets.add(viaPost.token);
      expectStatus(await getManifest({ authorization: basic(pat.username, pat.password) }), 200, 'PAT as Basic on /v2');
    });

    test('unknown grant types are a 400, not a token', async () => {
      const reply = await postToken(c, realm, { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' });
      assert.equal(reply.status, 400);
    });
  });

  describe('bad credentials', () => {
    test('a wrong password on /token is 401 with a Basic challenge, same as an unknown user', async () => {
      const wrong = await requestToken(c, realm, { credentials: { username: dev.username, password: 'wrong' }, scopes: [pullScope] });
      expectError(wrong, 401, 'UNAUTHORIZED');
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]+"/);
      const unknown = await requestToken(c, realm, { credentials: { username: 'nobody', password: 'wrong' }, scopes: [pullScope] });
      expectError(unknown, 401, 'UNAUTHORIZED');
      assert.equal(JSON.parse(unknown.text).errors[0].message, JSON.parse(wrong.text).errors[0].message, 'no hint which names exist');
      const post = await postToken(c, realm, { grant_type: 'password', username: dev.username, password: 'wrong', service: SERVICE, scope: pullScope });
      expectError(post, 401, 'UNAUTHORIZED');
    });

    test('wrong Basic credentials on /v2 are 401 with a challenge', async () => {
      const reply = await getManifest({ authorization: basic(dev.username, 'wrong') });
      expectError(reply, 401, 'UNAUTHORIZED');
      const challenge = parseChallenge(reply.headers.get('www-authenticate'));
      assert.equal(challenge.scheme, 'Bearer');
      assert.equal(challenge.params.realm, realm);
    });

    test('an expired personal access token fails on /token and on /v2', async () => {
      const pat = remember(await accounts.personalToken('dev', { expiresAt: new Date(Date.now() - 60_000) }));
      expectError(await requestToken(c, realm, { credentials: pat, scopes: [pullScope] }), 401, 'UNAUTHORIZED');
      expectError(await getManifest({ authorization: basic(pat.username, pat.password) }), 401, 'UNAUTHORIZED');
    });

    test('a personal access token stops working when it expires', async () => {
      const pat = remember(await accounts.personalToken('dev', { expiresAt: new Date(Date.now() + 1500) }));
      await token(pat, [pullScope]);
      await eventually(async () => {
        expectError(await requestToken(c, realm, { credentials: pat, scopes: [pullScope] }), 401, 'UNAUTHORIZED');
      }, 4000);
    });

    test('a personal access token is bound to its user', async () => {
      const pat = remember(await accounts.personalToken('dev'));
      const stolen = { username: guest.username, password: pat.password };
      expectError(await requestToken(c, realm, { credentials: stolen, scopes: [pullScope] }), 401, 'UNAUTHORIZED');
    });
  });

  describe('revocation', () => {
    /** Polls until `reply()` is refused; resolves to how long that took (ms). */
    /** Until every instance refuses (one in a row per instance; nginx takes them in turn). */
    async function refusedWithin(reply: () => Promise<Reply>, what: string): Promise<number> {
      const started = Date.now();
      await eventually(async () => {
        for (let i = 0; i < server.instanceUrls.length; i++) expectInvalidOrUnauthorized(await reply(), what);
      }, 3000);
      return Date.now() - started;
    }
    function expectInvalidOrUnauthorized(reply: Reply, what: string): void {
      assert.equal(reply.status, 401, `${what}: still ${reply.status}`);
      expectError(reply, 401, 'UNAUTHORIZED');
    }

    test("a disabled user's still-valid token and Basic login stop working within about a second", async () => {
      const user = remember(await accounts.user('leaver', `pw-${randomBytes(9).toString('hex')}`));
      await accounts.member('team', 'leaver', 'developer');
      const answer = await token(user, [pullScope], true);
      const basicAuth = { authorization: basic(user.username, user.password) };
      expectStatus(await getManifest(bearer(answer.token)), 200, 'before');
      expectStatus(await getManifest(basicAuth), 200, 'before (Basic, now memoised)');
      await server.composed.accessStore.updateUser('leaver', { disabled: true });
      const tookBearer = await refusedWithin(() => getManifest(bearer(answer.token)), 'Bearer after disable');
      const tookBasic = await refusedWithin(() => getManifest(basicAuth), 'Basic after disable');
      assert.ok(tookBearer < 1500 && tookBasic < 1500, `took ${tookBearer} ms / ${tookBasic} ms`);
      expectInvalidToken(await getManifest(bearer(answer.token)), 'disabled account');
      expectError(await requestToken(c, realm, { credentials: user, scopes: [pullScope] }), 401, 'UNAUTHORIZED');
      const refresh = await postToken(c, realm, { grant_type: 'refresh_token', refresh_token: answer.refresh_token!, service: SERVICE });
      expectError(refresh, 401, 'UNAUTHORIZED');
    });

    test('a deleted robot’s token stops working within about a second', async () => {
      const ci = remember(await accounts.robot('team', 'short-lived', ['pull', 'push']));
      const answer = await token(ci, [`repository:${REPO}:pull,push`]);
      expectStatus(await getManifest(bearer(answer.token)), 200, 'before');
      expectStatus(await getManifest({ authorization: basic(ci.username, ci.password) }), 200, 'before (Basic)');
      assert.equal(await server.composed.accessStore.deleteRobot(ci.username), true);
      const took = await refusedWithin(() => c.post(`/v2/${REPO}/blobs/uploads/`, { headers: bearer(answer.token) }), 'robot token');
      assert.ok(took < 1500, `took ${took} ms`);
      await refusedWithin(() => getManifest({ authorization: basic(ci.username, ci.password) }), 'robot Basic');
      expectError(await requestToken(c, realm, { credentials: ci, scopes: [pullScope] }), 401, 'UNAUTHORIZED');
    });

    test('an expired robot cannot sign in', async () => {
      const old = remember(await accounts.robot('team', 'expired', ['pull'], { expiresAt: new Date(Date.now() - 1000) }));
      expectError(await requestToken(c, realm, { credentials: old, scopes: [pullScope] }), 401, 'UNAUTHORIZED');
    });
  });

  // Last, so it sees the log of everything above.
  test('no password, secret, token or Basic credential appears in the server log or the audit log', async () => {
    const log = logLines.join('');
    assert.ok(logLines.length > 50, `the log captured too little to mean anything (${logLines.length} lines)`);
    assert.match(log, /"route"/, 'request lines are in the capture');
    assert.ok(secrets.size > 20, `only ${secrets.size} secrets were collected`);
    for (const secret of secrets) {
      assert.ok(secret.length >= 8, 'a short secret would match by chance');
      assert.ok(!log.includes(secret), `the log contains a secret: ${secret.slice(0, 12)}…`);
    }
    // The signature alone identifies a token: no part of one may be logged either.
    for (const secret of secrets) {
      const parts = secret.split('.');
      if (parts.length === 3 && parts[2]!.length > 20) assert.ok(!log.includes(parts[2]!), 'the log contains a token signature');
    }
    const audit = JSON.stringify(await server.composed.accessStore.queryAudit({ limit: 10_000 }));
    assert.match(audit, /login/, 'logins are audited');
    for (const secret of secrets) assert.ok(!audit.includes(secret), `the audit log contains a secret: ${secret.slice(0, 12)}…`);
  });
});
