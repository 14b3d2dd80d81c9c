/**
 * Every /v2 refusal says what to do next, in the OCI error's `message` (what docker, podman and
 * curl users read) and, for a challenge that carries an `error`, in its `error_description`
 * (what docker prints for a 401 after it fetched a token). Each message is checked word for
 * word; and a caller who may not see a private project is told exactly what they would be told
 * about a project that does not exist, so refusals reveal nothing.
 *
 * Also here: an anonymous catalog that would come out empty is a 401 challenge (not a silent
 * `[]`), and a mount whose source the token does not name is challenged for that source too.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { Accounts, basic, builtinAuth, parseChallenge, requestToken, tokenAnswer, withHeaders } from '../support/auth.js';
import { randomBlob } from '../support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from '../support/http-client.js';
import { pushBlob, pushImage } from '../support/push.js';

type Login = { username: string; password: string };

const secret = () => `pw-${randomBytes(9).toString('hex')}`;

function hiddenProject(project: string): string {
  return (
    `project ${project} does not exist or you have no access to it; if it does not exist, a system admin can create it ` +
    `(berth project add ${project} / POST /api/v1/projects) or turn on auth.builtin.createprojects (berth settings set auth.builtin.createprojects true) so that a push creates it; ` +
    `if it exists, ask one of its project admins to add you`
  );
}

describe('refusal messages (built-in auth)', () => {
  let server: TestServer;
  let c: Client;
  let admin: Client;
  let realm: string;
  let host: string;
  let signIn: string;
  let guest: Login;
  let dev: Login;
  let outsider: Login;
  let puller: Login;

  before(async () => {
    server = await startTestServer({ auth: builtinAuth() });
    c = client(server.url);
    host = new URL(server.url).host;
    signIn = `authentication required: access control is on; log in with \`docker login ${host}\``;
    const accounts = new Accounts(server.composed);
    const root = await accounts.user('root', secret(), { systemAdmin: true });
    admin = withHeaders(c, { authorization: basic(root.username, root.password) });
    await accounts.project('team', 'private');
    await accounts.project('alpha', 'private');
    await accounts.project('pub', 'public');
    guest = await accounts.user('gus', secret());
    dev = await accounts.user('dev', secret());
    outsider = await accounts.user('olga', secret());
    await accounts.member('team', 'gus', 'guest');
    await accounts.member('team', 'dev', 'developer');
    puller = await accounts.robot('team', 'puller', ['pull']);
    await pushImage(admin, 'team/app', 'v1');
    await pushImage(admin, 'alpha/app', 'v1');
    await pushImage(admin, 'pub/src', 'v1');
    realm = parseChallenge((await c.get('/v2/')).headers.get('www-authenticate')).params.realm!;
  });
  after(() => server?.close());

  const tokenFor = async (login: Login | undefined, scopes: string[]) =>
    `Bearer ${tokenAnswer(await requestToken(c, realm, { credentials: login, scopes })).token}`;
  /** Starts an upload (the first write of every push) as `authorization`. */
  const startPush = (repository: string, authorization?: string): Promise<Reply> =>
    c.post(`/v2/${repository}/blobs/uploads/`, { headers: authorization ? { authorization } : {} });
  /** A refusal with its message, through Basic credentials and through a token (docker's way). */
  const refusedBothWays = async (login: Login, repository: string, action: 'pull' | 'push' | 'delete'): Promise<string> => {
    const send = (authorization: string) =>
      action === 'pull'
        ? c.get(`/v2/${repository}/tags/list`, { headers: { authorization } })
        : action === 'push'
          ? startPush(repository, authorization)
          : c.delete(`/v2/${repository}/manifests/v1`, { headers: { authorization } });
    const direct = expectError(await send(basic(login.username, login.password)), 403, 'DENIED');
    const viaToken = expectError(await send(await tokenFor(login, [`repository:${repository}:pull,push,delete`])), 403, 'DENIED');
    assert.equal(viaToken.message, direct.message, 'Basic and token callers are told the same');
    return direct.message;
  };

  describe('a caller who has not signed in', () => {
    test('is told that access control is on and how to log in (no credentials: the first challenge)', async () => {
      const reply = await startPush('team/app');
      const error = expectError(reply, 401, 'UNAUTHORIZED');
      assert.equal(error.message, signIn);
      const challenge = parseChallenge(reply.headers.get('www-authenticate'));
      assert.equal(challenge.params.scope, 'repository:team/app:pull,push');
      assert.equal(challenge.params.error, undefined, 'the first challenge is no error: the client goes to /token');
      expectError(await c.get('/v2/'), 401, 'UNAUTHORIZED');
      assert.equal(expectError(await c.get('/v2/'), 401, 'UNAUTHORIZED').message, signIn);
    });

    test('with an anonymous token (docker push before login), the 401 says it in the body and in error_description', async () => {
      const reply = await startPush('my_busybox', await tokenFor(undefined, ['repository:my_busybox:pull,push']));
      const error = expectError(reply, 401, 'UNAUTHORIZED');
      assert.equal(error.message, signIn);
      const challenge = parseChallenge(reply.headers.get('www-authenticate'));
      assert.equal(challenge.params.error, 'insufficient_scope');
      assert.equal(challenge.params.error_description, signIn);
    });

    test('is told the same about a private project and one that does not exist', async () => {
      for (const repository of ['alpha/app', 'nosuch/app']) {
        const error = expectError(await c.get(`/v2/${repository}/manifests/v1`), 401, 'UNAUTHORIZED');
        assert.equal(error.message, signIn, repository);
      }
    });
  });

  describe('a signed-in user', () => {
    test('pushing to a project that does not exist is told who may create it', async () => {
      assert.equal(await refusedBothWays(outsider, 'newproj/app', 'push'), hiddenProject('newproj'));
    });

    test('who may not see a private project cannot tell it from one that does not exist', async () => {
      for (const action of ['pull', 'push', 'delete'] as const) {
        const existing = await refusedBothWays(outsider, 'alpha/app', action);
        const missing = await refusedBothWays(outsider, 'alphb/app', action);
        assert.equal(existing, hiddenProject('alpha'), action);
        assert.equal(missing.replaceAll('alphb', 'alpha'), existing, `${action}: the two refusals differ`);
      }
    });

    test('a guest pushing is told the role allows pulls only and what to ask for', async () => {
      assert.equal(await refusedBothWays(guest, 'team/app', 'push'), 'your role in project team is guest, which may pull only; ask a project admin for developer');
    });

    test('a developer deleting is told the role and what to ask for', async () => {
      assert.equal(
        await refusedBothWays(dev, 'team/app', 'delete'),
        'your role in project team is developer, which may pull and push only; ask a project admin for maintainer',
      );
    });

    test('a non-member pushing to a public project is told to ask to be added', async () => {
      assert.equal(
        await refusedBothWays(outsider, 'pub/src', 'push'),
        'you are not a member of project pub (it is public: anyone signed in may pull); ask a project admin to add you as developer',
      );
    });
  });

  describe('a robot', () => {
    test('is told its grant when it acts outside it in its own project', async () => {
      assert.equal(
        await refusedBothWays(puller, 'team/app', 'push'),
        'robot robot$team+puller may pull in project team, not push; ask a project admin for a robot whose grant includes push',
      );
    });

    test('is told it is limited to its project, the same for a private project and a missing one', async () => {
      const existing = await refusedBothWays(puller, 'alpha/app', 'pull');
      assert.equal(existing, 'robot robot$team+puller may act only in project team (pull); use a robot of project alpha or sign in as a user');
      assert.equal((await refusedBothWays(puller, 'alphb/app', 'pull')).replaceAll('alphb', 'alpha'), existing);
    });
  });

  describe('a cross-repository mount', () => {
    test('whose source the token does not name is challenged for pull on the source too, then mounts', async () => {
      const digest = await pushBlob(admin, 'pub/src', randomBlob(300));
      const mount = `/v2/team/app/blobs/uploads/?mount=${digest}&from=pub/src`;
      const reply = await c.post(mount, { headers: { authorization: await tokenFor(dev, ['repository:team/app:pull,push']) } });
      expectError(reply, 401, 'UNAUTHORIZED');
      const challenge = parseChallenge(reply.headers.get('www-authenticate'));
      assert.equal(challenge.params.scope, 'repository:team/app:pull,push repository:pub/src:pull');
      assert.equal(challenge.params.error, 'insufficient_scope');
      // The client asks for what the challenge named and gets a mount, not an upload.
      const retry = await c.post(mount, { headers: { authorization: await tokenFor(dev, challenge.params.scope!.split(' ')) } });
      expectStatus(retry, 201, 'mount with the source in the token');
      assert.equal(retry.headers.get('docker-content-digest'), digest);
    });

    test('from a source the caller may not read is an ordinary upload, private or missing alike', async () => {
      const digest = await pushBlob(admin, 'alpha/app', randomBlob(300));
      const authorization = await tokenFor(dev, ['repository:team/app:pull,push']);
      for (const from of ['alpha/app', 'alphb/app']) {
        const reply = await c.post(`/v2/team/app/blobs/uploads/?mount=${digest}&from=${from}`, { headers: { authorization } });
        expectStatus(reply, 202, `mount from ${from}`);
      }
      expectStatus(await admin.head(`/v2/team/app/blobs/${digest}`), 404, 'nothing was mounted');
    });
  });

  describe('the catalog for an anonymous caller', () => {
    test('lists the public repositories', async () => {
      const reply = await c.get('/v2/_catalog');
      expectStatus(reply, 200, 'anonymous catalog');
      assert.deepEqual(json<{ repositories: string[] }>(reply).repositories, ['pub/src']);
    });
  });
});

describe('anonymous catalog with nothing public', () => {
  let server: TestServer;
  let c: Client;

  before(async () => {
    server = await startTestServer({ auth: builtinAuth() });
    c = client(server.url);
    const accounts = new Accounts(server.composed);
    const root = await accounts.user('root', secret(), { systemAdmin: true });
    await accounts.project('alpha', 'private');
    await pushImage(withHeaders(c, { authorization: basic(root.username, root.password) }), 'alpha/app', 'v1');
  });
  after(() => server?.close());

  const signIn = () => `authentication required: access control is on; log in with \`docker login ${new URL(server.url).host}\``;

  test('is a challenge saying to log in, not a silent empty list', async () => {
    const reply = await c.get('/v2/_catalog');
    const error = expectError(reply, 401, 'UNAUTHORIZED');
    assert.equal(error.message, signIn());
    assert.equal(parseChallenge(reply.headers.get('www-authenticate')).params.scope, 'registry:catalog:*');
  });

  test('is the same challenge with an anonymous token', async () => {
    const realm = parseChallenge((await c.get('/v2/')).headers.get('www-authenticate')).params.realm!;
    const token = tokenAnswer(await requestToken(c, realm, { scopes: ['registry:catalog:*'] })).token;
    const reply = await c.get('/v2/_catalog', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(expectError(reply, 401, 'UNAUTHORIZED').message, signIn());
  });

  test('past the last page is still an empty page', async () => {
    const reply = await c.get('/v2/_catalog?last=zzz');
    expectStatus(reply, 200, 'a later page');
    assert.deepEqual(json<{ repositories: string[] }>(reply).repositories, []);
  });
});
