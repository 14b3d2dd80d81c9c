/**
 * Two Berth servers sharing one database and one S3 bucket (Ceph RGW, see
 * test/support/ceph-rgw.ts) behave as one registry: a chunked upload continues on whichever
 * server a PATCH reaches, and the last one finishes the digest from the saved hash state
 * instead of reading the bytes back from the bucket. Blob GETs redirect to presigned URLs where
 * storage.redirect allows it, and a bucket Berth cannot use stops the start with one line.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { compose } from '../../src/compose/compose.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { useRgw, type Rgw } from '../support/ceph-rgw.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';
import { randomBlob, sha256, uniqueRepo } from './support/content.js';
import { client, expectError, expectStatus, json, type Client } from './support/http-client.js';
import { pushImage, startUpload, withDigest } from './support/push.js';

const MiB = 1024 * 1024;

let rgw: Rgw;
let root: string;
let a: TestServer;
let b: TestServer;
let ca: Client;
let cb: Client;
/** Calls to readUpload on either server: a re-read of staged bytes the saved hash should spare. */
let rereads = 0;

before(async () => {
  rgw = await useRgw();
  const bucket = await rgw.bucket('scale-out');
  root = await mkdtemp(join(tmpdir(), 'berth-s3-'));
  const s3 = {
    region: rgw.settings.region,
    regionendpoint: rgw.settings.endpoint,
    bucket,
    accesskey: rgw.settings.accessKey,
    secretkey: rgw.settings.secretKey,
    rootdirectory: 'registry',
    chunksize: 5 * MiB,
    forcepathstyle: true,
  };
  // A streams blobs itself; B redirects to the bucket, as registry:2 does by default.
  a = await startTestServer({ root, s3 });
  b = await startTestServer({ root, s3, redirectDisabled: false });
  for (const server of [a, b]) {
    const blobs = server.registry.deps.blobs;
    const readUpload = blobs.readUpload.bind(blobs);
    blobs.readUpload = async (id, options) => {
      rereads += 1;
      return readUpload(id, options);
    };
  }
  ca = client(a.url);
  cb = client(b.url);
});

after(async () => {
  await a?.close();
  await b?.close();
  await rm(root, { recursive: true, force: true });
  await rgw?.cleanup();
});

/** The path of an upload Location, to send to either server. */
function pathOf(location: string): string {
  const url = new URL(location, 'http://any');
  return `${url.pathname}${url.search}`;
}

async function patch(c: Client, location: string, bytes: Buffer, start: number): Promise<string> {
  const reply = await c.patch(pathOf(location), {
    headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + bytes.length - 1}` },
    body: bytes,
  });
  expectStatus(reply, 202, `PATCH at ${start} on ${c.base}`);
  assert.equal(reply.headers.get('range'), `0-${start + bytes.length - 1}`);
  return reply.headers.get('location') ?? location;
}

describe('two servers on one database and one bucket', () => {
  test('/readyz reports the database and the object store', async () => {
    for (const c of [ca, cb]) {
      const reply = await c.get('/readyz');
      expectStatus(reply, 200);
      assert.deepEqual(json(reply), { status: 'ready', checks: { database: 'ok', objectStore: 'ok' } });
    }
  });

  test('a chunked upload whose PATCHes alternate between servers completes with the right digest, without re-reading', async () => {
    const repo = uniqueRepo('s3-chunks');
    // Chunks below, at and across S3's 5 MiB part size, so parts, tails and both servers mix.
    const chunks = [randomBlob(3 * MiB), randomBlob(4 * MiB), randomBlob(1), randomBlob(6 * MiB), randomBlob(700 * 1024)];
    const whole = Buffer.concat(chunks);
    const digest = sha256(whole);
    const before = rereads;
    let location = await startUpload(ca, repo);
    let offset = 0;
    for (const [i, chunk] of chunks.entries()) {
      location = await patch(i % 2 === 0 ? cb : ca, location, chunk, offset);
      offset += chunk.length;
    }
    const done = await cb.put(withDigest(pathOf(location), digest));
    expectStatus(done, 201, 'complete on the other server');
    assert.equal(done.headers.get('docker-content-digest'), digest);
    assert.equal(rereads - before, 0, 'the finishing server continued the saved hash instead of reading the bytes back');

    const served = await ca.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(served, 200);
    assert.equal(sha256(served.body), digest);
    const range = await ca.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` } });
    expectStatus(range, 206);
    assert.deepEqual(range.body, whole.subarray(5 * MiB - 2, 5 * MiB + 2));
  });

  test('a chunked upload finished on another server with a wrong digest is refused and closed', async () => {
    const repo = uniqueRepo('s3-wrong');
    const bytes = randomBlob(2 * MiB);
    let location = await startUpload(cb, repo);
    location = await patch(ca, location, bytes, 0);
    const wrong = sha256(Buffer.concat([bytes, Buffer.from('x')]));
    expectError(await cb.put(withDigest(pathOf(location), wrong)), 400, 'DIGEST_INVALID');
    expectError(await ca.get(pathOf(location)), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await ca.head(`/v2/${repo}/blobs/${wrong}`)).status, 404, 'nothing was published under the wrong digest');
  });

  test('an image pushed through one server pulls from the other; blob GETs there redirect to a presigned URL', async () => {
    const repo = uniqueRepo('s3-image');
    const image = await pushImage(ca, repo, 'v1', { layerCount: 2 });
    const manifest = await cb.get(`/v2/${repo}/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expectStatus(manifest, 200);
    for (const layer of image.layers) {
      const redirected = await fetch(new URL(`/v2/${repo}/blobs/${layer.digest}`, b.url), { redirect: 'manual' });
      assert.equal(redirected.status, 307);
      const target = redirected.headers.get('location') ?? '';
      assert.ok(target.startsWith(rgw.settings.endpoint), `redirect to the bucket, got ${target}`);
      const bytes = Buffer.from(await (await fetch(target)).arrayBuffer());
      assert.equal(sha256(bytes), layer.digest);
    }
    // The link check comes first: another repository's blob is unknown there, not redirected.
    const other = uniqueRepo('s3-other');
    expectError(await cb.get(`/v2/${other}/blobs/${image.layers[0].digest}`), 404, 'BLOB_UNKNOWN');
  });
});

describe('garbage collection on S3', () => {
  test('the sweep deletes blobs in batched DeleteObjects, not one request per blob', async () => {
    const repo = uniqueRepo('s3-gc');
    const image = await pushImage(ca, repo, 'old', { layerCount: 3 });
    expectStatus(await ca.delete(`/v2/${repo}/manifests/${image.digest}`), 202);
    const blobs = a.registry.deps.blobs; // the same store the collector was given
    const single = blobs.delete.bind(blobs);
    const many = blobs.deleteMany!.bind(blobs);
    const calls = { single: 0, many: [] as number[] };
    blobs.delete = async (digest, options) => (calls.single++, single(digest, options));
    blobs.deleteMany = async (digests, options) => (calls.many.push(digests.length), many(digests, options));
    try {
      const report = await a.composed.lifecycle.gc({ purge: true });
      const removed = report.blobs.map((b) => b.digest);
      for (const d of [image.config.digest, ...image.layers.map((l) => l.digest)]) assert.ok(removed.includes(d), `${d} collected`);
      assert.equal(calls.single, 0, 'no blob deleted on its own');
      assert.ok(calls.many.length >= 1 && calls.many.reduce((x, y) => x + y, 0) >= 4, `batches: ${calls.many.join(', ')}`);
      for (const d of removed) assert.equal(await blobs.stat(d), undefined, `${d} is gone from the bucket`);
    } finally {
      blobs.delete = single;
      blobs.deleteMany = many;
    }
  });
});

describe('a bucket Berth cannot use stops the start with one line', () => {
  async function startFailure(overrides: { bucket?: string; secretkey?: string }): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-s3-bad-'));
    try {
      const config = testConfig(dir, {
        s3: {
          region: rgw.settings.region,
          regionendpoint: rgw.settings.endpoint,
          bucket: overrides.bucket ?? (await rgw.bucket('bad')),
          accesskey: rgw.settings.accessKey,
          secretkey: overrides.secretkey ?? rgw.settings.secretKey,
          rootdirectory: '',
          chunksize: 5 * MiB,
          forcepathstyle: true,
        },
      });
      const error = await compose(config, pino({ level: 'silent' })).then(
        () => assert.fail('compose should refuse'),
        (e: unknown) => e as Error,
      );
      // What `berth serve` prints as one `berth: …` line, exit code 1, no stack.
      assert.ok(error instanceof InvalidInputError, String(error));
      assert.doesNotMatch(error.message, /\n/);
      return error.message;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('a missing bucket', async () => {
    assert.equal(
      await startFailure({ bucket: 'berth-no-such-bucket' }),
      `storage.s3: bucket "berth-no-such-bucket" at ${rgw.settings.endpoint} does not exist (create it first)`,
    );
  });

  test('credentials the store refuses', async () => {
    assert.match(
      await startFailure({ secretkey: 'wrong-secret' }),
      /^storage\.s3: bucket "berth-bad-[a-z0-9-]+" at http:\/\/127\.0\.0\.1:\d+ refused the credentials \(check storage\.s3\.accesskey and secretkey\): \w+$/,
    );
  });
});
