// /v2/<name>/blobs/uploads/[<id>]: monolithic, POST-then-PUT, chunked (with and without
// Content-Range, chunked framing), status, cancel, cross-repository mount, sha512, session
// scoping and survival across a restart.
import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, sha256, sha512, uniqueRepo, unknownDigest } from './support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { pushBlob, startUpload, withDigest } from './support/push.js';
import { chunkedRequest } from './support/raw-http.js';
import { makeRoot, startServerOnRoot } from './support/server-on-root.js';

const UUID_PATH = /^\/v2\/(.+)\/blobs\/uploads\/([A-Za-z0-9_-]+)$/;

/** Checks the headers every live-session answer carries; returns the session's Location. */
function assertSession(reply: Reply, status: 202 | 204, repo: string, size: number): string {
  expectStatus(reply, status, 'upload session reply');
  const location = reply.headers.get('location') ?? '';
  const match = UUID_PATH.exec(location);
  assert.ok(match, `Location ${location} should be /v2/<name>/blobs/uploads/<id>`);
  assert.equal(match[1], repo);
  assert.equal(reply.headers.get('docker-upload-uuid'), match[2]);
  assert.equal(reply.headers.get('range'), `0-${Math.max(size - 1, 0)}`);
  // A 202 declares its empty body; a 204 must not carry Content-Length at all (RFC 9110 §8.6).
  assert.equal(reply.headers.get('content-length'), status === 202 ? '0' : null);
  assert.equal(reply.body.length, 0);
  return location;
}

function assertCreated(reply: Reply, repo: string, digest: string): void {
  expectStatus(reply, 201, 'blob created');
  assert.equal(reply.headers.get('location'), `/v2/${repo}/blobs/${digest}`);
  assert.equal(reply.headers.get('docker-content-digest'), digest);
}

describe('blob uploads', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  const stagingFiles = async () => new Set(await readdir(join(server.root, 'uploads')).catch(() => [] as string[]));

  async function assertBlob(repo: string, digest: string, bytes: Buffer): Promise<void> {
    const reply = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(reply, 200, `GET ${digest}`);
    assert.deepEqual(reply.body, bytes);
  }

  describe('monolithic POST ?digest=', () => {
    test('is 201 with Location and Docker-Content-Digest, and the Location serves the blob', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(2048);
      const digest = sha256(bytes);
      const reply = await c.post(`/v2/${repo}/blobs/uploads/?digest=${digest}`, {
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      assertCreated(reply, repo, digest);
      const fetched = await c.get(reply.headers.get('location') ?? '');
      expectStatus(fetched, 200);
      assert.deepEqual(fetched.body, bytes);
    });

    test('a wrong digest is 400 DIGEST_INVALID and leaves no blob, staging file or repository', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(100);
      const claimed = sha256(randomBlob(100));
      const beforeFiles = await stagingFiles();
      const error = expectError(
        await c.post(`/v2/${repo}/blobs/uploads/?digest=${claimed}`, { body: bytes }),
        400,
        'DIGEST_INVALID',
      );
      assert.deepEqual(error.detail, { expected: claimed, computed: sha256(bytes), size: 100 });
      expectError(await c.get(`/v2/${repo}/blobs/${claimed}`), 404, 'BLOB_UNKNOWN');
      expectError(await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`), 404, 'BLOB_UNKNOWN');
      expectError(await c.get(`/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN');
      assert.deepEqual([...(await stagingFiles())].filter((f) => !beforeFiles.has(f)), []);
    });

    for (const digest of ['sha256:1234', 'md5:d41d8cd98f00b204e9800998ecf8427e', 'nonsense']) {
      test(`a malformed digest (${digest}) is 400 DIGEST_INVALID`, async () => {
        expectError(await c.post(`/v2/${uniqueRepo('up')}/blobs/uploads/?digest=${digest}`, { body: 'abc' }), 400, 'DIGEST_INVALID');
      });
    }

    test('a sha512 digest is verified with sha512 and served under it', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(999);
      const digest = sha512(bytes);
      assertCreated(await c.post(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { body: bytes }), repo, digest);
      await assertBlob(repo, digest, bytes);
      expectError(await c.post(`/v2/${repo}/blobs/uploads/?digest=${sha512(randomBlob(5))}`, { body: bytes }), 400, 'DIGEST_INVALID');
    });

    test('pushing the same blob twice is 201 both times', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(64);
      await pushBlob(c, repo, bytes);
      await pushBlob(c, repo, bytes);
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('a monolithic body sent with chunked framing and no length is accepted', async () => {
      const repo = uniqueRepo('up');
      const parts = [randomBlob(1000), randomBlob(3000), randomBlob(17)];
      const bytes = Buffer.concat(parts);
      const digest = sha256(bytes);
      const reply = await chunkedRequest(server.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, parts);
      assertCreated(reply, repo, digest);
      await assertBlob(repo, digest, bytes);
    });
  });

  describe('sessions', () => {
    test('POST starts a session: 202, Location with the id, Docker-Upload-UUID, Range 0-0', async () => {
      const repo = uniqueRepo('up');
      const reply = await c.post(`/v2/${repo}/blobs/uploads/`);
      assertSession(reply, 202, repo, 0);
      assert.equal(reply.headers.get('oci-chunk-min-length'), '0');
    });

    test('POST without the trailing slash starts a session too', async () => {
      const repo = uniqueRepo('up');
      assertSession(await c.post(`/v2/${repo}/blobs/uploads`), 202, repo, 0);
    });

    test('two sessions in one repository get different ids', async () => {
      const repo = uniqueRepo('up');
      assert.notEqual(await startUpload(c, repo), await startUpload(c, repo));
    });

    test('a session does not create the repository', async () => {
      const repo = uniqueRepo('up');
      await startUpload(c, repo);
      expectError(await c.get(`/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN');
      const catalog = json<{ repositories: string[] }>(await c.get('/v2/_catalog'));
      assert.ok(!catalog.repositories.includes(repo));
    });

    test('POST then PUT with the whole body and an escaped digest (sha256%3A…) is 201', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(5000);
      const digest = sha256(bytes);
      const location = await startUpload(c, repo);
      const put = withDigest(location, digest, true);
      assert.match(put, /digest=sha256%3A[0-9a-f]{64}$/);
      assertCreated(await c.put(put, { headers: { 'content-type': 'application/octet-stream' }, body: bytes }), repo, digest);
      await assertBlob(repo, digest, bytes);
    });

    test('POST then PUT with an unescaped digest is 201', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(100);
      const digest = sha256(bytes);
      const location = await startUpload(c, repo);
      const put = withDigest(location, digest, false);
      assert.match(put, /digest=sha256:[0-9a-f]{64}$/);
      assertCreated(await c.put(put, { body: bytes }), repo, digest);
      await assertBlob(repo, digest, bytes);
    });

    test('PATCH chunks with Content-Range, then PUT without a body', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(250);
      let location = await startUpload(c, repo);
      const first = await c.patch(location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': '0-99' },
        body: bytes.subarray(0, 100),
      });
      location = assertSession(first, 202, repo, 100);
      const second = await c.patch(location, { headers: { 'content-range': '100-249' }, body: bytes.subarray(100) });
      location = assertSession(second, 202, repo, 250);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('PATCH streamed without Content-Range appends at the end each time', async () => {
      const repo = uniqueRepo('up');
      const parts = [randomBlob(10), randomBlob(20), randomBlob(30)];
      let location = await startUpload(c, repo);
      let size = 0;
      for (const part of parts) {
        size += part.length;
        location = assertSession(await c.patch(location, { body: part }), 202, repo, size);
      }
      const bytes = Buffer.concat(parts);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('PATCH with chunked transfer-encoding and no length is accepted and counted', async () => {
      const repo = uniqueRepo('up');
      const parts = [randomBlob(700), randomBlob(1), randomBlob(4096)];
      const location = await startUpload(c, repo);
      const reply = await chunkedRequest(server.url, 'PATCH', location, parts, { 'content-type': 'application/octet-stream' });
      assertSession(reply, 202, repo, 4797);
      const bytes = Buffer.concat(parts);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('PATCH with a ReadableStream body (fetch streams it chunked) is accepted', async () => {
      const repo = uniqueRepo('up');
      const parts = [randomBlob(300), randomBlob(300)];
      const location = await startUpload(c, repo);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(new Uint8Array(part));
          controller.close();
        },
      });
      assertSession(await c.patch(location, { body: stream }), 202, repo, 600);
      const bytes = Buffer.concat(parts);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
    });

    test('the final chunk may come with the closing PUT, with a Content-Range', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(300);
      const location = await startUpload(c, repo);
      assertSession(await c.patch(location, { headers: { 'content-range': '0-199' }, body: bytes.subarray(0, 200) }), 202, repo, 200);
      const reply = await c.put(withDigest(location, sha256(bytes)), {
        headers: { 'content-range': '200-299', 'content-type': 'application/octet-stream' },
        body: bytes.subarray(200),
      });
      assertCreated(reply, repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('the final chunk may come with the closing PUT in chunked framing', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(900);
      const location = await startUpload(c, repo);
      assertSession(await c.patch(location, { body: bytes.subarray(0, 400) }), 202, repo, 400);
      const reply = await chunkedRequest(server.url, 'PUT', withDigest(location, sha256(bytes)), [bytes.subarray(400, 600), bytes.subarray(600)]);
      assertCreated(reply, repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('a chunk sent with the POST is kept as the first chunk', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(120);
      const location = assertSession(await c.post(`/v2/${repo}/blobs/uploads/`, { body: bytes.subarray(0, 50) }), 202, repo, 50);
      assertSession(await c.patch(location, { headers: { 'content-range': '50-119' }, body: bytes.subarray(50) }), 202, repo, 120);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('GET on a session is 204 with Location, Range and Docker-Upload-UUID', async () => {
      const repo = uniqueRepo('up');
      const location = await startUpload(c, repo);
      assertSession(await c.get(location), 204, repo, 0);
      await c.patch(location, { body: randomBlob(42) });
      assertSession(await c.get(location), 204, repo, 42);
    });

    test('a chunk that does not start at the end of the upload is 416 and changes nothing', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(200);
      const location = await startUpload(c, repo);
      assertSession(await c.patch(location, { headers: { 'content-range': '0-99' }, body: bytes.subarray(0, 100) }), 202, repo, 100);
      const gap = await c.patch(location, { headers: { 'content-range': '150-199' }, body: bytes.subarray(150) });
      expectError(gap, 416, 'BLOB_UPLOAD_INVALID');
      const overlap = await c.patch(location, { headers: { 'content-range': '50-149' }, body: bytes.subarray(50, 150) });
      expectError(overlap, 416, 'BLOB_UPLOAD_INVALID');
      assertSession(await c.get(location), 204, repo, 100);
      assertSession(await c.patch(location, { headers: { 'content-range': '100-199' }, body: bytes.subarray(100) }), 202, repo, 200);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
      await assertBlob(repo, sha256(bytes), bytes);
    });

    test('a first chunk that does not start at 0 is 416', async () => {
      const repo = uniqueRepo('up');
      const location = await startUpload(c, repo);
      expectError(await c.patch(location, { headers: { 'content-range': '1-10' }, body: randomBlob(10) }), 416, 'BLOB_UPLOAD_INVALID');
      assertSession(await c.get(location), 204, repo, 0);
    });

    test('a closing PUT whose Content-Range does not continue the upload is 416', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(20);
      const location = await startUpload(c, repo);
      await c.patch(location, { body: bytes.subarray(0, 10) });
      const reply = await c.put(withDigest(location, sha256(bytes)), { headers: { 'content-range': '5-14' }, body: bytes.subarray(10) });
      expectError(reply, 416, 'BLOB_UPLOAD_INVALID');
      assertSession(await c.get(location), 204, repo, 10);
    });

    test('a Content-Length that disagrees with Content-Range is 400 BLOB_UPLOAD_INVALID', async () => {
      const repo = uniqueRepo('up');
      const location = await startUpload(c, repo);
      expectError(await c.patch(location, { headers: { 'content-range': '0-99' }, body: randomBlob(10) }), 400, 'BLOB_UPLOAD_INVALID');
      assertSession(await c.get(location), 204, repo, 0);
    });

    for (const range of ['bytes', '0-', 'a-b', '10', '-5']) {
      test(`a malformed Content-Range (${range}) is 400 BLOB_UPLOAD_INVALID`, async () => {
        const repo = uniqueRepo('up');
        const location = await startUpload(c, repo);
        expectError(await c.patch(location, { headers: { 'content-range': range }, body: randomBlob(10) }), 400, 'BLOB_UPLOAD_INVALID');
        assertSession(await c.get(location), 204, repo, 0);
      });
    }

    test('a wrong digest on PUT is 400 DIGEST_INVALID and the session is gone afterwards', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(64);
      const wrong = unknownDigest();
      const location = await startUpload(c, repo);
      await c.patch(location, { body: bytes });
      expectError(await c.put(withDigest(location, wrong)), 400, 'DIGEST_INVALID');
      expectError(await c.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.patch(location, { body: bytes }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.put(withDigest(location, sha256(bytes))), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.get(`/v2/${repo}/blobs/${wrong}`), 404, 'BLOB_UNKNOWN');
      expectError(await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`), 404, 'BLOB_UNKNOWN');
      const id = UUID_PATH.exec(location)?.[2] ?? '';
      assert.ok(!(await stagingFiles()).has(id), 'staging file removed');
    });

    test('PUT without a digest, or with a malformed one, is 400 DIGEST_INVALID and keeps the session', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(30);
      const location = await startUpload(c, repo);
      await c.patch(location, { body: bytes });
      expectError(await c.put(location), 400, 'DIGEST_INVALID');
      expectError(await c.put(`${location}?digest=`), 400, 'DIGEST_INVALID');
      expectError(await c.put(withDigest(location, 'sha256:xyz')), 400, 'DIGEST_INVALID');
      assertSession(await c.get(location), 204, repo, 30);
      assertCreated(await c.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
    });

    test('completing a session twice: the second PUT is 404 BLOB_UPLOAD_UNKNOWN', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(30);
      const location = await startUpload(c, repo);
      assertCreated(await c.put(withDigest(location, sha256(bytes)), { body: bytes }), repo, sha256(bytes));
      expectError(await c.put(withDigest(location, sha256(bytes)), { body: bytes }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    });

    test('DELETE cancels: 204, then every verb on the session is 404 BLOB_UPLOAD_UNKNOWN', async () => {
      const repo = uniqueRepo('up');
      const location = await startUpload(c, repo);
      await c.patch(location, { body: randomBlob(10) });
      const reply = await c.delete(location);
      expectStatus(reply, 204);
      assert.equal(reply.body.length, 0);
      assert.equal(reply.headers.get('content-length'), null);
      expectError(await c.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.patch(location, { body: 'x' }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.put(withDigest(location, sha256('x')), { body: 'x' }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.delete(location), 404, 'BLOB_UPLOAD_UNKNOWN');
      const id = UUID_PATH.exec(location)?.[2] ?? '';
      assert.ok(!(await stagingFiles()).has(id), 'staging file removed');
    });

    for (const id of ['00000000-0000-4000-8000-000000000000', 'not.an.id', 'x'.repeat(200), 'a%2Fb']) {
      test(`an unknown or malformed session id (${id.slice(0, 24)}) is 404 BLOB_UPLOAD_UNKNOWN on every verb`, async () => {
        const path = `/v2/${uniqueRepo('up')}/blobs/uploads/${id}`;
        expectError(await c.get(path), 404, 'BLOB_UPLOAD_UNKNOWN');
        expectError(await c.patch(path, { body: 'abc' }), 404, 'BLOB_UPLOAD_UNKNOWN');
        expectError(await c.put(withDigest(path, sha256('abc')), { body: 'abc' }), 404, 'BLOB_UPLOAD_UNKNOWN');
        expectError(await c.delete(path), 404, 'BLOB_UPLOAD_UNKNOWN');
      });
    }

    test('a session id used under another repository is 404 there and unharmed at home', async () => {
      const home = uniqueRepo('up');
      const other = uniqueRepo('up');
      const bytes = randomBlob(80);
      const location = await startUpload(c, home);
      await c.patch(location, { body: bytes.subarray(0, 40) });
      const id = UUID_PATH.exec(location)?.[2] ?? '';
      const foreign = `/v2/${other}/blobs/uploads/${id}`;
      expectError(await c.get(foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.patch(foreign, { body: bytes.subarray(40) }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.put(withDigest(foreign, sha256(bytes)), { body: bytes.subarray(40) }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.delete(foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await c.get(`/v2/${other}/blobs/${sha256(bytes)}`), 404, 'BLOB_UNKNOWN');
      assertSession(await c.get(location), 204, home, 40);
      await c.patch(location, { body: bytes.subarray(40) });
      assertCreated(await c.put(withDigest(location, sha256(bytes))), home, sha256(bytes));
    });

    test('a chunked upload completed with a sha512 digest is verified with sha512', async () => {
      const repo = uniqueRepo('up');
      const bytes = randomBlob(3000);
      const location = await startUpload(c, repo);
      await c.patch(location, { body: bytes.subarray(0, 1000) });
      await c.patch(location, { body: bytes.subarray(1000) });
      assertCreated(await c.put(withDigest(location, sha512(bytes))), repo, sha512(bytes));
      await assertBlob(repo, sha512(bytes), bytes);
    });

    test('a chunked upload with a wrong sha512 digest is 400 and the session is gone', async () => {
      const repo = uniqueRepo('up');
      const location = await startUpload(c, repo);
      await c.patch(location, { body: randomBlob(10) });
      expectError(await c.put(withDigest(location, sha512(randomBlob(10)))), 400, 'DIGEST_INVALID');
      expectError(await c.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    });

    test('GET on the upload-start path and POST on a session are 405 UNSUPPORTED', async () => {
      const repo = uniqueRepo('up');
      const location = await startUpload(c, repo);
      expectError(await c.get(`/v2/${repo}/blobs/uploads/`), 405, 'UNSUPPORTED');
      expectError(await c.post(location), 405, 'UNSUPPORTED');
      expectStatus(await c.head(location), 405);
    });
  });

  describe('cross-repository mount', () => {
    async function source(): Promise<{ from: string; bytes: Buffer; digest: string }> {
      const from = uniqueRepo('mount');
      const bytes = randomBlob(500);
      return { from, bytes, digest: await pushBlob(c, from, bytes) };
    }

    test('?mount=&from= is 201 with Location and digest, and the blob is then served', async () => {
      const { from, bytes, digest } = await source();
      const to = uniqueRepo('mount');
      assertCreated(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`), to, digest);
      await assertBlob(to, digest, bytes);
    });

    test('?from=&mount= (the other parameter order) is 201 as well', async () => {
      const { from, bytes, digest } = await source();
      const to = uniqueRepo('mount');
      assertCreated(await c.post(`/v2/${to}/blobs/uploads/?from=${from}&mount=${digest}`), to, digest);
      await assertBlob(to, digest, bytes);
    });

    test('an escaped mount digest works the same', async () => {
      const { from, bytes, digest } = await source();
      const to = uniqueRepo('mount');
      assertCreated(await c.post(`/v2/${to}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`), to, digest);
      await assertBlob(to, digest, bytes);
    });

    test('mount without from is 201 when the registry has the blob', async () => {
      const { bytes, digest } = await source();
      const to = uniqueRepo('mount');
      assertCreated(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}`), to, digest);
      await assertBlob(to, digest, bytes);
    });

    test('mount of an unknown digest is 202 with a fresh session that can be used', async () => {
      const { from } = await source();
      const to = uniqueRepo('mount');
      const bytes = randomBlob(77);
      const digest = sha256(bytes);
      const location = assertSession(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`), 202, to, 0);
      expectError(await c.get(`/v2/${to}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      assertCreated(await c.put(withDigest(location, digest), { body: bytes }), to, digest);
      await assertBlob(to, digest, bytes);
    });

    test('mount of an unknown digest without from is 202 with a session', async () => {
      const to = uniqueRepo('mount');
      assertSession(await c.post(`/v2/${to}/blobs/uploads/?mount=${unknownDigest()}`), 202, to, 0);
    });

    test('mount from a repository that does not link the blob is 202 and does not leak it', async () => {
      const { bytes, digest } = await source();
      const bystander = uniqueRepo('mount');
      await pushBlob(c, bystander, randomBlob(5)); // exists, without the blob
      const to = uniqueRepo('mount');
      const location = assertSession(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}&from=${bystander}`), 202, to, 0);
      expectError(await c.get(`/v2/${to}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      // The session is an ordinary one: uploading the bytes completes it.
      assertCreated(await c.put(withDigest(location, digest), { body: bytes }), to, digest);
    });

    test('mount from a repository that does not exist is 202', async () => {
      const { digest } = await source();
      const to = uniqueRepo('mount');
      assertSession(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}&from=${uniqueRepo('ghost')}`), 202, to, 0);
      expectError(await c.get(`/v2/${to}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });

    test('a malformed mount digest is 400 DIGEST_INVALID; a malformed from is 400 NAME_INVALID', async () => {
      const { from, digest } = await source();
      const to = uniqueRepo('mount');
      expectError(await c.post(`/v2/${to}/blobs/uploads/?mount=sha256:nope&from=${from}`), 400, 'DIGEST_INVALID');
      expectError(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}&from=Not/Valid`), 400, 'NAME_INVALID');
      expectError(await c.get(`/v2/${to}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });

    test('a mounted blob is independent: deleting it from the source keeps the mount', async () => {
      const { from, bytes, digest } = await source();
      const to = uniqueRepo('mount');
      assertCreated(await c.post(`/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`), to, digest);
      expectStatus(await c.delete(`/v2/${from}/blobs/${digest}`), 202);
      await assertBlob(to, digest, bytes);
    });
  });
});

describe('blob uploads across a restart', () => {
  test('a session started before a restart continues, reports its size and completes after it', async () => {
    const { root, remove } = await makeRoot();
    try {
      const bytes = randomBlob(10_000);
      const repo = uniqueRepo('restart');
      const first = await startServerOnRoot(root);
      let location: string;
      try {
        const c1 = client(first.url);
        location = await startUpload(c1, repo);
        assertSession(await c1.patch(location, { headers: { 'content-range': '0-3999' }, body: bytes.subarray(0, 4000) }), 202, repo, 4000);
      } finally {
        await first.stop();
      }
      const second = await startServerOnRoot(root);
      try {
        const c2 = client(second.url);
        assertSession(await c2.get(location), 204, repo, 4000);
        assertSession(await c2.patch(location, { headers: { 'content-range': '4000-9999' }, body: bytes.subarray(4000) }), 202, repo, 10_000);
        assertCreated(await c2.put(withDigest(location, sha256(bytes))), repo, sha256(bytes));
        const reply = await c2.get(`/v2/${repo}/blobs/${sha256(bytes)}`);
        expectStatus(reply, 200);
        assert.deepEqual(reply.body, bytes);
      } finally {
        await second.stop();
      }
    } finally {
      await remove();
    }
  });

  test('after a restart the staged bytes are re-hashed: right digest 201, wrong digest 400 and gone', async () => {
    const { root, remove } = await makeRoot();
    try {
      const good = randomBlob(3000);
      const bad = randomBlob(3000);
      const repo = uniqueRepo('restart');
      const first = await startServerOnRoot(root);
      let goodLocation: string;
      let badLocation: string;
      try {
        const c1 = client(first.url);
        goodLocation = await startUpload(c1, repo);
        badLocation = await startUpload(c1, repo);
        await c1.patch(goodLocation, { body: good });
        await c1.patch(badLocation, { body: bad });
      } finally {
        await first.stop();
      }
      const second = await startServerOnRoot(root);
      try {
        const c2 = client(second.url);
        assertCreated(await c2.put(withDigest(goodLocation, sha256(good))), repo, sha256(good));
        expectError(await c2.put(withDigest(badLocation, sha256(good))), 400, 'DIGEST_INVALID');
        expectError(await c2.get(badLocation), 404, 'BLOB_UPLOAD_UNKNOWN');
        const reply = await c2.get(`/v2/${repo}/blobs/${sha256(good)}`);
        assert.deepEqual(reply.body, good);
      } finally {
        await second.stop();
      }
    } finally {
      await remove();
    }
  });

  test('blobs and cancelled sessions keep their state across a restart', async () => {
    const { root, remove } = await makeRoot();
    try {
      const bytes = randomBlob(200);
      const repo = uniqueRepo('restart');
      const first = await startServerOnRoot(root);
      let cancelled: string;
      try {
        const c1 = client(first.url);
        await pushBlob(c1, repo, bytes);
        cancelled = await startUpload(c1, repo);
        expectStatus(await c1.delete(cancelled), 204);
      } finally {
        await first.stop();
      }
      const second = await startServerOnRoot(root);
      try {
        const c2 = client(second.url);
        expectError(await c2.get(cancelled), 404, 'BLOB_UPLOAD_UNKNOWN');
        const reply = await c2.get(`/v2/${repo}/blobs/${sha256(bytes)}`);
        expectStatus(reply, 200);
        assert.deepEqual(reply.body, bytes);
      } finally {
        await second.stop();
      }
    } finally {
      await remove();
    }
  });
});
