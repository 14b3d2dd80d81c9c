// Blob GETs sent from the filesystem store's reader with reused buffers (src/http/oci/pooled-send.ts):
// bytes exact across buffer boundaries and concurrent pulls, back-pressure from a stalled
// client, and no file descriptor left open when a client goes away mid-blob.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { POOLED_BUFFERS_OUT_MAX, pooledBuffersAllocated, pooledBuffersOut, pooledBuffersOutPeak } from '../../src/http/oci/pooled-send.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, uniqueRepo } from './support/content.js';
import { client, expectStatus, type Client } from './support/http-client.js';
import { pushBlob } from './support/push.js';
import { openBlobFds, until } from './support/process-probes.js';

const MiB = 1024 * 1024;

/** A raw GET whose response the caller reads (or does not) itself. */
function rawGet(url: string, path: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe('blob GET with pooled buffers', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    // These blobs would take the sendfile path (blob-sendfile.test.ts); this file is the JS path's.
    process.env.BERTH_SENDFILE = 'off';
    server = await startTestServer();
    c = client(server.url);
  });
  after(async () => {
    delete process.env.BERTH_SENDFILE;
    await server.close();
  });

  test('concurrent pulls of different multi-MiB blobs each get their own bytes, whole and ranged', async () => {
    const repo = uniqueRepo('pooled');
    const blobs = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const bytes = randomBlob(3 * MiB + 1000 * i + 7);
        return { bytes, digest: await pushBlob(c, repo, bytes) };
      }),
    );
    for (let round = 0; round < 3; round += 1) {
      await Promise.all(
        blobs.map(async ({ bytes, digest }) => {
          const whole = await c.get(`/v2/${repo}/blobs/${digest}`);
          expectStatus(whole, 200);
          assert.ok(whole.body.equals(bytes), 'whole blob differs');
          const start = MiB - 5;
          const end = 3 * MiB + 3;
          const ranged = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: `bytes=${start}-${end}` } });
          expectStatus(ranged, 206);
          assert.equal(ranged.headers.get('content-range'), `bytes ${start}-${end}/${bytes.length}`);
          assert.ok(ranged.body.equals(bytes.subarray(start, end + 1)), 'range differs');
        }),
      );
    }
  });

  test('a client that stops reading stalls the reads; one that leaves closes the blob file', async () => {
    const repo = uniqueRepo('pooled');
    const bytes = randomBlob(48 * MiB);
    const digest = await pushBlob(c, repo, bytes);
    const socket = await rawGet(server.url, `/v2/${repo}/blobs/${digest}`);
    socket.pause();
    await until(() => openBlobFds(server.root).length > 0);
    const before = pooledBuffersAllocated();
    await sleep(500);
    // The kernel's socket buffers hold a few MiB; without back-pressure all 48 would be read.
    assert.ok(openBlobFds(server.root).length > 0, 'the response is still in progress');
    assert.ok(pooledBuffersAllocated() - before <= 2, `read ahead of a stalled client: ${pooledBuffersAllocated() - before} buffers`);
    socket.destroy();
    assert.ok(await until(() => openBlobFds(server.root).length === 0), `left open: ${openBlobFds(server.root).join(', ')}`);
    // The server is fine afterwards.
    const again = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=0-9' } });
    expectStatus(again, 206);
    assert.ok(again.body.equals(bytes.subarray(0, 10)));
  });

  test('a client that leaves after the first bytes leaves no file open', async () => {
    const repo = uniqueRepo('pooled');
    const digest = await pushBlob(c, repo, randomBlob(16 * MiB));
    for (let i = 0; i < 5; i += 1) {
      const socket = await rawGet(server.url, `/v2/${repo}/blobs/${digest}`);
      await new Promise((resolve) => socket.once('data', resolve));
      socket.destroy();
    }
    assert.ok(await until(() => openBlobFds(server.root).length === 0), `left open: ${openBlobFds(server.root).join(', ')}`);
  });
  test('stalled clients past the buffer cap neither raise memory nor hold other pulls back', async () => {
    const repo = uniqueRepo('pooled');
    const bytes = randomBlob(24 * MiB);
    const digest = await pushBlob(c, repo, bytes);
    // Each stalled response keeps up to two 1 MiB buffers out: enough of them fill the cap.
    const stalled = await Promise.all(
      Array.from({ length: POOLED_BUFFERS_OUT_MAX + 4 }, () => rawGet(server.url, `/v2/${repo}/blobs/${digest}`)),
    );
    for (const socket of stalled) socket.pause();
    try {
      await until(() => openBlobFds(server.root).length >= stalled.length);
      await sleep(300);
      assert.ok(pooledBuffersOutPeak() <= POOLED_BUFFERS_OUT_MAX, `${pooledBuffersOutPeak()} buffers of 1 MiB out at once`);
      // A pull meanwhile is served whole, in small buffers, without waiting for the stalled ones.
      const started = Date.now();
      const whole = await c.get(`/v2/${repo}/blobs/${digest}`);
      expectStatus(whole, 200);
      assert.ok(whole.body.equals(bytes), 'blob differs');
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms behind stalled clients`);
    } finally {
      // Left open, they would hold the server's close until their idle timeout.
      for (const socket of stalled) socket.destroy();
    }
    assert.ok(await until(() => openBlobFds(server.root).length === 0), `left open: ${openBlobFds(server.root).join(', ')}`);
    // The slots the stalled responses held come back, whether or not their writes called back.
    assert.ok(await until(() => pooledBuffersOut() === 0), `${pooledBuffersOut()} buffers still count against the cap`);
    const after = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(after, 200);
    assert.ok(after.body.equals(bytes), 'blob differs after the stalled clients left');
  });
});
