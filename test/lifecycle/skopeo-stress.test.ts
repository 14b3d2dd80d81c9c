// The storage-lifecycle stress test over real sockets, with a real client at the end: several
// HTTP clients push images and indexes (layers shared between images and repositories, some
// mounted across repositories, some skipped after a HEAD as real clients do), delete tags and
// manifests, and pull, while the collector runs again and again (every fourth run with no grace
// period at all, so uploads and manifest puts really do race it). A manifest put refused with
// MANIFEST_BLOB_UNKNOWN is answered as a client would: upload again, put again. No request may
// get a 5xx (the http-client helper asserts it on every reply).
//
// Afterwards, past the grace period and one more collection: every surviving tag pulls with
// skopeo into an OCI layout whose files hash to their names and whose top is what the tag
// resolves to; the blob tree on disk holds exactly the blobs the surviving tags reach, each
// hashing to its name; a full dry run finds nothing left to collect.
//
// The seed (printed) replays each client's choices; timing, and so the interleaving, still varies.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { checkBlobTree, stagingFiles } from '../crash/support/store-check.js';
import { containersTools } from '../e2e/support/containers-tools.js';
import { guardHostPaths } from '../e2e/support/host-leftovers.js';
import { readLayout } from '../e2e/support/oci-layout.js';
import type { Target } from '../e2e/support/registry-under-test.js';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, imageManifest, indexManifest, sha256, type Descriptor } from '../http/support/content.js';
import { assertEnvelope, client, expectStatus, json, type Reply } from '../http/support/http-client.js';
import { withDigest } from '../http/support/push.js';
import { startTestServer } from '../support/test-server.js';
import { seededRandom } from '../support/seeded-random.js';

const GRACE_SECONDS = 1;
const REPOS = ['stress/alpha', 'stress/beta', 'stress/gamma'];
const TAGS = ['t0', 't1', 't2', 't3', 't4'];
const CLIENTS = 4;
const ITERATIONS = Number(process.env.BERTH_STRESS_ITERATIONS ?? 40);
/** No client starts a new iteration after this, whatever ITERATIONS says (2-core budget). */
const CLIENT_BUDGET_MS = 20_000;
/** A push racing no-grace collections can lose many times in a row on a loaded machine; a real client would also keep retrying. */
const MAX_ATTEMPTS = 100;
const ACCEPT = [OCI_MANIFEST, OCI_INDEX].join(', ');

const random = seededRandom;

/** One stream of choices per client (and one for the collector), so each replays from the seed whatever the others do. */
interface Dice {
  rand(): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

function dice(seed: number, stream: number): Dice {
  const rand = random((seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0);
  return { rand, pick: (list) => list[Math.floor(rand() * list.length)]!, chance: (p) => rand() < p };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A gzipped layer and the digest of its uncompressed bytes (the config's diff_id). */
interface Layer {
  gz: Buffer;
  diffId: string;
  shared: boolean;
}

function makeLayer(size: number, shared: boolean): Layer {
  const raw = randomBytes(size);
  return { gz: gzipSync(raw), diffId: sha256(raw), shared };
}

/** An image's bytes, built once so every retry pushes exactly the same content. */
interface ImageContent {
  config: Buffer;
  layers: Layer[];
  body: Buffer;
  descriptor: Descriptor;
}

function imageContent(layers: Layer[], platform = { architecture: 'amd64', os: 'linux' }): ImageContent {
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      created: new Date().toISOString(),
      config: { Labels: { nonce: randomBytes(8).toString('hex') } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const body = imageManifest({
    config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: sha256(l.gz), size: l.gz.length })),
  });
  return { config, layers, body, descriptor: { mediaType: OCI_MANIFEST, digest: sha256(body), size: body.length, platform } };
}

interface Stats {
  imageManifestsPut: number;
  indexesPut: number;
  blobsUploaded: number;
  blobsSkippedAfterHead: number;
  blobsMounted: number;
  manifestRetries: number;
  /** The most attempts any one manifest put needed. */
  mostAttempts: number;
  uploadRetries429: number;
  tagsDeleted: number;
  manifestsDeleted: number;
  deletesOfGone: number;
  pulls: number;
  blobsVerifiedInFlight: number;
  blobs404InFlight: number;
  collections: number;
  collectionsNoGrace: number;
  collectorConflicts: number;
  manifestsCollected: number;
  blobsCollected: number;
  bytesFreed: number;
}

function isCode(reply: Reply, status: number, code: string): boolean {
  if (reply.status !== status) return false;
  assertEnvelope(reply.text, code, `${status}`);
  return true;
}

test('HTTP clients push and delete while GC loops; every surviving tag pulls with skopeo, the disk holds exactly what they reach', async (t) => {
  const started = performance.now();
  const seed = Number(process.env.BERTH_STRESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (BERTH_STRESS_SEED=${seed} replays each client's choices)`);

  const server = await startTestServer({
    deleteEnabled: true,
    lifecycle: { gc: { graceSeconds: GRACE_SECONDS, intervalSeconds: 0 }, restoreWindowSeconds: 0 },
  });
  const guard = guardHostPaths();
  let work: string | undefined;
  const stats: Stats = {
    imageManifestsPut: 0,
    indexesPut: 0,
    blobsUploaded: 0,
    blobsSkippedAfterHead: 0,
    blobsMounted: 0,
    manifestRetries: 0,
    mostAttempts: 0,
    uploadRetries429: 0,
    tagsDeleted: 0,
    manifestsDeleted: 0,
    deletesOfGone: 0,
    pulls: 0,
    blobsVerifiedInFlight: 0,
    blobs404InFlight: 0,
    collections: 0,
    collectionsNoGrace: 0,
    collectorConflicts: 0,
    manifestsCollected: 0,
    blobsCollected: 0,
    bytesFreed: 0,
  };
  try {
    const scratch = (work = await mkdtemp(join(tmpdir(), 'berth-skopeo-stress-')));
    const c = client(server.url);
    const host = new URL(server.url).host;
    const shared = Array.from({ length: 6 }, (_, i) => makeLayer(4096 + i * 6000, true));
    /** Every digest a tag was successfully put on: whatever a tag resolves to at the end is one of these. */
    const taggedDigests = new Set<string>();
    /** Tags only their own client touches, so some images and indexes surely survive. */
    const finals = new Map<string, { repo: string; tag: string; digest: string }>();

    // ---- the client side: uploads, manifests, deletes, pulls -------------------------------

    /** POST (or mount) then PUT with the whole body, as a monolithic upload; 429 → start over. */
    async function upload(repo: string, bytes: Buffer, mountFrom: string | undefined): Promise<void> {
      const digest = sha256(bytes);
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < MAX_ATTEMPTS, `upload of ${digest} to ${repo} kept being refused`);
        const start = mountFrom
          ? await c.post(`/v2/${repo}/blobs/uploads/?mount=${digest}&from=${mountFrom}`)
          : await c.post(`/v2/${repo}/blobs/uploads/`);
        if (mountFrom && start.status === 201) {
          assert.equal(start.headers.get('docker-content-digest'), digest);
          stats.blobsMounted++;
          return;
        }
        expectStatus(start, 202, `start upload in ${repo}`);
        const location = start.headers.get('location');
        assert.ok(location, 'upload start sends a Location');
        const put = await c.put(withDigest(location, digest), { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
        if (put.status === 201) {
          assert.equal(put.headers.get('docker-content-digest'), digest);
          stats.blobsUploaded++;
          return;
        }
        // The digest is being collected right now: the registry asks the client to come back.
        if (!isCode(put, 429, 'TOOMANYREQUESTS')) expectStatus(put, 201, `complete upload of ${digest} to ${repo}`);
        stats.uploadRetries429++;
        await c.delete(location);
        await sleep(20);
        mountFrom = undefined;
      }
    }

    /** Config and layers (HEAD first for shared ones, sometimes a mount), then the manifest; re-pushes on MANIFEST_BLOB_UNKNOWN. */
    async function pushImage(d: Dice, repo: string, reference: string, image: ImageContent): Promise<string> {
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < MAX_ATTEMPTS, `manifest ${reference} in ${repo} kept being refused`);
        await upload(repo, image.config, undefined);
        for (const layer of image.layers) {
          const digest = sha256(layer.gz);
          // Drawn whatever the registry answers, so the choices after these stay replayable.
          const [head1st, mount, from] = [d.chance(0.5), d.chance(0.3), d.pick(REPOS.filter((r) => r !== repo))];
          // A real client skips what the registry says it has; on a retry it trusts nothing.
          if (layer.shared && attempt === 0 && head1st) {
            const head = await c.head(`/v2/${repo}/blobs/${digest}`);
            if (head.status === 200) {
              stats.blobsSkippedAfterHead++;
              continue;
            }
            expectStatus(head, 404, `HEAD blob ${digest} in ${repo}`);
          }
          await upload(repo, layer.gz, layer.shared && attempt === 0 && mount ? from : undefined);
        }
        const put = await c.put(`/v2/${repo}/manifests/${reference}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.body });
        if (put.status === 201) {
          assert.equal(put.headers.get('docker-content-digest'), image.descriptor.digest);
          if (!reference.startsWith('sha256:')) taggedDigests.add(image.descriptor.digest);
          stats.imageManifestsPut++;
          stats.mostAttempts = Math.max(stats.mostAttempts, attempt + 1);
          return image.descriptor.digest;
        }
        if (!isCode(put, 400, 'MANIFEST_BLOB_UNKNOWN')) expectStatus(put, 201, `put manifest ${reference} in ${repo}`);
        stats.manifestRetries++;
      }
    }

    /** Two platform images by digest (untagged until the index names them), then the index under `tag`. */
    async function pushIndex(d: Dice, repo: string, tag: string): Promise<string> {
      const children = [
        imageContent([d.pick(shared), makeLayer(1024 + Math.floor(d.rand() * 8192), false)], { architecture: 'amd64', os: 'linux' }),
        imageContent([d.pick(shared), makeLayer(1024 + Math.floor(d.rand() * 8192), false)], { architecture: 'arm64', os: 'linux' }),
      ];
      const body = indexManifest(children.map((child) => child.descriptor));
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < MAX_ATTEMPTS, `index ${tag} in ${repo} kept being refused`);
        for (const child of children) await pushImage(d, repo, child.descriptor.digest, child);
        const put = await c.put(`/v2/${repo}/manifests/${tag}`, { headers: { 'content-type': OCI_INDEX }, body });
        if (put.status === 201) {
          assert.equal(put.headers.get('docker-content-digest'), sha256(body));
          taggedDigests.add(sha256(body));
          stats.indexesPut++;
          stats.mostAttempts = Math.max(stats.mostAttempts, attempt + 1);
          return sha256(body);
        }
        // A child (untagged, so collectable once past the grace period) went between its put and this one.
        if (!isCode(put, 400, 'MANIFEST_BLOB_UNKNOWN')) expectStatus(put, 201, `put index ${tag} in ${repo}`);
        stats.manifestRetries++;
      }
    }

    function randomImage(d: Dice): ImageContent {
      const layers: Layer[] = [];
      if (d.chance(0.8)) layers.push(d.pick(shared));
      for (let n = Math.floor(d.rand() * 3); n > 0 || layers.length === 0; n--) layers.push(makeLayer(512 + Math.floor(d.rand() * 16384), false));
      return imageContent(layers);
    }

    function deleted(reply: Reply, what: string): boolean {
      if (reply.status === 202) return true;
      // Someone else deleted it (or the tag never existed): not an error for a client.
      assert.equal(reply.status, 404, `${what}: ${reply.status} ${reply.text}`);
      stats.deletesOfGone++;
      return false;
    }

    /** Reads a tag and whatever of its blobs are still there; every byte served must match its digest. */
    async function pull(d: Dice, repo: string, tag: string): Promise<void> {
      const which = d.rand();
      const got = await c.get(`/v2/${repo}/manifests/${tag}`, { headers: { accept: ACCEPT } });
      if (got.status === 404) return;
      expectStatus(got, 200, `GET ${repo}:${tag}`);
      assert.equal(sha256(got.body), got.headers.get('docker-content-digest'), 'manifest bytes match their digest');
      stats.pulls++;
      let doc = json<{ config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] }>(got);
      if (doc.manifests) {
        const child = await c.get(`/v2/${repo}/manifests/${doc.manifests[Math.floor(which * doc.manifests.length)]!.digest}`, { headers: { accept: ACCEPT } });
        // An index is never left pointing at a missing child; it may have gone as a whole since.
        if (child.status === 404) return;
        expectStatus(child, 200, `GET a child of ${repo}:${tag}`);
        assert.equal(sha256(child.body), child.headers.get('docker-content-digest'), 'child manifest bytes match their digest');
        doc = json(child);
      }
      for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
        const reply = await c.get(`/v2/${repo}/blobs/${blob.digest}`);
        // The tag may have moved and its old blobs been collected since the manifest was read.
        if (reply.status === 404) {
          stats.blobs404InFlight++;
          continue;
        }
        expectStatus(reply, 200, `GET blob ${blob.digest}`);
        assert.equal(sha256(reply.body), blob.digest, `bytes served for ${blob.digest}`);
        stats.blobsVerifiedInFlight++;
      }
    }

    let stop = false;
    const deadline = performance.now() + CLIENT_BUDGET_MS;
    async function clientLoop(id: number): Promise<void> {
      const d = dice(seed, id);
      for (let i = 0; i < ITERATIONS && !stop && performance.now() < deadline; i++) {
        const repo = d.pick(REPOS);
        const tag = d.pick(TAGS);
        const roll = d.rand();
        if (roll < 0.4) await pushImage(d, repo, tag, randomImage(d));
        else if (roll < 0.55) await pushIndex(d, repo, tag);
        else if (roll < 0.72) {
          if (deleted(await c.delete(`/v2/${repo}/manifests/${tag}`), `DELETE ${repo}:${tag}`)) stats.tagsDeleted++;
        } else if (roll < 0.82) {
          const head = await c.head(`/v2/${repo}/manifests/${tag}`, { headers: { accept: ACCEPT } });
          if (head.status === 200) {
            const digest = head.headers.get('docker-content-digest');
            assert.ok(digest);
            if (deleted(await c.delete(`/v2/${repo}/manifests/${digest}`), `DELETE ${repo}@${digest}`)) stats.manifestsDeleted++;
          } else expectStatus(head, 404, `HEAD ${repo}:${tag}`);
        } else await pull(d, repo, tag);
      }
      inMainLoop--;
      // Outside TAGS, so no other client deletes it: at least these survive, two of each kind.
      const repo = REPOS[id % REPOS.length]!;
      const tag = `final-c${id}`;
      const digest = id % 2 === 0 ? await pushImage(d, repo, tag, randomImage(d)) : await pushIndex(d, repo, tag);
      finals.set(`${repo}:${tag}`, { repo, tag, digest });
    }

    let clientsRunning = CLIENTS;
    let inMainLoop = CLIENTS;
    async function collectorLoop(): Promise<void> {
      const d = dice(seed, CLIENTS);
      for (let run = 0; clientsRunning > 0 && !stop; run++) {
        // Every fourth run with no grace at all: an upload a moment old is fair game, so the
        // manifest puts racing it really get refused and retried. Not once the clients finish
        // up: on a loaded machine a slow index push could otherwise lose to it for a long time.
        const noGrace = run % 4 === 3 && inMainLoop > 0 && performance.now() < deadline;
        try {
          const report = await server.composed.lifecycle.gc(noGrace ? { graceMs: 0 } : {});
          stats.collections++;
          if (noGrace) stats.collectionsNoGrace++;
          stats.manifestsCollected += report.manifestsRemoved;
          stats.blobsCollected += report.blobsRemoved;
          stats.bytesFreed += report.bytesFreed;
          assert.deepEqual(report.failures, [], 'no blob deletion failed');
        } catch (error) {
          if (!(error instanceof Error && 'kind' in error && error.kind === 'conflict')) throw error;
          stats.collectorConflicts++;
        }
        await sleep(50 + Math.floor(d.rand() * 150));
      }
    }

    // The first failure stops everyone, so it is reported rather than what followed from it.
    const failures: unknown[] = [];
    const guarded = (work: Promise<void>, onDone = () => undefined) =>
      work
        .catch((error: unknown) => {
          stop = true;
          failures.push(error);
        })
        .finally(onDone);
    await Promise.all([
      ...Array.from({ length: CLIENTS }, (_, id) => guarded(clientLoop(id), () => void clientsRunning--)),
      guarded(collectorLoop()),
    ]);
    if (failures.length > 0) throw failures[0];
    const loopMs = performance.now() - started;
    assert.ok(stats.collections >= 5, `the collector ran repeatedly (${stats.collections})`);

    // ---- quiet: past the grace period, one more collection ----------------------------------

    // Garbage of both kinds made last, so the final collection surely has some to remove: a
    // blob no manifest ever named, and an image deleted by digest right after its push.
    const orphan = randomBytes(3000);
    await upload(REPOS[0]!, orphan, undefined);
    const lastDice = dice(seed, CLIENTS + 1);
    const doomed = randomImage(lastDice);
    await pushImage(lastDice, REPOS[1]!, doomed.descriptor.digest, doomed);
    expectStatus(await c.delete(`/v2/${REPOS[1]}/manifests/${doomed.descriptor.digest}`), 202, 'delete the last image');
    const lastGarbage = [orphan, doomed.config, ...doomed.layers.filter((l) => !l.shared).map((l) => l.gz)].map((b) => sha256(b));

    await sleep(GRACE_SECONDS * 1000 + 250);
    const last = await server.composed.lifecycle.gc();
    assert.deepEqual(last.failures, []);
    const lastRemoved = new Set(last.blobs.map((b) => b.digest));
    for (const digest of lastGarbage) assert.ok(lastRemoved.has(digest), `the last collection removes ${digest}, garbage past the grace period`);
    stats.collections++;
    stats.manifestsCollected += last.manifestsRemoved;
    stats.blobsCollected += last.blobsRemoved;
    stats.bytesFreed += last.bytesFreed;

    // ---- what survives, as a client lists it -----------------------------------------------

    const repositories: string[] = [];
    for (let next: string | undefined = '/v2/_catalog?n=2'; next; ) {
      const page: Reply = await c.get(next);
      expectStatus(page, 200, 'catalog');
      repositories.push(...json<{ repositories: string[] }>(page).repositories);
      next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    assert.deepEqual([...repositories].sort(), [...new Set(repositories)].sort(), 'the catalog lists each repository once');
    for (const repo of repositories) assert.ok(REPOS.includes(repo), `catalog lists only pushed repositories: ${repo}`);

    interface Survivor {
      repo: string;
      tag: string;
      digest: string;
      mediaType: string;
      /** Manifests (the top and any children) and blobs a full pull must bring. */
      reaches: Set<string>;
    }
    const survivors: Survivor[] = [];
    const referencedBlobs = new Set<string>();
    const manifestOf = async (repo: string, reference: string) => {
      const got = await c.get(`/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT } });
      expectStatus(got, 200, `GET ${repo}:${reference}`);
      const digest = got.headers.get('docker-content-digest');
      assert.equal(sha256(got.body), digest, `${repo}:${reference} manifest bytes match their digest`);
      return { digest: digest!, mediaType: got.headers.get('content-type') ?? '', doc: json<{ config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] }>(got) };
    };
    for (const repo of repositories) {
      const list = await c.get(`/v2/${repo}/tags/list`);
      expectStatus(list, 200, `tags of ${repo}`);
      for (const tag of json<{ tags: string[] | null }>(list).tags ?? []) {
        const top = await manifestOf(repo, tag);
        assert.ok(taggedDigests.has(top.digest), `${repo}:${tag} resolves to ${top.digest}, which no client put on a tag`);
        const reaches = new Set([top.digest]);
        const images = top.mediaType === OCI_INDEX ? [] : [top.doc];
        for (const child of top.doc.manifests ?? []) {
          const image = await manifestOf(repo, child.digest);
          reaches.add(image.digest);
          images.push(image.doc);
        }
        for (const image of images) {
          for (const blob of [image.config!, ...image.layers!]) {
            reaches.add(blob.digest);
            referencedBlobs.add(blob.digest);
          }
        }
        survivors.push({ repo, tag, digest: top.digest, mediaType: top.mediaType, reaches });
      }
    }
    for (const final of finals.values()) {
      const found = survivors.find((s) => s.repo === final.repo && s.tag === final.tag);
      assert.equal(found?.digest, final.digest, `${final.repo}:${final.tag}, which only its own client pushed, survives unchanged`);
    }

    // ---- every surviving tag pulls with skopeo, byte-exact ---------------------------------

    const skopeoDir = join(scratch, 'skopeo');
    // containersTools reads only these three fields of a Target (registries.conf and trust).
    const tools = await containersTools(skopeoDir, { transport: 'plain', host, ca: undefined } as unknown as Target);
    const pullWithSkopeo = async (survivor: Survivor, n: number) => {
      const dir = join(scratch, `layout-${n}`);
      const all = survivor.mediaType === OCI_INDEX ? ['--all'] : [];
      await tools.skopeo([
        'copy',
        '--quiet',
        '--preserve-digests',
        '--src-tls-verify=false',
        ...all,
        `docker://${host}/${survivor.repo}:${survivor.tag}`,
        `oci:${dir}:${survivor.tag}`,
      ]);
      const layout = await readLayout(dir);
      const what = `${survivor.repo}:${survivor.tag}`;
      assert.equal(layout.tops.length, 1, `${what}: one top in index.json`);
      assert.equal(layout.tops[0]!.digest, survivor.digest, `${what}: skopeo pulled what the tag resolves to`);
      assert.equal(layout.tops[0]!.mediaType, survivor.mediaType, `${what}: media type`);
      for (const digest of layout.blobs) {
        const hash = createHash('sha256').update(await layout.readBlob(digest)).digest('hex');
        assert.equal(`sha256:${hash}`, digest, `${what}: pulled file ${digest} hashes to its name`);
      }
      assert.deepEqual([...layout.blobs].sort(), [...survivor.reaches].sort(), `${what}: the layout holds exactly what the tag reaches`);
    };
    const queue = survivors.map((s, n) => () => pullWithSkopeo(s, n));
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await job();
      }),
    );

    // ---- the disk: exactly the reachable blobs, each whole ----------------------------------

    const tree = await checkBlobTree(server.root);
    assert.deepEqual(tree.problems, [], 'every blob file on disk hashes to its name');
    const missing = [...referencedBlobs].filter((d) => !tree.digests.has(d));
    const garbage = [...tree.digests].filter((d) => !referencedBlobs.has(d));
    assert.deepEqual(missing, [], 'every blob a surviving tag reaches is on disk');
    assert.deepEqual(garbage, [], `no unreferenced blob older than the grace period remains (${garbage.length} of ${tree.digests.size})`);
    assert.deepEqual(await stagingFiles(server.root), [], 'no upload left a staging file behind');
    // The collector works from recorded candidates; a whole-registry dry run must agree that
    // nothing (manifests included, which the disk check cannot see) was left behind.
    const full = await server.composed.lifecycle.gc({ dryRun: true, full: true });
    assert.equal(full.manifestsRemoved, 0, `a full dry run still finds manifests to collect: ${JSON.stringify(full.repositories)}`);
    assert.equal(full.blobsRemoved, 0, `a full dry run still finds blobs to collect: ${JSON.stringify(full.blobs)}`);

    const indexes = survivors.filter((s) => s.mediaType === OCI_INDEX).length;
    t.diagnostic(JSON.stringify(stats));
    t.diagnostic(
      `survivors: ${survivors.length} tags (${indexes} indexes) in ${repositories.length} repositories, ` +
        `${tree.digests.size} blobs (${tree.bytes} bytes) on disk; last collection removed ${last.manifestsRemoved} manifests, ` +
        `${last.blobsRemoved} blobs; clients+collector ${Math.round(loopMs)} ms, total ${Math.round(performance.now() - started)} ms`,
    );
    assert.ok(stats.imageManifestsPut > 0 && stats.indexesPut > 0);
    assert.ok(stats.blobsCollected > 0, 'the collector freed something while the clients ran');
  } finally {
    await server.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
    await guard.cleanup();
  }
});

