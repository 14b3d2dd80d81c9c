// Upload bodies are written past the page cache when the direct-write addon is built
// (src/adapters/blob/native-direct-write.ts): the blob must come back byte for byte, and
// berth_blob_direct_write_bytes_total shows which path each push took.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { embeddedOnly } from '../support/stack-mode.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, sha256, uniqueRepo } from './support/content.js';
import { client, expectStatus, type Client } from './support/http-client.js';
import { startUpload, withDigest } from './support/push.js';

const skip = process.platform !== 'linux' ? 'the addon is Linux-only' : embeddedOnly('the stack stores blobs in S3, which has no page cache to skip');

describe('upload bodies written with O_DIRECT', { skip }, () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  const directBytes = async (): Promise<number> => {
    const reply = await c.get('/metrics');
    expectStatus(reply, 200, 'metrics');
    const match = /^berth_blob_direct_write_bytes_total (\d+)$/m.exec(reply.text);
    assert.ok(match, 'the counter is exported');
    return Number(match[1]);
  };

  const pushAndPull = async (bytes: Buffer, chunks: number): Promise<void> => {
    const repo = uniqueRepo('direct');
    const digest = sha256(bytes);
    let location = await startUpload(c, repo);
    const step = Math.ceil(bytes.length / chunks);
    for (let at = 0; at + step < bytes.length; at += step) {
      const reply = await c.patch(location, {
        body: bytes.subarray(at, at + step),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${at}-${at + step - 1}` },
      });
      expectStatus(reply, 202, 'PATCH');
      location = reply.headers.get('location')!;
    }
    const last = Math.floor((bytes.length - 1) / step) * step;
    const put = await c.put(withDigest(location, digest), { body: bytes.subarray(last), headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(put, 201, 'PUT with the last bytes');
    const got = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(got, 200, 'GET');
    assert.equal(got.body.length, bytes.length);
    assert.equal(sha256(got.body), digest);
  };

  test('a 1 MiB push in one PUT goes direct and is served back whole', async () => {
    const before = await directBytes();
    await pushAndPull(randomBlob(1024 * 1024 + 4321), 1);
    assert.ok((await directBytes()) - before >= 1024 * 1024 - 8192, 'the push did not go direct');
  });

  test('chunks at unaligned offsets go direct too, and the blob is whole', async () => {
    const before = await directBytes();
    await pushAndPull(randomBlob(3 * 1024 * 1024 + 999), 3);
    assert.ok((await directBytes()) - before >= 3 * 1024 * 1024 - 6 * 8192, 'the chunks did not go direct');
  });

  test("a pushed body's chunks are freed as they are written, and the blob is served back whole", async () => {
    const released = async (): Promise<number> => {
      const match = /^berth_upload_bytes_released_total (\d+)$/m.exec((await c.get('/metrics')).text);
      assert.ok(match, 'the counter is exported');
      return Number(match[1]);
    };
    const before = await released();
    await pushAndPull(randomBlob(4 * 1024 * 1024 + 77), 1);
    await pushAndPull(randomBlob(4 * 1024 * 1024 + 4099), 2);
    // Chunks split at a batch's block boundary, and small pooled ones, are left to the collector.
    assert.ok((await released()) - before >= 6 * 1024 * 1024, 'the request bodies were not released');
  });

  test('a long body goes direct, two batches at a time, and is served back whole', async () => {
    const before = await directBytes();
    await pushAndPull(randomBlob(9 * 1024 * 1024 + 123), 1);
    assert.ok((await directBytes()) - before >= 9 * 1024 * 1024 - 4096, 'the long body did not go direct');
  });

  test('a body sent without a length (chunked, as the Docker engine sends a layer) goes direct', async () => {
    const bytes = randomBlob(5 * 1024 * 1024 + 77);
    const repo = uniqueRepo('direct');
    const digest = sha256(bytes);
    const location = await startUpload(c, repo);
    const before = await directBytes();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 100_000) controller.enqueue(bytes.subarray(at, at + 100_000));
        controller.close();
      },
    });
    const reply = await c.patch(location, { body, headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(reply, 202, 'PATCH without a length');
    const put = await c.put(withDigest(reply.headers.get('location')!, digest));
    expectStatus(put, 201, 'PUT');
    assert.ok((await directBytes()) - before >= bytes.length - 4096, 'the chunked body did not go direct');
    const got = await c.get(`/v2/${repo}/blobs/${digest}`);
    assert.equal(sha256(got.body), digest);
  });

  test('a body declared under 64 KiB stays in the page cache', async () => {
    const before = await directBytes();
    await pushAndPull(randomBlob(60 * 1024), 1);
    assert.equal(await directBytes(), before);
  });
});
