// GET / HEAD / DELETE /v2/<name>/blobs/<digest>: reads (whole and ranged), existence, unlinking,
// and the rule that a repository serves only the blobs it links.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, sha256, sha512, uniqueRepo, unknownDigest } from './support/content.js';
import { client, expectError, expectStatus, type Client } from './support/http-client.js';
import { pushBlob } from './support/push.js';

describe('blobs', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  async function pushed(size = 1000): Promise<{ repo: string; bytes: Buffer; digest: string }> {
    const repo = uniqueRepo('blobs');
    const bytes = randomBlob(size);
    return { repo, bytes, digest: await pushBlob(c, repo, bytes) };
  }

  test('GET returns the whole blob with length, digest and octet-stream type', async () => {
    const { repo, bytes, digest } = await pushed();
    const reply = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(reply, 200);
    assert.deepEqual(reply.body, bytes);
    assert.equal(reply.headers.get('content-length'), String(bytes.length));
    assert.equal(reply.headers.get('docker-content-digest'), digest);
    assert.equal(reply.headers.get('content-type'), 'application/octet-stream');
    assert.equal(reply.headers.get('accept-ranges'), 'bytes');
    assert.equal(reply.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  test('a multi-MiB blob round-trips byte for byte', async () => {
    const { repo, bytes, digest } = await pushed(3 * 1024 * 1024 + 17);
    const reply = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(reply, 200);
    assert.equal(sha256(reply.body), digest);
    assert.equal(reply.body.length, bytes.length);
  });

  test('HEAD returns Content-Length and Docker-Content-Digest without a body', async () => {
    const { repo, bytes, digest } = await pushed(777);
    const reply = await c.head(`/v2/${repo}/blobs/${digest}`);
    expectStatus(reply, 200);
    assert.equal(reply.headers.get('content-length'), String(bytes.length));
    assert.equal(reply.headers.get('docker-content-digest'), digest);
    assert.equal(reply.body.length, 0);
  });

  test('an escaped digest in the path (sha256%3A…) addresses the same blob', async () => {
    const { repo, bytes, digest } = await pushed();
    const reply = await c.get(`/v2/${repo}/blobs/${encodeURIComponent(digest)}`);
    expectStatus(reply, 200);
    assert.deepEqual(reply.body, bytes);
  });

  test('the empty blob can be pushed and read', async () => {
    const repo = uniqueRepo('blobs');
    const digest = await pushBlob(c, repo, Buffer.alloc(0));
    assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const reply = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(reply, 200);
    assert.equal(reply.body.length, 0);
    assert.equal(reply.headers.get('content-length'), '0');
  });

  test('a sha512 blob is pushed, read and verified under its sha512 digest', async () => {
    const repo = uniqueRepo('blobs');
    const bytes = randomBlob(300);
    const digest = await pushBlob(c, repo, bytes, sha512(bytes));
    const reply = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(reply, 200);
    assert.deepEqual(reply.body, bytes);
    assert.equal(reply.headers.get('docker-content-digest'), digest);
    // The same bytes were never stored under their sha256 name in this repository.
    expectError(await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`), 404, 'BLOB_UNKNOWN');
  });

  describe('ranges', () => {
    test('Range bytes=a-b is 206 with Content-Range and exactly those bytes', async () => {
      const { repo, bytes, digest } = await pushed(1000);
      const reply = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=10-19' } });
      expectStatus(reply, 206);
      assert.equal(reply.headers.get('content-range'), 'bytes 10-19/1000');
      assert.equal(reply.headers.get('content-length'), '10');
      assert.deepEqual(reply.body, bytes.subarray(10, 20));
      assert.equal(reply.headers.get('docker-content-digest'), digest);
    });

    test('an open-ended range reads to the end; an end past the size is clipped', async () => {
      const { repo, bytes, digest } = await pushed(1000);
      const open = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=990-' } });
      expectStatus(open, 206);
      assert.equal(open.headers.get('content-range'), 'bytes 990-999/1000');
      assert.deepEqual(open.body, bytes.subarray(990));
      const clipped = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=995-5000' } });
      expectStatus(clipped, 206);
      assert.equal(clipped.headers.get('content-range'), 'bytes 995-999/1000');
      assert.deepEqual(clipped.body, bytes.subarray(995));
    });

    test('a suffix range returns the last N bytes (all of them when N exceeds the size)', async () => {
      const { repo, bytes, digest } = await pushed(1000);
      const tail = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=-16' } });
      expectStatus(tail, 206);
      assert.equal(tail.headers.get('content-range'), 'bytes 984-999/1000');
      assert.deepEqual(tail.body, bytes.subarray(984));
      const all = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=-5000' } });
      expectStatus(all, 206);
      assert.equal(all.headers.get('content-range'), 'bytes 0-999/1000');
      assert.deepEqual(all.body, bytes);
    });

    for (const range of ['bytes=1000-', 'bytes=2000-3000', 'bytes=20-10', 'bytes=-0']) {
      test(`an unsatisfiable range (${range}) is 416 with the envelope`, async () => {
        const { repo, digest } = await pushed(1000);
        const reply = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range } });
        expectError(reply, 416, 'BLOB_UPLOAD_INVALID');
        assert.equal(reply.headers.get('content-range'), 'bytes */1000');
      });
    }

    test('several ranges at once are answered with the whole blob (RFC 9110 allows it)', async () => {
      const { repo, bytes, digest } = await pushed(100);
      const reply = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=0-1,5-6' } });
      expectStatus(reply, 200);
      assert.deepEqual(reply.body, bytes);
    });
  });

  describe('repository scoping', () => {
    test('a blob pushed to repository A is unknown in repository B (GET, HEAD, DELETE)', async () => {
      const { repo, bytes, digest } = await pushed();
      const other = uniqueRepo('blobs');
      await pushBlob(c, other, randomBlob(10)); // B exists, it just does not link this blob
      expectError(await c.get(`/v2/${other}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      const head = await c.head(`/v2/${other}/blobs/${digest}`);
      expectStatus(head, 404);
      assert.equal(head.body.length, 0);
      expectError(await c.delete(`/v2/${other}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      // A is untouched by B's failed delete.
      const still = await c.get(`/v2/${repo}/blobs/${digest}`);
      expectStatus(still, 200);
      assert.deepEqual(still.body, bytes);
    });

    test('a blob in a repository that does not exist is BLOB_UNKNOWN', async () => {
      const { digest } = await pushed();
      expectError(await c.get(`/v2/${uniqueRepo('nowhere')}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });
  });

  describe('errors', () => {
    test('an unknown digest is 404 BLOB_UNKNOWN (GET) and 404 without a body (HEAD)', async () => {
      const { repo } = await pushed();
      const digest = unknownDigest();
      const error = expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { repository: repo, digest });
      const head = await c.head(`/v2/${repo}/blobs/${digest}`);
      expectStatus(head, 404);
      assert.equal(head.body.length, 0);
    });

    const badDigests = [
      'sha256:abc',
      `sha256:${'A'.repeat(64)}`,
      `md5:${'a'.repeat(32)}`,
      `sha256:${'a'.repeat(63)}g`,
      'not-a-digest',
      `sha512:${'a'.repeat(64)}`,
    ];
    for (const digest of badDigests) {
      test(`a malformed digest (${digest.slice(0, 20)}…) is 400 DIGEST_INVALID on GET and DELETE`, async () => {
        const { repo } = await pushed();
        expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 400, 'DIGEST_INVALID');
        expectError(await c.delete(`/v2/${repo}/blobs/${digest}`), 400, 'DIGEST_INVALID');
        expectStatus(await c.head(`/v2/${repo}/blobs/${digest}`), 400);
      });
    }

    test('PUT, POST and PATCH on a blob are 405 UNSUPPORTED', async () => {
      const { repo, digest } = await pushed();
      for (const method of ['PUT', 'POST', 'PATCH']) {
        expectError(await c.request(method, `/v2/${repo}/blobs/${digest}`, { body: 'x' }), 405, 'UNSUPPORTED');
      }
    });
  });

  describe('delete', () => {
    test('DELETE is 202, then GET and HEAD are 404 and a second DELETE is 404', async () => {
      const { repo, digest } = await pushed();
      const reply = await c.delete(`/v2/${repo}/blobs/${digest}`);
      expectStatus(reply, 202);
      assert.equal(reply.headers.get('docker-content-digest'), digest);
      expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expectStatus(await c.head(`/v2/${repo}/blobs/${digest}`), 404);
      expectError(await c.delete(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });

    test('a deleted blob can be pushed again and is served again', async () => {
      const { repo, bytes, digest } = await pushed();
      expectStatus(await c.delete(`/v2/${repo}/blobs/${digest}`), 202);
      await pushBlob(c, repo, bytes);
      const reply = await c.get(`/v2/${repo}/blobs/${digest}`);
      expectStatus(reply, 200);
      assert.deepEqual(reply.body, bytes);
    });

    test('deleting a shared blob from one repository leaves the other one able to serve it', async () => {
      const bytes = randomBlob(400);
      const a = uniqueRepo('blobs');
      const b = uniqueRepo('blobs');
      const digest = await pushBlob(c, a, bytes);
      await pushBlob(c, b, bytes);
      expectStatus(await c.delete(`/v2/${a}/blobs/${digest}`), 202);
      expectError(await c.get(`/v2/${a}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      const fromB = await c.get(`/v2/${b}/blobs/${digest}`);
      expectStatus(fromB, 200);
      assert.deepEqual(fromB.body, bytes);
    });

    test('with deletes disabled, DELETE is 405 UNSUPPORTED and the blob stays', async () => {
      const locked = await startTestServer({ deleteEnabled: false });
      try {
        const lc = client(locked.url);
        const repo = uniqueRepo('blobs');
        const bytes = randomBlob(64);
        const digest = await pushBlob(lc, repo, bytes);
        expectError(await lc.delete(`/v2/${repo}/blobs/${digest}`), 405, 'UNSUPPORTED');
        expectError(await lc.delete(`/v2/${repo}/blobs/${unknownDigest()}`), 405, 'UNSUPPORTED');
        const reply = await lc.get(`/v2/${repo}/blobs/${digest}`);
        expectStatus(reply, 200);
        assert.deepEqual(reply.body, bytes);
      } finally {
        await locked.close();
      }
    });
  });
});
