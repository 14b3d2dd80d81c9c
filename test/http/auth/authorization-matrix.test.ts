/**
 * Who may do what, over real HTTP: every caller (role and credential kind) × action × project
 * visibility × way of authenticating, each cell one test checked against the table below.
 *
 * The table is the specification: it is written out by hand from the role definitions
 * (admin/maintainer: pull, push, delete; developer: pull, push; guest: pull; public projects:
 * pull for everyone, anonymous included; robots: exactly their grant, in their own project;
 * system admins: everything), never computed from the server's code, so a server that
 * disagrees with it goes red.
 *
 * Fixture, per visibility V: project `<V>-team` holds `app` (where the roles apply) and
 * `<V>-other` holds `src`, a project no caller belongs to (the source of cross-project mounts).
 * Both projects of a world share its visibility.
 *
 * `manage` is an admin action through the management API (adding a project member).
 *
 * Ways of authenticating, both exercised for every cell:
 * - token: GET /token with Basic credentials and the scopes a client would ask for (anonymous:
 *   no credentials), then `Authorization: Bearer` on /v2 — what docker, podman and containerd do;
 * - direct: Basic credentials on /v2 itself (anonymous: nothing) — what curl and scripts do.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Visibility } from '../../../src/ports/access-store.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import {
  Accounts,
  basic,
  builtinAuth,
  grantedActions,
  parseChallenge,
  requestToken,
  SERVICE,
  tokenAnswer,
  withHeaders,
} from '../support/auth.js';
import { OCI_MANIFEST, imageManifest, randomBlob, sha256 } from '../support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from '../support/http-client.js';
import { pushBlob, pushImage, pushManifest, withDigest, type PushedImage } from '../support/push.js';

type Caller =
  | 'system admin'
  | 'project admin'
  | 'maintainer'
  | 'developer'
  | 'guest'
  | 'non-member'
  | 'robot (pull)'
  | 'robot (pull+push)'
  | 'anonymous';
type Verdict = 'allow' | 'deny';
type CatalogVerdict = 'listed' | 'hidden';
/** A mount either happens, is answered with a fresh upload session (no access to the source), or is refused outright (no push on the target). */
type MountVerdict = 'mounted' | 'fresh upload' | 'deny';
type Row = readonly [Caller, Visibility, Verdict, Verdict, Verdict, CatalogVerdict, MountVerdict, Verdict];

const EXPECTED: readonly Row[] = [
  // caller               visibility  pull     push     delete   catalog   mount           manage
  ['system admin',        'public',   'allow', 'allow', 'allow', 'listed', 'mounted',      'allow'],
  ['system admin',        'private',  'allow', 'allow', 'allow', 'listed', 'mounted',      'allow'],
  ['project admin',       'public',   'allow', 'allow', 'allow', 'listed', 'mounted',      'allow'],
  ['project admin',       'private',  'allow', 'allow', 'allow', 'listed', 'fresh upload', 'allow'],
  ['maintainer',          'public',   'allow', 'allow', 'allow', 'listed', 'mounted',      'deny'],
  ['maintainer',          'private',  'allow', 'allow', 'allow', 'listed', 'fresh upload', 'deny'],
  ['developer',           'public',   'allow', 'allow', 'deny',  'listed', 'mounted',      'deny'],
  ['developer',           'private',  'allow', 'allow', 'deny',  'listed', 'fresh upload', 'deny'],
  ['guest',               'public',   'allow', 'deny',  'deny',  'listed', 'deny',         'deny'],
  ['guest',               'private',  'allow', 'deny',  'deny',  'listed', 'deny',         'deny'],
  ['non-member',          'public',   'allow', 'deny',  'deny',  'listed', 'deny',         'deny'],
  ['non-member',          'private',  'deny',  'deny',  'deny',  'hidden', 'deny',         'deny'],
  ['robot (pull)',        'public',   'allow', 'deny',  'deny',  'listed', 'deny',         'deny'],
  ['robot (pull)',        'private',  'allow', 'deny',  'deny',  'listed', 'deny',         'deny'],
  ['robot (pull+push)',   'public',   'allow', 'allow', 'deny',  'listed', 'mounted',      'deny'],
  ['robot (pull+push)',   'private',  'allow', 'allow', 'deny',  'listed', 'fresh upload', 'deny'],
  ['anonymous',           'public',   'allow', 'deny',  'deny',  'listed', 'deny',         'deny'],
  ['anonymous',           'private',  'deny',  'deny',  'deny',  'hidden', 'deny',         'deny'],
];

const CALLERS: readonly Caller[] = [
  'system admin',
  'project admin',
  'maintainer',
  'developer',
  'guest',
  'non-member',
  'robot (pull)',
  'robot (pull+push)',
  'anonymous',
];
const VISIBILITIES: readonly Visibility[] = ['public', 'private'];

// A table with a hole or a duplicate would silently test less than it claims.
for (const caller of CALLERS) {
  for (const visibility of VISIBILITIES) {
    const rows = EXPECTED.filter(([c, v]) => c === caller && v === visibility);
    assert.equal(rows.length, 1, `the expected table needs exactly one row for ${caller} × ${visibility}`);
  }
}
assert.equal(EXPECTED.length, CALLERS.length * VISIBILITIES.length);

type Credential = 'password' | 'personal access token' | 'robot secret' | 'no credentials';
type Flow = 'token' | 'direct';
const FLOWS: readonly Flow[] = ['token', 'direct'];

function credentialsOf(caller: Caller): readonly Credential[] {
  if (caller === 'anonymous') return ['no credentials'];
  if (caller.startsWith('robot')) return ['robot secret'];
  return ['password', 'personal access token'];
}

const userRoles = {
  'project admin': 'admin',
  maintainer: 'maintainer',
  developer: 'developer',
  guest: 'guest',
} as const;

const teamProject = (v: Visibility) => `${v}-team`;
const otherProject = (v: Visibility) => `${v}-other`;
const teamRepo = (v: Visibility) => `${teamProject(v)}/app`;
const otherRepo = (v: Visibility) => `${otherProject(v)}/src`;

interface Login {
  username: string;
  password: string;
}

interface Authorization {
  headers: Record<string, string>;
  /** The Bearer token sent, in the token flow. */
  token: string | undefined;
}

let unique = 0;
const nextId = () => `c${++unique}-${randomBytes(3).toString('hex')}`;

describe('authorization matrix', () => {
  let server: TestServer;
  let c: Client;
  let admin: Client;
  let realm: string;
  const logins = new Map<string, Login>();
  const base = new Map<Visibility, PushedImage>();

  const loginKey = (caller: Caller, credential: Credential, visibility: Visibility) => `${caller}|${credential}|${visibility}`;

  before(async () => {
    server = await startTestServer({ auth: builtinAuth() });
    c = client(server.url);
    const accounts = new Accounts(server.composed);
    const setup = await accounts.user('setup-admin', randomBytes(12).toString('hex'), { systemAdmin: true });
    admin = withHeaders(c, { authorization: basic(setup.username, setup.password) });

    for (const visibility of VISIBILITIES) {
      await accounts.project(teamProject(visibility), visibility);
      await accounts.project(otherProject(visibility), visibility);
    }
    const users: [Caller, string, boolean][] = [
      ['system admin', 'root', true],
      ['project admin', 'ada', false],
      ['maintainer', 'max', false],
      ['developer', 'dev', false],
      ['guest', 'gus', false],
      ['non-member', 'nora', false],
    ];
    for (const [caller, name, systemAdmin] of users) {
      const password = await accounts.user(name, `pw-${randomBytes(9).toString('hex')}`, { systemAdmin });
      const token = await accounts.personalToken(name);
      const role = caller in userRoles ? userRoles[caller as keyof typeof userRoles] : undefined;
      for (const visibility of VISIBILITIES) {
        // The same account holds the same role in both worlds, so only visibility differs.
        if (role) await accounts.member(teamProject(visibility), name, role);
        logins.set(loginKey(caller, 'password', visibility), password);
        logins.set(loginKey(caller, 'personal access token', visibility), token);
      }
    }
    for (const visibility of VISIBILITIES) {
      const project = teamProject(visibility);
      logins.set(loginKey('robot (pull)', 'robot secret', visibility), await accounts.robot(project, 'puller', ['pull']));
      logins.set(loginKey('robot (pull+push)', 'robot secret', visibility), await accounts.robot(project, 'pusher', ['pull', 'push']));
      base.set(visibility, await pushImage(admin, teamRepo(visibility), 'base'));
      await pushImage(admin, otherRepo(visibility), 'base');
    }

    // Clients learn the token endpoint from the challenge to their first request.
    const ping = await c.get('/v2/');
    expectError(ping, 401, 'UNAUTHORIZED');
    const challenge = parseChallenge(ping.headers.get('www-authenticate'));
    assert.equal(challenge.scheme, 'Bearer');
    assert.equal(challenge.params.service, SERVICE);
    assert.ok(challenge.params.realm, 'the challenge names the token endpoint');
    realm = challenge.params.realm;
  });
  after(() => server?.close());

  /** Headers a client would send after authenticating for `scopes` in `flow`. */
  async function authorize(login: Login | undefined, flow: Flow, scopes: readonly string[]): Promise<Authorization> {
    if (flow === 'direct') {
      return { headers: login ? { authorization: basic(login.username, login.password) } : {}, token: undefined };
    }
    const answer = tokenAnswer(await requestToken(c, realm, { credentials: login, scopes }), `token for ${scopes.join(' ')}`);
    return { headers: { authorization: `Bearer ${answer.token}` }, token: answer.token };
  }

  /** In the token flow, the token must grant `action` exactly when the cell allows it. */
  function assertGrant(auth: Authorization, repository: string, action: string, allowed: boolean): void {
    if (auth.token === undefined) return;
    const actions = grantedActions(auth.token, repository);
    assert.equal(actions.includes(action), allowed, `token grants ${JSON.stringify(actions)} on ${repository}`);
  }

  /**
   * A refusal: an anonymous caller is challenged (so a client can ask for credentials) with the
   * scope it needs; a known caller is told DENIED, so clients stop instead of retrying.
   */
  function assertRefused(reply: Reply, anonymous: boolean, repository: string, action: string, what: string, mountFrom?: string): void {
    if (!anonymous) {
      expectError(reply, 403, 'DENIED');
      return;
    }
    expectError(reply, 401, 'UNAUTHORIZED');
    const challenge = parseChallenge(reply.headers.get('www-authenticate'));
    assert.equal(challenge.scheme, 'Bearer', what);
    assert.equal(challenge.params.realm, realm, what);
    assert.equal(challenge.params.service, SERVICE, what);
    // A mount's challenge also asks for pull on its source, as a second scope.
    const [first, ...further] = (challenge.params.scope ?? '').split(' ');
    const scope = /^repository:(.+):([a-z*,]+)$/.exec(first ?? '');
    assert.ok(scope, `${what}: the challenge must name the scope, got ${JSON.stringify(challenge.params)}`);
    assert.equal(scope[1], repository, what);
    assert.ok(scope[2]!.split(',').includes(action), `${what}: scope ${challenge.params.scope} lacks ${action}`);
    assert.deepEqual(further, mountFrom === undefined ? [] : [`repository:${mountFrom}:pull`], `${what}: scope ${challenge.params.scope}`);
  }

  const cells: Record<'pull' | 'push' | 'delete' | 'catalog' | 'mount', (login: Login | undefined, flow: Flow, v: Visibility, row: Row) => Promise<void>> = {
    async pull(login, flow, visibility, row) {
      const allowed = row[2] === 'allow';
      const repo = teamRepo(visibility);
      const image = base.get(visibility)!;
      const auth = await authorize(login, flow, [`repository:${repo}:pull`]);
      assertGrant(auth, repo, 'pull', allowed);
      const manifest = await c.get(`/v2/${repo}/manifests/base`, { headers: { ...auth.headers, accept: OCI_MANIFEST } });
      const blob = await c.get(`/v2/${repo}/blobs/${image.layers[0]!.digest}`, { headers: auth.headers });
      const tags = await c.get(`/v2/${repo}/tags/list`, { headers: auth.headers });
      if (allowed) {
        expectStatus(manifest, 200, 'GET manifest');
        assert.ok(manifest.body.equals(image.body), 'the manifest as pushed');
        expectStatus(blob, 200, 'GET blob');
        assert.ok(blob.body.equals(image.layerBytes[0]!), 'the blob as pushed');
        expectStatus(tags, 200, 'GET tags');
        assert.ok(json<{ tags: string[] }>(tags).tags.includes('base'));
        return;
      }
      assertRefused(manifest, login === undefined, repo, 'pull', 'GET manifest');
      assertRefused(blob, login === undefined, repo, 'pull', 'GET blob');
      assertRefused(tags, login === undefined, repo, 'pull', 'GET tags');
    },

    async push(login, flow, visibility, row) {
      const allowed = row[3] === 'allow';
      const repo = teamRepo(visibility);
      const tag = nextId();
      const auth = await authorize(login, flow, [`repository:${repo}:pull,push`]);
      assertGrant(auth, repo, 'push', allowed);
      const start = await c.post(`/v2/${repo}/blobs/uploads/`, { headers: auth.headers });
      if (allowed) {
        expectStatus(start, 202, 'POST upload');
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', cell: tag }));
        const location = start.headers.get('location');
        assert.ok(location, 'an upload session has a Location');
        expectStatus(await c.put(withDigest(location, sha256(config)), { headers: auth.headers, body: config }), 201, 'PUT upload');
        const layer = randomBlob(300);
        const second = await c.post(`/v2/${repo}/blobs/uploads/`, { headers: auth.headers });
        expectStatus(second, 202, 'POST upload');
        expectStatus(await c.put(withDigest(second.headers.get('location')!, sha256(layer)), { headers: auth.headers, body: layer }), 201, 'PUT upload');
        const body = imageManifest({
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
        });
        const put = await c.put(`/v2/${repo}/manifests/${tag}`, { headers: { ...auth.headers, 'content-type': OCI_MANIFEST }, body });
        expectStatus(put, 201, 'PUT manifest');
        const stored = await admin.get(`/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
        expectStatus(stored, 200, 'the pushed tag is there');
        assert.ok(stored.body.equals(body));
        return;
      }
      assertRefused(start, login === undefined, repo, 'push', 'POST upload');
      // A manifest whose blobs are all present: only access control can stop it.
      const image = base.get(visibility)!;
      const body = imageManifest({ config: image.config, layers: image.layers, annotations: { cell: tag } });
      const put = await c.put(`/v2/${repo}/manifests/${tag}`, { headers: { ...auth.headers, 'content-type': OCI_MANIFEST }, body });
      assertRefused(put, login === undefined, repo, 'push', 'PUT manifest');
      expectError(await admin.get(`/v2/${repo}/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
    },

    async delete(login, flow, visibility, row) {
      const allowed = row[4] === 'allow';
      const repo = teamRepo(visibility);
      const image = base.get(visibility)!;
      const tag = nextId();
      const body = imageManifest({ config: image.config, layers: image.layers, annotations: { cell: tag } });
      const { digest } = await pushManifest(admin, repo, tag, body, OCI_MANIFEST);
      // containers/image asks for every action when it deletes.
      const auth = await authorize(login, flow, [`repository:${repo}:*`]);
      assertGrant(auth, repo, 'delete', allowed);
      const reply = await c.delete(`/v2/${repo}/manifests/${digest}`, { headers: auth.headers });
      const after = await admin.get(`/v2/${repo}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } });
      if (allowed) {
        expectStatus(reply, 202, 'DELETE manifest');
        expectError(after, 404, 'MANIFEST_UNKNOWN');
        return;
      }
      assertRefused(reply, login === undefined, repo, 'delete', 'DELETE manifest');
      expectStatus(after, 200, 'a refused delete leaves the manifest');
    },

    async catalog(login, flow, visibility, row) {
      const auth = await authorize(login, flow, ['registry:catalog:*']);
      const reply = await c.get('/v2/_catalog', { headers: auth.headers });
      expectStatus(reply, 200, 'GET catalog');
      const listed = json<{ repositories: string[] }>(reply).repositories;
      assert.equal(listed.includes(teamRepo(visibility)), row[5] === 'listed', `catalog: ${JSON.stringify(listed)}`);
      // Whatever is listed, this caller can pull: the catalog leaks no repository names.
      const pull = await authorize(login, flow, listed.map((r) => `repository:${r}:pull`));
      for (const repository of listed) {
        expectStatus(await c.get(`/v2/${repository}/tags/list`, { headers: pull.headers }), 200, `pull ${repository} listed in the catalog`);
      }
    },

    async mount(login, flow, visibility, row) {
      const verdict = row[6];
      const repo = teamRepo(visibility);
      const source = otherRepo(visibility);
      const bytes = randomBlob(200);
      const digest = await pushBlob(admin, source, bytes);
      const auth = await authorize(login, flow, [`repository:${repo}:pull,push`, `repository:${source}:pull`]);
      assertGrant(auth, repo, 'push', verdict !== 'deny');
      const reply = await c.post(`/v2/${repo}/blobs/uploads/?mount=${digest}&from=${source}`, { headers: auth.headers });
      const linked = async () => (await admin.head(`/v2/${repo}/blobs/${digest}`)).status;
      switch (verdict) {
        case 'mounted':
          expectStatus(reply, 201, 'mount');
          assert.equal(reply.headers.get('docker-content-digest'), digest);
          assert.equal(await linked(), 200, 'the mounted blob is served from the target');
          return;
        case 'fresh upload': {
          expectStatus(reply, 202, 'mount without access to the source');
          assert.equal(await linked(), 404, 'knowing a digest must not mount it');
          // The answer is an ordinary session: the client goes on to upload the bytes itself.
          const location = reply.headers.get('location');
          assert.ok(location && new URL(location, server.url).pathname.startsWith(`/v2/${repo}/blobs/uploads/`), `Location ${location}`);
          expectStatus(await c.put(withDigest(location, digest), { headers: auth.headers, body: bytes }), 201, 'upload after a refused mount');
          return;
        }
        case 'deny':
          assertRefused(reply, login === undefined, repo, 'push', 'mount', source);
          assert.equal(await linked(), 404, 'a refused mount links nothing');
          return;
      }
    },
  };

  /**
   * The project-admin action: making a user a member (PUT /api/v1/projects/{p}/members/{user}).
   * Each cell adds its own bystander, so a wrongly allowed call shows as a membership that
   * should not exist. The API takes no registry token at all (issue 9: a token from /token is
   * for /v2 only), so the token flow is refused with 401 whoever asked for the token.
   */
  async function manage(login: Login | undefined, flow: Flow, visibility: Visibility, row: Row): Promise<void> {
    const allowed = row[7] === 'allow';
    const project = teamProject(visibility);
    const bystander = `by-${nextId()}`;
    const store = server.composed.accessStore;
    await store.createUser({ name: bystander, passwordHash: 'not-a-hash', systemAdmin: false, disabled: false, createdAt: new Date() });
    const auth = await authorize(login, flow, []);
    const reply = await c.put(`/api/v1/projects/${project}/members/${bystander}`, {
      headers: { ...auth.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'guest' }),
    });
    const membership = (await store.memberships(bystander)).find((m) => m.project === project);
    if (flow === 'token') {
      assert.match(expectError(reply, 401, 'UNAUTHORIZED').message, /\/v2 only/);
      assert.equal(membership, undefined, 'a registry token adds no member');
      return;
    }
    if (allowed) {
      expectStatus(reply, 200, 'PUT member');
      const answered = json<{ user: string; role: string }>(reply);
      assert.deepEqual([answered.user, answered.role], [bystander, 'guest']);
      assert.equal(membership?.role, 'guest');
      return;
    }
    if (login === undefined) {
      expectError(reply, 401, 'UNAUTHORIZED');
      const challenge = parseChallenge(reply.headers.get('www-authenticate'));
      assert.equal(challenge.scheme, 'Bearer');
      assert.equal(challenge.params.realm, 'berth API', 'a personal access token, not the token service');
    } else {
      expectError(reply, 403, 'DENIED');
    }
    assert.equal(membership, undefined, 'a refused call adds no member');
  }

  for (const visibility of VISIBILITIES) {
    describe(`${visibility} project`, () => {
      for (const row of EXPECTED.filter(([, v]) => v === visibility)) {
        const [caller] = row;
        for (const credential of credentialsOf(caller)) {
          describe(`${caller} with ${credential}`, () => {
            const login = () => logins.get(loginKey(caller, credential, visibility));
            const verdicts = { pull: row[2], push: row[3], delete: row[4], catalog: row[5], mount: row[6] } as const;
            for (const action of ['pull', 'push', 'delete', 'catalog', 'mount'] as const) {
              for (const flow of FLOWS) {
                test(`${action} (${flow}) → ${verdicts[action]}`, async () => {
                  const account = login();
                  assert.equal(account === undefined, caller === 'anonymous', 'fixture has this login');
                  await cells[action](account, flow, visibility, row);
                });
              }
            }
            for (const flow of FLOWS) {
              test(`manage (${flow}) → ${row[7]}`, async () => {
                await manage(login(), flow, visibility, row);
              });
            }
          });
        }
      }
    });
  }
});
