// The web UI's read API: who sees what (every role, robots, anonymous with anonymous pull on
// and off), the tags page (sizes, platforms, referrer markers, sorting, filtering, paging
// bounds), the manifest page (config, history, layers shared only with visible repositories),
// the overview, and hostile input.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { stackMode, untilSettingReachesEveryInstance } from '../../support/stack-mode.js';
import type { TestServer } from '../../support/test-server.js';
import { OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, descriptorOf, imageManifest, indexManifest, randomBlob } from '../support/content.js';
import { expectError, expectStatus, json, type Client } from '../support/http-client.js';
import { pushBlob, pushManifest } from '../support/push.js';
import { ManualClock } from '../support/storage.js';
import { api, basic, type Api } from './api-support.js';
import { pushBuilt } from './browse-support.js';
import { makeTeam, projectWithTeam, registryAsAdmin, startStorageServer, type Team } from './storage-support.js';

interface TagJson {
  tag: string;
  digest: string;
  size: number;
  pushedAt: string;
  lastPulledAt: string | null;
  platforms: Array<{ os: string; architecture: string; variant: string | null; digest: string; size: number }>;
  signed: boolean;
  sbom: boolean;
  attestations: boolean;
}
interface TagPage {
  tags: TagJson[];
  total: number;
  page: number;
  n: number;
}

const clock = new ManualClock(Date.now());
let server: TestServer;
let team: Team;
let registry: Client;
let robot: Api;

before(async () => {
  server = await startStorageServer(clock);
  team = await makeTeam(server);
  registry = registryAsAdmin(server);
  await projectWithTeam(team, 'team');
  expectStatus(await team.admin.send('POST', '/api/v1/projects', { name: 'pub', visibility: 'public' }), 201);
  expectStatus(await team.admin.send('POST', '/api/v1/projects', { name: 'secret' }), 201);
  const made = json<{ name: string; secret: string }>(await team.admin.send('POST', '/api/v1/projects/team/robots', { name: 'ci', actions: ['pull'] }));
  robot = api(server, basic(made.name, made.secret));
});
after(() => server.close());

const tagsOf = async (who: Api, repo: string, query = ''): Promise<TagPage> => {
  const reply = await who.get(`/api/v1/repositories/${repo}/-/tags${query}`);
  expectStatus(reply, 200, `tags of ${repo}${query}`);
  return json<TagPage>(reply);
};

test('a private repository: every member and robot sees it, with what each may do; outsiders and anonymous get the 404 of a missing one', async () => {
  await pushBuilt(registry, 'team/app', 'v1');
  const expected = { lead: [true, true], maint: [true, true], dev: [true, false], guest: [false, false], admin: [true, true] } as const;
  for (const [who, [canPush, canDelete]] of Object.entries(expected)) {
    const reply = await team[who as keyof typeof expected].get('/api/v1/repositories/team/app');
    expectStatus(reply, 200, who);
    const body = json<{ name: string; project: string; canPush: boolean; canDelete: boolean; tagCount: number; pullCommand: { docker: string; podman: string } }>(reply);
    assert.deepEqual([body.name, body.project, body.tagCount, body.canPush, body.canDelete], ['team/app', 'team', 1, canPush, canDelete], who);
    const host = new URL(server.url).host;
    assert.equal(body.pullCommand.docker, `docker pull ${host}/team/app:v1`);
    assert.equal(body.pullCommand.podman, `podman pull ${host}/team/app:v1`);
  }
  expectStatus(await robot.get('/api/v1/repositories/team%2Fapp'), 200, 'a robot of the project');
  for (const who of ['outsider', 'anonymous'] as const) {
    for (const path of ['team/app', 'team/app/-/tags', 'team/app/-/manifests/v1']) {
      const hidden = expectError(await team[who].get(`/api/v1/repositories/${path}`), 404, 'NOT_FOUND');
      const missing = expectError(await team[who].get(`/api/v1/repositories/${path.replace('team/app', 'team/nothing')}`), 404, 'NOT_FOUND');
      assert.equal(hidden.message.replace('team/app', 'X'), missing.message.replace('team/nothing', 'X'), 'a private repository reads as a missing one');
    }
    expectError(await team[who].get('/api/v1/projects/team/repositories'), 404, 'NOT_FOUND');
  }
  // A robot of another project sees nothing of this one.
  const other = json<{ name: string; secret: string }>(await team.admin.send('POST', '/api/v1/projects/pub/robots', { name: 'pubbot', actions: ['pull'] }));
  expectError(await api(server, basic(other.name, other.secret)).get('/api/v1/repositories/team/app'), 404, 'NOT_FOUND');
});

test('a public repository: anonymous callers read it while anonymous pull is on, and get a 404 when it is off', async () => {
  await pushBuilt(registry, 'pub/tool', 'latest');
  expectStatus(await team.anonymous.get('/api/v1/repositories/pub/tool'), 200);
  expectStatus(await team.outsider.get('/api/v1/repositories/pub/tool/-/tags'), 200);
  const listed = json<{ repositories: Array<{ name: string }> }>(await team.anonymous.get('/api/v1/projects/pub/repositories'));
  assert.deepEqual(listed.repositories.map((r) => r.name), ['pub/tool']);
  expectStatus(await team.admin.send('PATCH', '/api/v1/settings', { 'auth.builtin.anonymouspull': false }), 200);
  await untilSettingReachesEveryInstance(() => team.anonymous.get('/api/v1/repositories/pub/tool'), (r) => r.status === 404);
  try {
    expectError(await team.anonymous.get('/api/v1/repositories/pub/tool'), 404, 'NOT_FOUND');
    expectError(await team.anonymous.get('/api/v1/projects/pub/repositories'), 404, 'NOT_FOUND');
    const overview = json<{ projects: unknown[]; recentPushes: unknown[]; totalBytes: number }>(await team.anonymous.get('/api/v1/overview'));
    assert.deepEqual([overview.projects, overview.recentPushes, overview.totalBytes], [[], [], 0]);
    expectStatus(await team.outsider.get('/api/v1/repositories/pub/tool'), 200, 'signed-in users still see public projects');
  } finally {
    expectStatus(await team.admin.send('PATCH', '/api/v1/settings', { 'auth.builtin.anonymouspull': null }), 200);
  }
});

test('the tags page: sizes, sorting by tag, push time and size, filtering, paging and its bounds', async () => {
  const repo = 'team/sorted';
  const pushed: Record<string, number> = {};
  for (const [tag, layerSize] of [['b-mid', 2000], ['a-small', 100], ['c-big', 5000]] as const) {
    clock.advance(1000);
    pushed[tag] = (await pushBuilt(registry, repo, tag, { layers: [randomBlob(layerSize)] })).size;
  }
  const byTag = await tagsOf(team.guest, repo, '?sort=tag');
  assert.deepEqual(byTag.tags.map((t) => t.tag), ['a-small', 'b-mid', 'c-big']);
  assert.deepEqual(byTag.tags.map((t) => t.size), [pushed['a-small'], pushed['b-mid'], pushed['c-big']], 'manifest + config + layers');
  assert.deepEqual((await tagsOf(team.guest, repo)).tags.map((t) => t.tag), ['c-big', 'a-small', 'b-mid'], 'newest push first by default');
  assert.deepEqual((await tagsOf(team.guest, repo, '?sort=-size')).tags.map((t) => t.tag), ['c-big', 'b-mid', 'a-small']);
  const filtered = await tagsOf(team.guest, repo, '?q=SMALL');
  assert.deepEqual([filtered.total, filtered.tags.map((t) => t.tag)], [1, ['a-small']]);
  const second = await tagsOf(team.guest, repo, '?sort=tag&n=2&page=2');
  assert.deepEqual([second.total, second.page, second.n, second.tags.map((t) => t.tag)], [3, 2, 2, ['c-big']]);
  assert.deepEqual((await tagsOf(team.guest, repo, '?n=2&page=9')).tags, [], 'past the end: empty, not an error');
  assert.equal(byTag.tags[0]!.lastPulledAt, null);
  for (const query of ['?n=0', '?n=101', '?n=abc', '?page=0', '?page=-1', '?n=1e3']) {
    expectError(await team.guest.get(`/api/v1/repositories/${repo}/-/tags${query}`), 400, 'PAGINATION_NUMBER_INVALID');
  }
  expectError(await team.guest.get(`/api/v1/repositories/${repo}/-/tags?sort=name`), 400, 'BAD_REQUEST');
  expectError(await team.guest.get(`/api/v1/repositories/${repo}/-/tags?q=${'x'.repeat(256)}`), 400, 'BAD_REQUEST');
  expectError(await team.guest.get(`/api/v1/repositories/${repo}/-/tags?q=%1b[31m`), 400, 'BAD_REQUEST');
  expectStatus(await team.guest.get(`/api/v1/repositories/${repo}/-/tags?q=%25_%5C`), 200, 'LIKE characters are literal');
  assert.equal((await tagsOf(team.guest, repo, '?q=%25')).total, 0);
});

test('an index lists its platforms with their sizes and is as big as all of them', async () => {
  const repo = 'team/multi';
  const amd = await pushBuilt(registry, repo, 'amd64', { config: { architecture: 'amd64', os: 'linux' } });
  const arm = await pushBuilt(registry, repo, 'arm64', { config: { architecture: 'arm64', os: 'linux', variant: 'v8' } });
  const attestationBody = imageManifest({ config: descriptorOf(OCI_EMPTY, Buffer.from('{}')), layers: [] });
  await pushBlob(registry, repo, Buffer.from('{}'));
  const attestation = await pushManifest(registry, repo, descriptorOf(OCI_MANIFEST, attestationBody).digest, attestationBody, OCI_MANIFEST);
  const index = indexManifest([
    { ...descriptorOf(OCI_MANIFEST, amd.body), platform: { architecture: 'amd64', os: 'linux' } },
    { ...descriptorOf(OCI_MANIFEST, arm.body), platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } as never },
    {
      ...descriptorOf(OCI_MANIFEST, attestation.body),
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd.digest },
    },
  ]);
  const pushedIndex = await pushManifest(registry, repo, 'multi', index, OCI_INDEX);
  const tag = (await tagsOf(team.dev, repo, '?q=multi')).tags[0]!;
  assert.deepEqual(tag.platforms, [
    { os: 'linux', architecture: 'amd64', variant: null, digest: amd.digest, size: amd.size },
    { os: 'linux', architecture: 'arm64', variant: 'v8', digest: arm.digest, size: arm.size },
  ]);
  assert.equal(tag.size, index.length + amd.size + arm.size + attestation.body.length + 2);
  assert.equal(tag.attestations, true, 'buildx attestation manifests count as attestations');
  const page = json<{ platforms: unknown[]; config: unknown; layers: unknown[]; size: number }>(await team.dev.get(`/api/v1/repositories/${repo}/-/manifests/${pushedIndex.digest}`));
  assert.deepEqual(page.platforms, tag.platforms);
  assert.deepEqual([page.config, page.layers, page.size], [null, [], tag.size]);
});

test('signatures, SBOMs and attestations mark a tag, from referrers and from cosign tags', async () => {
  const repo = 'team/signed';
  const image = await pushBuilt(registry, repo, 'v1');
  const plain = await pushBuilt(registry, repo, 'v2');
  const subject = descriptorOf(OCI_MANIFEST, image.body);
  await pushBuilt(registry, repo, 'sig', { subject, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
  await pushBuilt(registry, repo, 'sbom', { subject, artifactType: 'application/spdx+json' });
  // cosign's tag scheme for an attestation of v2.
  await pushBuilt(registry, repo, `sha256-${plain.digest.slice(7)}.att`);
  const tags = (await tagsOf(team.guest, repo, '?sort=tag')).tags;
  const marks = (name: string) => {
    const t = tags.find((x) => x.tag === name)!;
    return [t.signed, t.sbom, t.attestations];
  };
  assert.deepEqual(marks('v1'), [true, true, false]);
  assert.deepEqual(marks('v2'), [false, false, true]);
  const page = json<{ referrers: Array<{ kind: string; artifactType: string }> }>(await team.guest.get(`/api/v1/repositories/${repo}/-/manifests/v1`));
  assert.deepEqual(page.referrers.map((r) => r.kind).sort(), ['sbom', 'signature']);
});

test('the manifest page: config from the config blob, history per layer, layers shared only with repositories the caller may pull', async () => {
  const base = randomBlob(700);
  const config = {
    architecture: 'arm64',
    os: 'linux',
    created: '2030-01-01T00:00:00Z',
    config: { Env: ['PATH=/bin', 'MODE=prod'], Entrypoint: ['/app'], Cmd: ['--serve'], WorkingDir: '/srv', User: 'app', Labels: { team: 'core' }, ExposedPorts: { '8080/tcp': {} } },
    history: [
      { created: '2030-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:base in /' },
      { created: '2030-01-01T00:00:01Z', created_by: 'ENV MODE=prod', empty_layer: true },
      { created: '2030-01-01T00:00:02Z', created_by: 'COPY app /app', comment: 'buildkit' },
    ],
  };
  const image = await pushBuilt(registry, 'team/detail', 'v1', { config, layers: [base, randomBlob(400)] });
  await pushBuilt(registry, 'team/sibling', 'v1', { layers: [base] });
  await pushBuilt(registry, 'pub/shared', 'v1', { layers: [base] });
  await pushBuilt(registry, 'secret/hidden', 'v1', { layers: [base] });

  const reply = await team.guest.get(`/api/v1/repositories/team/detail/-/manifests/v1`);
  expectStatus(reply, 200);
  const page = json<{
    digest: string;
    tags: string[];
    raw: string;
    config: Record<string, unknown>;
    layers: Array<{ digest: string; size: number; createdBy: string | null; sharedWith: string[] }>;
    history: Array<{ createdBy: string; emptyLayer: boolean; comment: string | null }>;
    subject: string | null;
  }>(reply);
  assert.equal(page.digest, image.digest);
  assert.deepEqual(page.tags, ['v1']);
  assert.equal(page.raw, image.body.toString('utf8'));
  assert.deepEqual(page.config, {
    digest: image.config.digest,
    created: '2030-01-01T00:00:00Z',
    os: 'linux',
    architecture: 'arm64',
    env: ['PATH=/bin', 'MODE=prod'],
    entrypoint: ['/app'],
    cmd: ['--serve'],
    workingDir: '/srv',
    user: 'app',
    labels: { team: 'core' },
    exposedPorts: ['8080/tcp'],
  });
  assert.deepEqual(page.layers.map((l) => l.createdBy), ['/bin/sh -c #(nop) ADD file:base in /', 'COPY app /app']);
  assert.deepEqual(page.layers.map((l) => l.size), [700, 400]);
  assert.deepEqual(page.history.map((h) => h.emptyLayer), [false, true, false]);
  assert.deepEqual(page.layers[0]!.sharedWith, ['pub/shared', 'team/sibling'], 'never the private project');
  assert.deepEqual(page.layers[1]!.sharedWith, []);
  assert.ok(!reply.text.includes('secret/'), 'nothing names or counts the hidden repository');
  const asAdmin = json<typeof page>(await team.admin.get(`/api/v1/repositories/team/detail/-/manifests/${image.digest}`));
  assert.deepEqual(asAdmin.layers[0]!.sharedWith, ['pub/shared', 'secret/hidden', 'team/sibling']);
  assert.equal(page.subject, null);
});

test('a malformed, oversized or non-image config reads as no config, never as an error', async () => {
  const broken = await pushBuilt(registry, 'team/odd', 'broken', { rawConfig: Buffer.from('{"config": [1, 2') });
  const array = await pushBuilt(registry, 'team/odd', 'array', { rawConfig: Buffer.from('[1,2,3]') });
  const weird = await pushBuilt(registry, 'team/odd', 'weird', { config: { os: 7, config: { Env: 'not-a-list', Labels: { a: 1, b: 'ok' }, Cmd: [1, 'x'] }, history: 'no' } });
  const big = await pushBuilt(registry, 'team/odd', 'big', { rawConfig: Buffer.from(JSON.stringify({ os: 'linux', pad: 'x'.repeat(4 * 1024 * 1024 + 1) })) });
  const helm = await pushBuilt(registry, 'team/odd', 'chart', { configType: 'application/vnd.cncf.helm.config.v1+json', config: { name: 'chart' } });
  for (const [tag, expected] of [['broken', null], ['array', null], ['big', null], ['chart', null]] as const) {
    const page = json<{ config: unknown; history: unknown[] }>(await team.guest.get(`/api/v1/repositories/team/odd/-/manifests/${tag}`));
    assert.deepEqual([page.config, page.history], [expected, []], tag);
  }
  const odd = json<{ config: Record<string, unknown> }>(await team.guest.get('/api/v1/repositories/team/odd/-/manifests/weird'));
  assert.deepEqual([odd.config.os, odd.config.env, odd.config.labels, odd.config.cmd], ['', [], { b: 'ok' }, ['x']]);
  assert.ok(broken && array && weird && big && helm);
});

test('hostile names and references are 400s or 404s, never 500s', async () => {
  for (const path of [
    '/api/v1/repositories/team%2F..%2Fsecret',
    '/api/v1/repositories/TEAM/app',
    `/api/v1/repositories/${'a'.repeat(300)}`,
    '/api/v1/repositories/team/app%00/-/tags',
  ]) {
    const reply = await team.admin.get(path);
    // A proxy in front refuses a NUL in the path itself (nginx: its own 400 page), before Berth sees it.
    if (stackMode() && path.includes('%00')) expectStatus(reply, 400);
    else expectError(reply, 400, 'NAME_INVALID');
  }
  expectError(await team.admin.get('/api/v1/repositories/team/app/-/manifests/-bad'), 404, 'MANIFEST_UNKNOWN');
  expectError(await team.admin.get('/api/v1/repositories/team/app/-/manifests/sha256:abc'), 400, 'DIGEST_INVALID');
  expectError(await team.admin.get(`/api/v1/repositories/team/app/-/manifests/sha256:${'0'.repeat(64)}`), 404, 'MANIFEST_UNKNOWN');
  expectError(await team.admin.get('/api/v1/projects/te%2Fam/repositories'), 400, 'NAME_INVALID');
  expectError(await team.admin.get('/api/v1/projects/nothing/repositories'), 404, 'NOT_FOUND');
  expectError(await team.admin.get('/api/v1/projects/team/repositories?sort=size'), 400, 'BAD_REQUEST');
});

test('the project list: counts, sizes, sorting and a filter on name and description', async () => {
  const page = json<{ repositories: Array<{ name: string; tagCount: number; bytes: number; lastPushedAt: string | null }>; total: number }>(
    await team.guest.get('/api/v1/projects/team/repositories?n=100'),
  );
  assert.ok(page.total >= 6);
  assert.deepEqual(page.repositories.map((r) => r.name), [...page.repositories.map((r) => r.name)].sort());
  const sorted = json<{ repositories: Array<{ name: string; bytes: number }> }>(await team.guest.get('/api/v1/projects/team/repositories?sort=-size&n=100'));
  const sizes = sorted.repositories.map((r) => r.bytes);
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
  const filtered = json<{ repositories: Array<{ name: string }>; total: number }>(await team.guest.get('/api/v1/projects/team/repositories?q=MULTI'));
  assert.deepEqual([filtered.total, filtered.repositories.map((r) => r.name)], [1, ['team/multi']]);
  expectError(await team.guest.get('/api/v1/projects/team/repositories?n=101'), 400, 'PAGINATION_NUMBER_INVALID');
});

test('the overview shows only what the caller may pull; the collector status only to system admins', async () => {
  interface OverviewJson {
    totalBytes: number;
    projects: Array<{ name: string; repositories: number; bytes: number }>;
    biggestRepositories: Array<{ name: string }>;
    recentPushes: Array<{ repository: string }>;
    gc: unknown;
  }
  const outsider = json<OverviewJson>(await team.outsider.get('/api/v1/overview'));
  assert.deepEqual(outsider.projects.map((p) => p.name), ['pub']);
  assert.ok(outsider.recentPushes.every((p) => p.repository.startsWith('pub/')));
  assert.ok(outsider.biggestRepositories.every((r) => r.name.startsWith('pub/')));
  assert.equal(outsider.gc, null);
  const dev = json<OverviewJson>(await team.dev.get('/api/v1/overview'));
  assert.deepEqual(dev.projects.map((p) => p.name), ['pub', 'team']);
  assert.equal(dev.totalBytes, dev.projects.reduce((s, p) => s + p.bytes, 0));
  assert.ok(dev.recentPushes.length > 0 && dev.recentPushes.length <= 10);
  assert.equal(dev.gc, null);
  const admin = json<OverviewJson>(await team.admin.get('/api/v1/overview'));
  assert.deepEqual(admin.projects.map((p) => p.name), ['pub', 'secret', 'team']);
  assert.ok(admin.gc !== null && typeof admin.gc === 'object');
});
