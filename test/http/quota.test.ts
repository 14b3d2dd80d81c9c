// Storage quotas over /v2: a push that fits is accepted, one that does not is refused with
// 403 DENIED naming the quota and the numbers; uploads with a declared length are refused
// before their bytes are stored; the manifest put is the authoritative check; a layer shared
// inside a project counts once; usage follows pushes, deletes and collection, and the kept
// counters always equal a recount from the manifests.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { seededRandom } from '../support/seeded-random.js';
import { embeddedOnly, stackMode } from '../support/stack-mode.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { databaseKinds } from '../support/test-database.js';
import { OCI_INDEX, OCI_MANIFEST, descriptorOf, indexManifest, randomBlob, sha256 } from './support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { pushBlob, pushManifest, startUpload, withDigest } from './support/push.js';
import {
  ManualClock,
  assertUsageInStep,
  blobFile,
  buildImage,
  exists,
  newProject,
  pushBlobsOf,
  pushBuilt,
  stagingFiles,
  usageOf,
  zeroUsage,
  type BuiltImage,
} from './support/storage.js';

/** How the refusal shows a size: exact bytes, with a readable form once it reaches 1 KiB. */
function shown(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]} (${n} bytes)`;
}

function expectQuotaRefusal(reply: Reply, project: string, used: number, adding: number, limit: number): void {
  const error = expectError(reply, 403, 'DENIED');
  assert.equal(
    error.message,
    `project ${project} would exceed its storage quota of ${shown(limit)}: ${shown(used)} used, this push needs ${shown(adding)} more; ` +
      `delete what the project no longer needs, or a system admin can raise the quota: berth quota set ${project} SIZE`,
  );
  assert.deepEqual(error.detail, { rule: 'quota', project, usedBytes: used, addingBytes: adding, limitBytes: limit });
}

/** The refusal when unfinished uploads of the project hold staged bytes (counted toward the quota). */
function expectStagedQuotaRefusal(reply: Reply, project: string, used: number, staged: number, adding: number | undefined, limit: number): void {
  const error = expectError(reply, 403, 'DENIED');
  const need = adding === undefined ? `and this chunk is larger than the ${shown(Math.max(limit - used - staged, 0))} left` : `this push needs ${shown(adding)} more`;
  assert.equal(
    error.message,
    `project ${project} would exceed its storage quota of ${shown(limit)}: ${shown(used)} used, ${shown(staged)} staged by unfinished uploads, ` +
      `${need}; complete or cancel unfinished uploads or delete what the project no longer needs`,
  );
  assert.deepEqual(error.detail, {
    rule: 'quota',
    project,
    usedBytes: used,
    stagedBytes: staged,
    ...(adding === undefined ? {} : { addingBytes: adding }),
    limitBytes: limit,
  });
}

for (const database of databaseKinds()) describe(`storage quotas on ${database}`, () => {
  const clock = new ManualClock();
  let server: TestServer;
  let c: Client;
  let metadata: MetadataStore;
  before(async () => {
    server = await startTestServer({
      database,
      now: clock.now,
      lifecycle: { gc: { graceSeconds: 0, intervalSeconds: 0 }, restoreWindowSeconds: 0 },
    });
    c = client(server.url);
    metadata = server.composed.registry.deps.metadata;
  });
  after(() => server.close());

  async function setQuota(project: string, quotaBytes: number | undefined): Promise<void> {
    await server.composed.policies.set(project, { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes });
  }

  function putManifest(repo: string, reference: string, body: Buffer, mediaType = OCI_MANIFEST): Promise<Reply> {
    return c.put(`/v2/${repo}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body });
  }

  async function tags(repo: string): Promise<string[]> {
    const reply = await c.get(`/v2/${repo}/tags/list`);
    if (reply.status === 404) return [];
    expectStatus(reply, 200, `tags of ${repo}`);
    return json<{ tags: string[] | null }>(reply).tags ?? [];
  }

  /** A collection that sees everything deleted so far as past its grace and restore window. */
  async function collect(): Promise<void> {
    clock.advance(1000);
    await server.composed.lifecycle.gc();
  }

  const used = async (project: string) => {
    const u = await usageOf(metadata, project);
    return u.blobBytes + u.manifestBytes;
  };

  test('a push that fits is accepted and counted; the next one, past the quota, is refused and writes nothing', async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    await setQuota(project, 1000);

    const first = await pushBuilt(c, repo, buildImage([randomBlob(300)]), 'a');
    assert.deepEqual(await usageOf(metadata, project), {
      project,
      blobs: 2,
      blobBytes: first.config.size + 300,
      manifests: 1,
      manifestBytes: first.body.length,
    });
    const usedBefore = first.config.size + 300 + first.body.length;
    assert.ok(usedBefore < 1000, `the first image (${usedBefore} bytes) must fit`);

    const second = buildImage([randomBlob(100)]);
    await pushBlobsOf(c, repo, second);
    const adding = second.blobBytes + second.body.length;
    assert.ok(usedBefore + adding > 1000, 'the second image must not fit');
    expectQuotaRefusal(await putManifest(repo, 'b', second.body), project, usedBefore, adding, 1000);
    expectQuotaRefusal(await putManifest(repo, second.digest, second.body), project, usedBefore, adding, 1000);

    expectError(await c.get(`/v2/${repo}/manifests/b`), 404, 'MANIFEST_UNKNOWN');
    expectError(await c.get(`/v2/${repo}/manifests/${second.digest}`), 404, 'MANIFEST_UNKNOWN');
    assert.deepEqual(await tags(repo), ['a']);
    assert.equal(await used(project), usedBefore, 'a refused push changes no usage');

    // Exactly full is allowed.
    await setQuota(project, usedBefore + adding);
    await pushManifest(c, repo, 'b', second.body, OCI_MANIFEST);
    assert.equal(await used(project), usedBefore + adding);
    assert.deepEqual(await tags(repo), ['a', 'b']);

    // Full: a new manifest is refused even when all its blobs are held (its body needs room),
    // but pointing another tag at a stored manifest adds nothing and is accepted.
    const reuse = buildImage(first.layerBytes, { configBytes: first.configBytes });
    const variant = Buffer.from(JSON.stringify({ ...JSON.parse(reuse.body.toString()), annotations: { v: '2' } }));
    expectQuotaRefusal(await putManifest(repo, 'c', variant), project, usedBefore + adding, variant.length, usedBefore + adding);
    expectStatus(await putManifest(repo, 'c', first.body), 201, 'tag move to a stored manifest');
    assert.equal(await used(project), usedBefore + adding);
    await assertUsageInStep(metadata, 'after a full project');
  });

  test('the manifest put is the authoritative check: blobs accepted one by one are refused together', async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    await setQuota(project, 1000);
    const image = buildImage([randomBlob(450), randomBlob(450)]);
    // Each upload fits on its own: blobs no manifest references are not usage.
    await pushBlobsOf(c, repo, image);
    assert.deepEqual(await metadata.projectUsage(project), []);
    expectQuotaRefusal(await putManifest(repo, 'latest', image.body), project, 0, image.blobBytes + image.body.length, 1000);
    expectError(await c.get(`/v2/${repo}/manifests/latest`), 404, 'MANIFEST_UNKNOWN');
    assert.deepEqual(await tags(repo), []);
    assert.deepEqual(await metadata.projectUsage(project), []);
    await assertUsageInStep(metadata, 'after a refused manifest');
  });

  test('a monolithic upload declaring more than the room is refused before a byte is stored', { skip: embeddedOnly('counts staging files in the data root') }, async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    const first = await pushBuilt(c, repo, buildImage([randomBlob(1000)]), 'a');
    const held = first.blobBytes + first.body.length;
    const limit = held + 2048;
    await setQuota(project, limit);

    const big = randomBlob(2049);
    const reply = await c.post(`/v2/${repo}/blobs/uploads/?digest=${sha256(big)}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: big,
    });
    expectQuotaRefusal(reply, project, held, 2049, limit);
    assert.equal(await exists(blobFile(server.root, sha256(big))), false, 'no blob file');
    assert.deepEqual(await stagingFiles(server.root), {}, 'no staging file');
    expectError(await c.get(`/v2/${repo}/blobs/${sha256(big)}`), 404, 'BLOB_UNKNOWN');
    assert.equal(await metadata.blob(sha256(big)), undefined, 'no blob recorded');

    // Exactly the room is accepted.
    const fits = randomBlob(2048);
    await pushBlob(c, repo, fits);
    assert.equal(await exists(blobFile(server.root, sha256(fits))), true);
    assert.deepEqual(await stagingFiles(server.root), {});
  });

  test('a session chunk or final PUT declaring more than the room is refused before a byte is stored', { skip: embeddedOnly('counts staging files in the data root') }, async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    const first = await pushBuilt(c, repo, buildImage([randomBlob(500)]), 'a');
    const held = first.blobBytes + first.body.length;
    const limit = held + 1500;
    await setQuota(project, limit);

    const location = await startUpload(c, repo);
    const id = location.split('/').pop()!;
    assert.deepEqual(await stagingFiles(server.root), { [id]: 0 });

    const big = randomBlob(1501);
    const patch = await c.patch(location, { headers: { 'content-type': 'application/octet-stream' }, body: big });
    expectQuotaRefusal(patch, project, held, 1501, limit);
    const put = await c.put(withDigest(location, sha256(big)), { headers: { 'content-type': 'application/octet-stream' }, body: big });
    expectQuotaRefusal(put, project, held, 1501, limit);
    assert.equal(await exists(blobFile(server.root, sha256(big))), false, 'no blob file');
    assert.deepEqual(await stagingFiles(server.root), { [id]: 0 }, 'not a byte staged');
    const status = await c.get(location);
    expectStatus(status, 204, 'the session is still there');
    assert.equal(status.headers.get('range'), '0-0');

    // Chunks are counted together: 1000 staged, then 501 more is past the room.
    const part = randomBlob(1000);
    expectStatus(await c.patch(location, { headers: { 'content-type': 'application/octet-stream' }, body: part }), 202);
    const rest = randomBlob(501);
    const whole = Buffer.concat([part, rest]);
    expectStagedQuotaRefusal(
      await c.put(withDigest(location, sha256(whole)), { headers: { 'content-type': 'application/octet-stream' }, body: rest }),
      project,
      held,
      1000,
      501,
      limit,
    );
    assert.deepEqual(await stagingFiles(server.root), { [id]: 1000 });

    // What fits completes.
    const fitting = randomBlob(500);
    const done = Buffer.concat([part, fitting]);
    expectStatus(await c.put(withDigest(location, sha256(done)), { headers: { 'content-type': 'application/octet-stream' }, body: fitting }), 201);
    assert.equal(await exists(blobFile(server.root, sha256(done))), true);
    assert.deepEqual(await stagingFiles(server.root), {});
  });

  test('an upload without a declared length is refused as it streams past the room, and nothing of it stays staged', { skip: embeddedOnly('counts staging files in the data root') }, async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    await setQuota(project, 1500);
    const layer = randomBlob(2000);
    const location = await startUpload(c, repo);
    const id = location.split('/').pop()!;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(layer));
        controller.close();
      },
    });
    // Chunked framing: the server cannot know the size first, so it counts as the bytes come.
    const error = expectError(
      await c.put(withDigest(location, sha256(layer)), { headers: { 'content-type': 'application/octet-stream' }, body: stream }),
      403,
      'DENIED',
    );
    assert.match(error.message, /would exceed its storage quota of 1\.5 KiB \(1500 bytes\): 0 B used, 0 B staged by unfinished uploads, and this chunk is larger than the 1\.5 KiB \(1500 bytes\) left/);
    assert.deepEqual(await stagingFiles(server.root), { [id]: 0 }, 'the refused chunk was rolled back');
    assert.equal(await exists(blobFile(server.root, sha256(layer))), false);
  });

  test('staged bytes of unfinished uploads count toward the quota: a project cannot stage past it in many sessions', async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    await setQuota(project, 3000);
    const headers = { 'content-type': 'application/octet-stream' };
    // Three sessions of 1000 bytes fill the quota although nothing is stored yet.
    const sessions: string[] = [];
    for (let i = 0; i < 3; i++) {
      sessions.push(await startUpload(c, repo));
      expectStatus(await c.patch(sessions[i]!, { headers, body: randomBlob(1000) }), 202);
    }
    const fourth = await startUpload(c, repo);
    expectStagedQuotaRefusal(await c.patch(fourth, { headers, body: randomBlob(1) }), project, 0, 3000, 1, 3000);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(randomBlob(10)));
        controller.close();
      },
    });
    const streamed = await c.patch(fourth, { headers, body: stream });
    // The stack's nginx forwards a chunked body that arrived whole with its headers with a
    // Content-Length, now and then: the server then refuses a declared length of 10.
    const declared = stackMode() && /this push needs/.test(json<{ errors: { message: string }[] }>(streamed).errors[0]?.message ?? '');
    expectStagedQuotaRefusal(streamed, project, 0, 3000, declared ? 10 : undefined, 3000);
    assert.deepEqual(await metadata.uploadTotals({ project }), { sessions: 4, stagedBytes: 3000 }, 'not a byte past the quota is staged');
    // Cancelling one frees its room.
    expectStatus(await c.delete(sessions[0]!), 204);
    expectStatus(await c.patch(fourth, { headers, body: randomBlob(1000) }), 202);
    for (const location of [...sessions.slice(1), fourth]) expectStatus(await c.delete(location), 204);
  });

  test('a layer shared by repositories of one project counts once there, and again in another project', async () => {
    const project = newProject('q');
    const other = newProject('q');
    const shared = randomBlob(3000);
    const a = await pushBuilt(c, `${project}/a`, buildImage([shared]), 'v1');
    const b = await pushBuilt(c, `${project}/b`, buildImage([shared, randomBlob(200)]), 'v1');
    const o = await pushBuilt(c, `${other}/c`, buildImage([shared]), 'v1');

    assert.deepEqual(await usageOf(metadata, project), {
      project,
      blobs: 4,
      blobBytes: a.config.size + b.config.size + 3000 + 200,
      manifests: 2,
      manifestBytes: a.body.length + b.body.length,
    });
    assert.deepEqual(await usageOf(metadata, other), {
      project: other,
      blobs: 2,
      blobBytes: o.config.size + 3000,
      manifests: 1,
      manifestBytes: o.body.length,
    });
    assert.deepEqual(await metadata.repositoryUsage(project), [
      { repository: `${project}/a`, blobs: 2, blobBytes: a.blobBytes, manifests: 1, manifestBytes: a.body.length },
      { repository: `${project}/b`, blobs: 3, blobBytes: b.blobBytes, manifests: 1, manifestBytes: b.body.length },
    ]);

    // A third repository reusing the layer needs room only for what is new to the project.
    const d = buildImage([shared]);
    const needed = d.config.size + d.body.length;
    const limit = (await used(project)) + needed;
    await setQuota(project, limit);
    expectStatus(await c.post(`/v2/${project}/d/blobs/uploads/?mount=${sha256(shared)}&from=${project}/a`), 201, 'mount');
    await pushBlob(c, `${project}/d`, d.configBytes);
    await pushManifest(c, `${project}/d`, 'v1', d.body, OCI_MANIFEST);
    assert.equal(await used(project), limit, 'exactly full');
    assert.equal((await usageOf(metadata, project)).blobs, 5);

    // The same image in the other project is new bytes there: it has no quota, so it is accepted.
    await setQuota(other, undefined);
    expectStatus(await c.post(`/v2/${other}/d/blobs/uploads/?mount=${sha256(shared)}&from=${project}/d`), 201, 'mount across projects');
    await pushBlob(c, `${other}/d`, d.configBytes);
    await pushManifest(c, `${other}/d`, 'v1', d.body, OCI_MANIFEST);
    assert.equal((await usageOf(metadata, other)).blobBytes, o.config.size + 3000 + d.config.size);

    // Nothing new fits in the full project: the next upload is refused.
    const e = buildImage([shared]);
    const refused = await c.post(`/v2/${project}/e/blobs/uploads/?digest=${e.config.digest}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: e.configBytes,
    });
    expectQuotaRefusal(refused, project, limit, e.config.size, limit);
    await assertUsageInStep(metadata, 'after shared layers');
  });

  test(
    'a layer the project already holds may be uploaded again into a new repository of a full project',
    async () => {
      const project = newProject('q');
      const shared = randomBlob(3000);
      const a = await pushBuilt(c, `${project}/a`, buildImage([shared]), 'v1');
      // Room for a new config and manifest only: the shared layer adds nothing to the project.
      const b = buildImage([shared]);
      await setQuota(project, a.blobBytes + a.body.length + b.config.size + b.body.length);
      // A client that cannot mount (it does not know where the layer came from) uploads it.
      await pushBlob(c, `${project}/b`, shared);
      await pushBlob(c, `${project}/b`, b.configBytes);
      await pushManifest(c, `${project}/b`, 'v1', b.body, OCI_MANIFEST);
    },
  );

  test('usage drops at once on delete by digest; a deleted tag keeps its bytes until collected', async () => {
    const project = newProject('q');
    const repo = `${project}/app`;
    const shared = randomBlob(700);
    const x = await pushBuilt(c, repo, buildImage([shared, randomBlob(800)]), 'x');
    const y = await pushBuilt(c, repo, buildImage([shared, randomBlob(900)]), 'y');
    const both = {
      project,
      blobs: 5,
      blobBytes: x.config.size + y.config.size + 700 + 800 + 900,
      manifests: 2,
      manifestBytes: x.body.length + y.body.length,
    };
    assert.deepEqual(await usageOf(metadata, project), both);

    // An index over both counts its own body and nothing else.
    const index = indexManifest([descriptorOf(OCI_MANIFEST, x.body), descriptorOf(OCI_MANIFEST, y.body)]);
    await pushManifest(c, repo, 'multi', index, OCI_INDEX);
    assert.deepEqual(await usageOf(metadata, project), { ...both, manifests: 3, manifestBytes: both.manifestBytes + index.length });
    expectStatus(await c.delete(`/v2/${repo}/manifests/${sha256(index)}`), 202);
    assert.deepEqual(await usageOf(metadata, project), both);

    expectStatus(await c.delete(`/v2/${repo}/manifests/${x.digest}`), 202);
    const onlyY = { project, blobs: 3, blobBytes: y.config.size + 700 + 900, manifests: 1, manifestBytes: y.body.length };
    assert.deepEqual(await usageOf(metadata, project), onlyY, 'the shared layer stays with y');
    await assertUsageInStep(metadata, 'after delete by digest');

    expectStatus(await c.delete(`/v2/${repo}/manifests/y`), 202);
    assert.deepEqual(await usageOf(metadata, project), onlyY, 'a deleted tag keeps its manifest');
    await server.composed.lifecycle.gc();
    assert.deepEqual(await usageOf(metadata, project), onlyY, 'restorable at the instant it was deleted');
    await collect();
    assert.deepEqual(await usageOf(metadata, project), zeroUsage(project), 'collected after the window');
    assert.deepEqual(await metadata.projectUsage(project), []);
    await assertUsageInStep(metadata, 'after collection');
  });

  test('kept counters equal a recount after every step of a random sequence', async (t) => {
    const seed = Number(process.env.BERTH_TEST_SEED ?? Date.now() % 1_000_000);
    const next = seededRandom(seed);
    const random = (n: number): number => Math.floor(next() * n);
    const projects = [newProject('qr'), newProject('qr')];
    const repos = projects.flatMap((p) => [`${p}/one`, `${p}/two/deep`]);
    const pool = Array.from({ length: 6 }, (_, i) => randomBlob(100 + 97 * i));
    const known = new Map<string, Array<{ body: Buffer; mediaType: string }>>(repos.map((r) => [r, []]));
    const tagNames = ['a', 'b', 'c', 'latest'];
    const log: string[] = [];
    let refusals = 0;

    const image = (): BuiltImage => {
      const layers = [...new Set(Array.from({ length: 1 + random(3) }, () => pool[random(pool.length)]!))];
      return buildImage(layers);
    };
    /** Uploads what `repo` lacks, as clients do; false when the quota refused an upload. */
    const upload = async (repo: string, bytes: Buffer): Promise<boolean> => {
      if ((await c.head(`/v2/${repo}/blobs/${sha256(bytes)}`)).status === 200) return true;
      const reply = await c.post(`/v2/${repo}/blobs/uploads/?digest=${sha256(bytes)}`, {
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      if (reply.status === 403) {
        refusals++;
        return false;
      }
      expectStatus(reply, 201, `upload to ${repo}`);
      return true;
    };
    const pushImageTo = async (repo: string, reference: string | undefined): Promise<BuiltImage | undefined> => {
      const built = image();
      for (const bytes of [built.configBytes, ...built.layerBytes]) if (!(await upload(repo, bytes))) return undefined;
      const reply = await putManifest(repo, reference ?? built.digest, built.body);
      if (reply.status === 403) {
        refusals++;
        return undefined;
      }
      expectStatus(reply, 201, `push to ${repo}`);
      known.get(repo)!.push({ body: built.body, mediaType: OCI_MANIFEST });
      return built;
    };
    const stored = async (repo: string): Promise<Array<{ body: Buffer; mediaType: string }>> => {
      const out = [];
      for (const m of known.get(repo)!) if ((await c.head(`/v2/${repo}/manifests/${sha256(m.body)}`)).status === 200) out.push(m);
      return out;
    };

    for (let step = 0; step < 70; step++) {
      const repo = repos[random(repos.length)]!;
      const op = random(10);
      switch (op) {
        case 0:
        case 1:
          log.push(`push ${repo}`);
          await pushImageTo(repo, tagNames[random(tagNames.length)]);
          break;
        case 2:
          log.push(`push untagged ${repo}`);
          await pushImageTo(repo, undefined);
          break;
        case 3: {
          const candidates = await stored(repo);
          if (candidates.length === 0) break;
          const m = candidates[random(candidates.length)]!;
          const tag = tagNames[random(tagNames.length)]!;
          log.push(`move ${repo}:${tag}`);
          const reply = await putManifest(repo, tag, m.body, m.mediaType);
          // An index whose child was deleted by digest can no longer be put again.
          if (m.mediaType === OCI_INDEX && reply.status === 400) expectError(reply, 400, 'MANIFEST_BLOB_UNKNOWN');
          else expectStatus(reply, 201, `move ${tag}`);
          break;
        }
        case 4: {
          const present = await tags(repo);
          if (present.length === 0) break;
          const tag = present[random(present.length)]!;
          log.push(`delete tag ${repo}:${tag}`);
          expectStatus(await c.delete(`/v2/${repo}/manifests/${tag}`), 202);
          break;
        }
        case 5: {
          const candidates = await stored(repo);
          if (candidates.length === 0) break;
          const m = candidates[random(candidates.length)]!;
          log.push(`delete digest ${repo}@${sha256(m.body).slice(7, 15)}`);
          expectStatus(await c.delete(`/v2/${repo}/manifests/${sha256(m.body)}`), 202);
          break;
        }
        case 6: {
          log.push(`push index ${repo}`);
          const children = [await pushImageTo(repo, undefined), await pushImageTo(repo, undefined)];
          if (children.some((child) => child === undefined)) break;
          const body = indexManifest(children.map((child) => descriptorOf(OCI_MANIFEST, child!.body)));
          const reply = await putManifest(repo, tagNames[random(tagNames.length)]!, body, OCI_INDEX);
          if (reply.status !== 403) {
            expectStatus(reply, 201, 'index');
            known.get(repo)!.push({ body, mediaType: OCI_INDEX });
          }
          break;
        }
        case 7:
          log.push('gc');
          await collect();
          break;
        case 9: {
          // Every tag deleted restorably; the manifests go with the next collection.
          if ((await tags(repo)).length === 0) break;
          log.push(`delete repository ${repo}`);
          await server.composed.lifecycle.deleteRepository(repo);
          break;
        }
        case 8: {
          const project = projects[random(projects.length)]!;
          const quota = random(2) === 0 ? undefined : (await used(project)) + random(1500);
          log.push(`quota ${project} ${quota}`);
          await setQuota(project, quota);
          break;
        }
      }
      await assertUsageInStep(metadata, `seed ${seed}, step ${step}: ${log.slice(-5).join('; ')}`);
    }
    const counts = new Map<string, number>();
    for (const entry of log) {
      const words = entry.split(' ');
      const kind = words[0] === 'delete' || words[1] === 'untagged' || words[1] === 'index' ? `${words[0]} ${words[1]}` : words[0]!;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    t.diagnostic(`seed ${seed} (set BERTH_TEST_SEED to replay): ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}, refused ${refusals}`);
    // Everything deleted and collected leaves nothing counted.
    for (const p of projects) await setQuota(p, undefined);
    for (const repo of repos) for (const m of await stored(repo)) await c.delete(`/v2/${repo}/manifests/${sha256(m.body)}`);
    await collect();
    for (const p of projects) assert.deepEqual(await metadata.projectUsage(p), [], `seed ${seed}: ${p} emptied`);
    await assertUsageInStep(metadata, `seed ${seed}: at the end`);
  });
});
