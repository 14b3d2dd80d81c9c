// Project policies, quotas, usage, retention and garbage collection through /api/v1: who may
// do what, what the answers look like, and that dry runs list exactly what real runs remove.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { OCI_MANIFEST } from '../support/content.js';
import { client, expectError, expectStatus, json, type Client } from '../support/http-client.js';
import { pushImage } from '../support/push.js';
import { ManualClock } from '../support/storage.js';
import { makeTeam, projectWithTeam, registryAsAdmin, startStorageServer, type Team } from './storage-support.js';

interface Policy {
  writePolicy: string;
  immutableTags: string[];
  quotaBytes: number | null;
  retention: Array<Record<string, unknown>>;
}

interface Removal {
  repository: string;
  tag: string | null;
  digest: string;
  rule: string;
}

interface RetentionReport {
  project: string;
  dryRun: boolean;
  removed: Removal[];
  skipped: Removal[];
  rules: Array<{ rule: string; removes: number }>;
  repositories: number;
}

interface AuditEvent {
  actor: string;
  action: string;
  result: string;
  repository?: string;
  detail?: string;
}

const clock = new ManualClock(Date.now());
let server: TestServer;
let team: Team;
let registry: Client;
before(async () => {
  server = await startStorageServer(clock);
  team = await makeTeam(server);
  registry = registryAsAdmin(server);
});
after(() => server.close());

/** The test server's restore window (test/support/test-server.ts). */
const RESTORE_WINDOW_MS = 86_400_000;
const OPEN: Policy = { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: null, retention: [] };

async function policyOf(project: string): Promise<Policy> {
  const reply = await team.admin.get(`/api/v1/projects/${project}/policy`);
  expectStatus(reply, 200);
  return json<Policy>(reply);
}

async function audit(query: string): Promise<AuditEvent[]> {
  const reply = await team.admin.get(`/api/v1/audit?${query}`);
  expectStatus(reply, 200);
  return json<{ events: AuditEvent[] }>(reply).events;
}

async function tagsOf(repository: string): Promise<string[]> {
  const reply = await registry.get(`/v2/${repository}/tags/list`);
  expectStatus(reply, 200);
  return (json<{ tags: string[] | null }>(reply).tags ?? []).sort();
}

test('policy: shown to whoever may pull; an outsider or nobody does not see a private project', async () => {
  await projectWithTeam(team, 'show');
  for (const who of ['guest', 'dev', 'lead', 'admin'] as const) {
    const reply = await team[who].get('/api/v1/projects/show/policy');
    expectStatus(reply, 200, who);
    assert.deepEqual(json(reply), OPEN, `${who} sees the open policy of a project without one`);
  }
  expectError(await team.outsider.get('/api/v1/projects/show/policy'), 404, 'NOT_FOUND');
  expectError(await team.anonymous.get('/api/v1/projects/show/policy'), 404, 'NOT_FOUND');
});

test('policy: a project admin sets write policy, immutable tags and retention; only system admins set the quota; all audited', async () => {
  await projectWithTeam(team, 'rules');
  const change = {
    writePolicy: 'disallow-redeploy',
    immutableTags: ['v*', 'release-?'],
    retention: [{ kind: 'keep-matching', pattern: 'v*' }, { kind: 'keep-newest', count: 5, repositories: 'rules/ci-*' }],
  };
  const set = await team.lead.send('PATCH', '/api/v1/projects/rules/policy', change);
  expectStatus(set, 200);
  const expected: Policy = { ...change, quotaBytes: null };
  assert.deepEqual(json(set), expected);
  assert.deepEqual(await policyOf('rules'), expected);

  for (const who of ['dev', 'maint', 'guest', 'outsider'] as const) {
    expectError(await team[who].send('PATCH', '/api/v1/projects/rules/policy', { writePolicy: 'read-only' }), 403, 'DENIED');
  }
  const anonymous = await team.anonymous.send('PATCH', '/api/v1/projects/rules/policy', { writePolicy: 'read-only' });
  expectError(anonymous, 401, 'UNAUTHORIZED');
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm=/);

  const devQuota = expectError(await team.dev.send('PATCH', '/api/v1/projects/rules/policy', { quota: '1GiB' }), 403, 'DENIED');
  assert.match(devQuota.message, /quota/);
  const leadQuota = expectError(await team.lead.send('PATCH', '/api/v1/projects/rules/policy', { writePolicy: 'read-only', quota: '100GiB' }), 403, 'DENIED');
  assert.match(leadQuota.message, /system admins only/);
  assert.deepEqual(await policyOf('rules'), expected, 'a refused change writes nothing, not even its allowed part');

  const quota = await team.admin.send('PATCH', '/api/v1/projects/rules/policy', { quota: '10GiB' });
  expectStatus(quota, 200);
  assert.deepEqual(json(quota), { ...expected, quotaBytes: 10 * 1024 ** 3 });
  assert.equal(json<Policy>(await team.admin.send('PATCH', '/api/v1/projects/rules/policy', { quota: 4096 })).quotaBytes, 4096);
  assert.equal(json<Policy>(await team.admin.send('PATCH', '/api/v1/projects/rules/policy', { quota: null })).quotaBytes, null);
  assert.equal(json<Policy>(await team.admin.send('PATCH', '/api/v1/projects/rules/policy', { quota: '500MiB' })).quotaBytes, 500 * 1024 ** 2);
  assert.equal(json<Policy>(await team.admin.send('PATCH', '/api/v1/projects/rules/policy', { quota: 'none' })).quotaBytes, null);
  assert.deepEqual(json(await team.guest.get('/api/v1/projects/rules/policy')), expected);

  // The write policy set over the API is the one /v2 enforces.
  await pushImage(registry, 'rules/app', 'latest');
  const other = await pushImage(registry, 'rules/app', 'other');
  const moved = await registry.put('/v2/rules/app/manifests/latest', { headers: { 'content-type': OCI_MANIFEST }, body: other.body });
  assert.match(expectError(moved, 403, 'DENIED').message, /redeploy is disallowed/);

  // Every change and every refusal is audited, with what was asked for.
  const events = await audit('repository=rules&limit=100');
  const summary = events.map((e) => `${e.actor} ${e.action} ${e.result} ${e.detail ?? '-'}`).reverse();
  const mine = summary.filter((s) => /policy\.set|quota\.set/.test(s));
  assert.deepEqual(mine, [
    'lead policy.set success write=disallow-redeploy immutable=v*,release-? retention=keep-matching v*;keep-newest 5 in rules/ci-*',
    'dev policy.set denied write=read-only',
    'maint policy.set denied write=read-only',
    'guest policy.set denied write=read-only',
    'outsider policy.set denied write=read-only',
    'anonymous policy.set denied write=read-only',
    'dev quota.set denied quota=1073741824',
    'lead quota.set denied write=read-only quota=107374182400',
    'admin quota.set success quota=10737418240',
    'admin quota.set success quota=4096',
    'admin quota.set success quota=none',
    'admin quota.set success quota=524288000',
    'admin quota.set success quota=none',
  ]);
  const filtered = await audit('action=policy.set&actor=lead');
  assert.equal(filtered[0]?.repository, 'rules');
});

test('policy: invalid changes are 400s that say what is wrong, and change nothing', async () => {
  await projectWithTeam(team, 'strict');
  const cases: Array<[unknown, RegExp]> = [
    [{ colour: 'red' }, /unknown field\(s\): colour; expected writePolicy, immutableTags, quota, retention/],
    [{}, /nothing to change/],
    [{ writePolicy: 'sometimes' }, /unknown write policy "sometimes"; use allow-redeploy, disallow-redeploy, read-only/],
    [{ writePolicy: null }, /unknown write policy "null"/],
    [{ immutableTags: 'v*' }, /immutableTags must be an array/],
    [{ immutableTags: ['v*', 'v/1'] }, /immutableTags\[1\]: "v\/1" is not a tag pattern/],
    [{ quota: 'lots' }, /"lots" is not a quota/],
    [{ quota: -5 }, /"-5" is not a quota/],
    [{ quota: 1.5 }, /is not a quota/],
    [{ retention: { kind: 'keep-newest', count: 2 } }, /retention must be an array/],
    [{ retention: [{ kind: 'keep-newest', count: 0 }] }, /retention\[0\]: count must be a whole number from 1 to 100000/],
    [{ retention: [{ kind: 'keep-newest', count: 2 }, { kind: 'keep-oldest', count: 2 }] }, /retention\[1\]: unknown retention rule kind "keep-oldest"/],
    [{ retention: [{ kind: 'keep-newest', count: 2, days: 3 }] }, /unknown field\(s\) in a keep-newest rule: days/],
    [{ retention: [{ kind: 'not-pulled-for', days: 30, repositories: 'Strict/*' }] }, /not a repository pattern/],
    [{ writePolicy: 'read-only', retention: ['keep-newest=2'] }, /retention\[0\]: a retention rule is a JSON object/],
    ['[1, 2]', /the body must be a JSON object/],
    ['{"writePolicy": ', /the body is not valid JSON/],
  ];
  for (const [body, message] of cases) {
    const error = expectError(await team.admin.send('PATCH', '/api/v1/projects/strict/policy', body), 400, 'BAD_REQUEST');
    assert.match(error.message, message, JSON.stringify(body));
  }
  const form = await team.admin.send('PATCH', '/api/v1/projects/strict/policy', 'writePolicy=read-only', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.match(expectError(form, 400, 'BAD_REQUEST').message, /Content-Type: application\/json/);
  assert.deepEqual(await policyOf('strict'), OPEN);
});

test('usage: reflects a pushed image, per project and repository; every project only for system admins', async () => {
  await projectWithTeam(team, 'usage');
  const empty = await team.guest.get('/api/v1/projects/usage/usage');
  expectStatus(empty, 200);
  assert.deepEqual(json(empty), {
    project: 'usage',
    usedBytes: 0,
    quotaBytes: null,
    usage: { blobs: 0, blobBytes: 0, manifests: 0, manifestBytes: 0 },
    repositories: [],
  });

  const image = await pushImage(registry, 'usage/app', 'v1', { layerCount: 2 });
  const blobBytes = image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0);
  const totals = { blobs: 3, blobBytes, manifests: 1, manifestBytes: image.body.length };
  expectStatus(await team.admin.send('PATCH', '/api/v1/projects/usage/policy', { quota: '1MiB' }), 200);
  const reply = await team.guest.get('/api/v1/projects/usage/usage');
  expectStatus(reply, 200);
  assert.deepEqual(json(reply), {
    project: 'usage',
    usedBytes: blobBytes + image.body.length,
    quotaBytes: 1024 * 1024,
    usage: totals,
    repositories: [{ repository: 'usage/app', ...totals }],
  });
  expectError(await team.outsider.get('/api/v1/projects/usage/usage'), 404, 'NOT_FOUND');
  expectError(await team.anonymous.get('/api/v1/projects/usage/usage'), 404, 'NOT_FOUND');

  const all = await team.admin.get('/api/v1/usage');
  expectStatus(all, 200);
  const projects = json<{ projects: Array<Record<string, unknown>> }>(all).projects;
  assert.deepEqual(
    projects.find((p) => p.project === 'usage'),
    { project: 'usage', usedBytes: blobBytes + image.body.length, quotaBytes: 1024 * 1024, usage: totals },
  );
  assert.deepEqual(projects.map((p) => p.project), [...projects.map((p) => p.project)].sort(), 'by project name');
  expectError(await team.lead.get('/api/v1/usage'), 403, 'DENIED');
  expectError(await team.anonymous.get('/api/v1/usage'), 401, 'UNAUTHORIZED');
});

test('retention: the dry run lists exactly what the real run then removes', async () => {
  await projectWithTeam(team, 'ret');
  const digests: Record<string, string> = {};
  for (const tag of ['t1', 't2', 't3', 't4']) {
    digests[tag] = (await pushImage(registry, 'ret/app', tag)).digest;
    clock.advance(60_000);
  }
  await pushImage(registry, 'ret/base', 'only');
  const rules = [{ kind: 'keep-newest', count: 2 }];
  expectStatus(await team.lead.send('PATCH', '/api/v1/projects/ret/policy', { retention: rules }), 200);

  expectError(await team.dev.send('POST', '/api/v1/projects/ret/retention/run', { dryRun: true }), 403, 'DENIED');
  expectError(await team.maint.send('POST', '/api/v1/projects/ret/retention/run', { dryRun: true }), 403, 'DENIED');
  expectError(await team.anonymous.send('POST', '/api/v1/projects/ret/retention/run', { dryRun: true }), 401, 'UNAUTHORIZED');
  expectError(await team.lead.send('POST', '/api/v1/projects/ret/retention/run', { dryRun: 'yes' }), 400, 'BAD_REQUEST');
  expectError(await team.lead.send('POST', '/api/v1/projects/ret/retention/run', { dryrun: true }), 400, 'BAD_REQUEST');
  const bodiless = await client(server.url).post('/api/v1/projects/ret/retention/run', { headers: { authorization: team.authorization.lead! } });
  assert.match(expectError(bodiless, 400, 'BAD_REQUEST').message, /Content-Type: application\/json/, 'a run needs a JSON body, {} at least');

  const dry = await team.lead.send('POST', '/api/v1/projects/ret/retention/run', { dryRun: true });
  expectStatus(dry, 200);
  const planned = json<RetentionReport>(dry);
  const expectedRemovals: Removal[] = ['t2', 't1'].map((tag) => ({ repository: 'ret/app', tag, digest: digests[tag]!, rule: 'keep-newest 2' }));
  assert.deepEqual(planned, {
    project: 'ret',
    dryRun: true,
    removed: expectedRemovals,
    skipped: [],
    rules: [{ rule: 'keep-newest 2', removes: 2 }],
    repositories: 2,
  });
  assert.deepEqual(await tagsOf('ret/app'), ['t1', 't2', 't3', 't4'], 'a dry run removes nothing');
  assert.deepEqual(
    (await audit('action=retention.run')).map((e) => `${e.actor} ${e.result}`),
    ['anonymous denied', 'maint denied', 'dev denied'],
    'refusals are audited; a dry run is not audited as a run',
  );

  const real = await team.lead.send('POST', '/api/v1/projects/ret/retention/run', {});
  expectStatus(real, 200);
  const done = json<RetentionReport>(real);
  assert.equal(done.dryRun, false);
  assert.deepEqual(done.removed, planned.removed);
  assert.deepEqual(done.skipped, []);
  assert.deepEqual(done.rules, planned.rules);
  assert.deepEqual(await tagsOf('ret/app'), ['t3', 't4']);
  assert.deepEqual(await tagsOf('ret/base'), ['only']);
  const [event] = await audit('action=retention.run');
  assert.deepEqual([event?.actor, event?.result, event?.repository, event?.detail], ['lead', 'success', 'ret', 'removed=2 skipped=0']);

  const deleted = json<{ deletedTags: Array<{ tag: string }> }>(await team.guest.get('/api/v1/repositories/ret/app/-/deleted-tags'));
  assert.deepEqual(deleted.deletedTags.map((t) => t.tag).sort(), ['t1', 't2'], 'retention deletes are restorable');
  const again = json<RetentionReport>(await team.lead.send('POST', '/api/v1/projects/ret/retention/run', {}));
  assert.deepEqual(again.removed, [], 'a second run finds nothing more');
});

test('gc: only system admins; the dry run reports what the real run then removes; 409 while another holds the lease', async () => {
  await projectWithTeam(team, 'gcp');
  // One manifest deleted by digest (gone at once; its blobs are garbage) and one by tag (kept
  // for the restore window, then garbage with its blobs); a third stays.
  const byDigest = await pushImage(registry, 'gcp/app', 'a', { layerCount: 2 });
  const byTag = await pushImage(registry, 'gcp/app', 'b');
  await pushImage(registry, 'gcp/app', 'kept');
  expectStatus(await team.lead.delete(`/api/v1/repositories/gcp/app/-/manifests/${byDigest.digest}`), 204);
  expectStatus(await team.lead.delete('/api/v1/repositories/gcp/app/-/tags/b'), 204);
  clock.advance(RESTORE_WINDOW_MS + 1000);

  expectError(await team.lead.send('POST', '/api/v1/gc', { dryRun: true }), 403, 'DENIED');
  expectError(await team.anonymous.send('POST', '/api/v1/gc', { dryRun: true }), 401, 'UNAUTHORIZED');
  expectError(await team.lead.get('/api/v1/gc'), 403, 'DENIED');
  expectError(await team.anonymous.get('/api/v1/gc'), 401, 'UNAUTHORIZED');
  for (const body of [{ grace: -1 }, { grace: '1h' }, { dryRun: 'yes' }, { full: 1 }, { sweep: true }]) {
    expectError(await team.admin.send('POST', '/api/v1/gc', body), 400, 'BAD_REQUEST');
  }
  assert.deepEqual(json(await team.admin.get('/api/v1/gc')), { running: null, elsewhere: null, interrupted: null, last: null });

  const dry = await team.admin.send('POST', '/api/v1/gc', { dryRun: true, grace: 0 });
  expectStatus(dry, 200);
  const planned = json<GcReportJson>(dry);
  assert.equal(planned.dryRun, true);
  assert.equal(new Date(planned.startedAt).toISOString(), planned.startedAt, 'times are RFC 3339 strings');
  assert.equal(planned.cutoff, planned.startedAt, 'grace 0: everything unreferenced before the start is eligible');
  const mine = planned.repositories.find((r) => r.repository === 'gcp/app');
  assert.deepEqual(mine?.manifests, [byTag.digest]);
  const garbage = [byDigest, byTag].flatMap((image) => [image.config.digest, ...image.layers.map((l) => l.digest)]).sort();
  assert.deepEqual(mine?.blobs, garbage);
  for (const digest of garbage) assert.ok(planned.blobs.some((b) => b.digest === digest), `${digest} would be freed`);
  expectStatus(await registry.get(`/v2/gcp/app/blobs/${byDigest.layers[0]!.digest}`), 200, 'a dry run frees nothing');
  expectStatus(await registry.get(`/v2/gcp/app/manifests/${byTag.digest}`), 200, 'a dry run frees nothing');
  assert.deepEqual(json(await team.admin.get('/api/v1/gc')), { running: null, elsewhere: null, interrupted: null, last: null }, 'a dry run is not the last collection');

  const metadata = server.composed.registry.deps.metadata;
  assert.ok(await metadata.acquireGcLease('another-collector', new Date(clock.now().getTime() + 60_000)));
  try {
    const busy = expectError(await team.admin.send('POST', '/api/v1/gc', { grace: 0 }), 409, 'CONFLICT');
    assert.match(busy.message, new RegExp(`another garbage collection is running \\(pid ${process.pid} on \\S+, started \\S+Z, last heartbeat \\S+Z\\)`));
    const status = json<{ elsewhere: { pid: number } | null; interrupted: unknown }>(await team.admin.get('/api/v1/gc'));
    assert.equal(status.elsewhere?.pid, process.pid, 'the lease names who holds it');
    assert.equal(status.interrupted, null);
  } finally {
    await metadata.releaseGcLease('another-collector');
  }

  const real = await team.admin.send('POST', '/api/v1/gc', { grace: 0 });
  expectStatus(real, 200);
  const done = json<GcReportJson>(real);
  assert.equal(done.dryRun, false);
  const comparable = ({ repositories, blobs, manifestsRemoved, blobsRemoved, repositoriesRemoved, bytesFreed, skipped }: GcReportJson) => ({
    repositories,
    blobs,
    manifestsRemoved,
    blobsRemoved,
    repositoriesRemoved,
    bytesFreed,
    skipped,
  });
  assert.deepEqual(comparable(done), comparable(planned));
  expectError(await registry.get(`/v2/gcp/app/blobs/${byDigest.layers[0]!.digest}`), 404, 'BLOB_UNKNOWN');
  expectError(await registry.get(`/v2/gcp/app/manifests/${byTag.digest}`), 404, 'MANIFEST_UNKNOWN');
  expectStatus(await registry.get('/v2/gcp/app/manifests/kept'), 200);

  const status = json<{ running: unknown; last: Record<string, unknown> }>(await team.admin.get('/api/v1/gc'));
  assert.equal(status.running, null);
  const { repositories: _r, blobs: _b, ...summary } = done;
  assert.deepEqual(status.last, summary, 'the last collection, without its lists');
  const [event] = await audit('action=gc.run');
  assert.equal(event?.detail, `manifests=${done.manifestsRemoved} blobs=${done.blobsRemoved} bytes=${done.bytesFreed}`);
});

interface GcReportJson {
  dryRun: boolean;
  startedAt: string;
  cutoff: string;
  durationMs: number;
  repositories: Array<{ repository: string; manifests: string[]; blobs: string[]; bytes: number; removed: boolean }>;
  blobs: Array<{ digest: string; size: number }>;
  manifestsRemoved: number;
  blobsRemoved: number;
  repositoriesRemoved: number;
  bytesFreed: number;
  examined: number;
  skipped: Record<string, number>;
  failures: unknown[];
}

test('gc reports what it holds back and why; now:true (system admins, audited) frees a deleted repository at once', async () => {
  await projectWithTeam(team, 'gcnow');
  const image = await pushImage(registry, 'gcnow/big', 'v1', { layerCount: 2 });
  const kept = await pushImage(registry, 'gcnow/kept', 'v1');
  clock.advance(1000);
  expectStatus(await team.lead.delete('/api/v1/repositories/gcnow/big'), 200);
  clock.advance(10 * 60_000);

  // The default run (grace 1h, restore window 24h) removes nothing of it and says why.
  const held = json<GcReportJson & { held: HeldJson }>(await team.admin.send('POST', '/api/v1/gc', { dryRun: true }));
  const window = held.held.restoreWindow;
  assert.ok(window.tags >= 1 && window.repositories >= 1, JSON.stringify(window));
  assert.ok(window.blobs >= 3 && window.bytes > 0, JSON.stringify(window));
  assert.equal(window.releaseUntil, new Date(clock.ms - 10 * 60_000 + RESTORE_WINDOW_MS).toISOString(), 'the deletion plus the restore window');
  assert.ok(held.held.freeableNow.blobs >= 3, JSON.stringify(held.held.freeableNow));
  assert.equal(held.held.restoreWindowSeconds, RESTORE_WINDOW_MS / 1000);

  expectError(await team.lead.send('POST', '/api/v1/gc', { now: true }), 403, 'DENIED');
  const refused = (await audit('action=gc.run')).find((e) => e.result === 'denied');
  assert.equal(refused?.detail, 'now=true');
  expectError(await team.admin.send('POST', '/api/v1/gc', { now: 'yes' }), 400, 'BAD_REQUEST');

  const preview = json<GcReportJson>(await team.admin.send('POST', '/api/v1/gc', { now: true, dryRun: true }));
  const real = json<GcReportJson & { now: boolean; held: HeldJson }>(await team.admin.send('POST', '/api/v1/gc', { now: true }));
  assert.equal(real.now, true);
  assert.deepEqual(real.blobs, preview.blobs, 'the preview lists exactly what goes');
  const big = real.repositories.find((r) => r.repository === 'gcnow/big');
  assert.equal(big?.removed, true);
  for (const layer of image.layers) assert.ok(real.blobs.some((b) => b.digest === layer.digest), layer.digest);
  expectError(await team.lead.send('POST', '/api/v1/repositories/gcnow/big/-/tags/v1/restore', {}), 404, 'NOT_FOUND');
  expectStatus(await registry.get(`/v2/gcnow/kept/manifests/${kept.digest}`), 200, 'tagged content stays');
  const [event] = await audit('action=gc.run');
  assert.match(event?.detail ?? '', /^now=true manifests=\d+ blobs=\d+ bytes=\d+$/);
});

interface HeldGroupJson {
  manifests: number;
  blobs: number;
  bytes: number;
  repositories: number;
  tags: number;
  releaseFrom: string | null;
  releaseUntil: string | null;
}

interface HeldJson {
  grace: HeldGroupJson;
  restoreWindow: HeldGroupJson;
  freeableNow: { manifests: number; blobs: number; bytes: number; repositories: number; tags: number };
  graceSeconds: number;
  restoreWindowSeconds: number;
}
