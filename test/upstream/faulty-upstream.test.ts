/**
 * What no real registry can be made to do on cue — lie about a digest, fail then recover, ask to
 * wait, stall, redirect a blob elsewhere — played by a scripted local server, against the real
 * client over real sockets.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { openHttpUpstream } from '../../src/adapters/upstream/http-upstream-registry.js';
import type { UpstreamRegistry, UpstreamSpec } from '../../src/ports/upstream-registry.js';
import { collect, expectUpstreamError } from './support/assertions.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
const manifestDigest = digestOf(manifest);

function sendManifest(res: ServerResponse, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': body.length, 'docker-content-digest': digestOf(body), ...headers }).end(body);
}

describe('a misbehaving upstream', () => {
  let server: ScriptedServer;
  let storage: ScriptedServer;
  const open = (spec: Partial<UpstreamSpec> = {}): UpstreamRegistry =>
    openHttpUpstream({ url: server.url, label: 'proxy project odd', retry: { attempts: 3, baseDelayMs: 10 }, ...spec });
  before(async () => {
    server = await startScriptedServer();
    storage = await startScriptedServer({ host: 'localhost' });
  });
  after(async () => {
    await server?.close();
    await storage?.close();
  });

  test('a manifest body that does not hash to the requested digest is refused', async () => {
    const lie = Buffer.from(manifest.toString().replace('[]}', '[] }'));
    server.handle((_req, res) => sendManifest(res, lie, { 'docker-content-digest': manifestDigest }));
    const client = open();
    try {
      const error = await expectUpstreamError(client.getManifest('app', manifestDigest), 'protocol');
      assert.match(error.message, new RegExp(`^${server.host} sent a body for manifest app@${manifestDigest} that hashes to ${digestOf(lie)}; proxy project odd refused it$`));
      assert.equal(server.seen.length, 1, 'a lie is not retried');
    } finally {
      await client.close();
    }
  });

  test('a tag whose body differs from its own Docker-Content-Digest is refused', async () => {
    server.handle((_req, res) => sendManifest(res, manifest, { 'docker-content-digest': `sha256:${'1'.repeat(64)}` }));
    const client = open();
    try {
      await expectUpstreamError(client.getManifest('app', 'latest'), 'protocol');
      const error = await expectUpstreamError(client.headManifest('app', manifestDigest), 'protocol');
      assert.match(error.message, /answered manifest app@sha256:\w+ with digest sha256:1{64}/);
    } finally {
      await client.close();
    }
  });

  test('a manifest over the limit is refused, announced or not', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const client = open();
    try {
      server.handle((_req, res) => sendManifest(res, big));
      assert.match((await expectUpstreamError(client.getManifest('app', 'big'), 'protocol')).message, /5242880 bytes, over the 4194304-byte limit/);
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': OCI_MANIFEST });
        res.end(big);
      });
      assert.match((await expectUpstreamError(client.getManifest('app', 'big'), 'protocol')).message, /more than the 4194304-byte limit/);
    } finally {
      await client.close();
    }
  });

  test('a blob whose bytes do not match its digest fails at the end of the stream', async () => {
    const real = randomBytes(4096);
    server.handle((_req, res) => void res.writeHead(200, { 'content-length': real.length }).end(randomBytes(4096)));
    const client = open();
    try {
      const blob = await client.getBlob('app', digestOf(real));
      assert.ok(blob);
      await expectUpstreamError(collect(blob.body), 'protocol');
    } finally {
      await client.close();
    }
  });

  test('5xx, then success: retried', async () => {
    server.handle((_req, res, i) => (i < 2 ? void res.writeHead(i === 0 ? 503 : 502).end() : sendManifest(res, manifest)));
    const client = open();
    try {
      assert.equal((await client.getManifest('app', 'v1'))?.digest, manifestDigest);
      assert.equal(server.seen.length, 3);
    } finally {
      await client.close();
    }
  });

  test('5xx every time: unavailable after the attempts', async () => {
    server.handle((_req, res) => void res.writeHead(500).end());
    const client = open();
    try {
      const error = await expectUpstreamError(client.headManifest('app', 'v1'), 'unavailable');
      assert.equal(error.status, 500);
      assert.match(error.message, /answered 500 to proxy project odd for manifest app:v1, after retries/);
      assert.equal(server.seen.length, 3);
    } finally {
      await client.close();
    }
  });

  test('429 with Retry-After: waited out, then served', async () => {
    server.handle((_req, res, i) => (i === 0 ? void res.writeHead(429, { 'retry-after': '1' }).end() : sendManifest(res, manifest)));
    const client = open();
    try {
      const started = Date.now();
      assert.ok(await client.headManifest('app', 'v1'));
      assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
      assert.equal(server.seen.length, 2);
    } finally {
      await client.close();
    }
  });

  test('429 asking for longer than the cap: rate-limited at once, with the wait', async () => {
    server.handle((_req, res) => void res.writeHead(429, { 'retry-after': '3600' }).end());
    const client = open();
    try {
      const error = await expectUpstreamError(client.getManifest('app', 'v1'), 'rate-limited');
      assert.equal(error.retryAfterSeconds, 3600);
      assert.match(error.message, /is rate-limiting proxy project odd \(retry after 3600 s\)/);
      assert.equal(server.seen.length, 1);
    } finally {
      await client.close();
    }
  });

  test('no headers in time: timeout, retried, then reported', async () => {
    server.handle(() => undefined);
    const client = open({ timeouts: { headersMs: 150 }, retry: { attempts: 2, baseDelayMs: 10 } });
    try {
      const error = await expectUpstreamError(client.headManifest('app', 'v1'), 'timeout');
      assert.match(error.message, /timed out for proxy project odd .*no response headers within 150 ms/);
      assert.equal(server.seen.length, 2);
    } finally {
      await client.close();
    }
  });

  test('a blob that stalls mid-stream: timeout, and never re-fetched once bytes were handed over', async () => {
    const bytes = randomBytes(64 * 1024);
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, 1000));
    });
    const client = open({ timeouts: { idleMs: 200 } });
    try {
      const blob = await client.getBlob('app', digestOf(bytes));
      assert.ok(blob);
      let received = 0;
      const error = await expectUpstreamError(
        (async () => {
          for await (const chunk of blob.body) received += chunk.length;
        })(),
        'timeout',
      );
      assert.equal(received, 1000);
      assert.match(error.message, /no bytes for 200 ms/);
      assert.equal(server.seen.length, 1);
    } finally {
      await client.close();
    }
  });

  test('an abort rejects with the caller\'s reason', async () => {
    server.handle(() => undefined);
    const client = open();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('client went away')), 50);
      await assert.rejects(client.getManifest('app', 'v1', { signal: controller.signal }), /client went away/);
      await assert.rejects(client.getManifest('app', 'v1', { signal: AbortSignal.abort() }), { name: 'AbortError' });
    } finally {
      await client.close();
    }
  });

  test('a blob redirected to another host: followed, without the upstream\'s Authorization', async () => {
    const bytes = randomBytes(10_000);
    const digest = digestOf(bytes);
    const expected = `Basic ${Buffer.from('user:secret').toString('base64')}`;
    server.handle((req, res) => {
      if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="odd"' }).end();
      res.writeHead(307, { location: `${storage.url}/blobs/${digest}?sig=abc` }).end();
    });
    storage.handle((_req, res) => void res.writeHead(200, { 'content-length': bytes.length }).end(bytes));
    const client = open({ username: 'user', password: 'secret' });
    try {
      const blob = await client.getBlob('app', digest);
      assert.ok((await collect(blob!.body)).equals(bytes));
      assert.equal(server.seen.at(-1)?.headers.authorization, expected);
      assert.deepEqual(storage.seen.map((r) => r.url), [`/blobs/${digest}?sig=abc`]);
      assert.equal(storage.seen[0]!.headers.authorization, undefined, 'object storage never sees the credentials');
    } finally {
      await client.close();
    }
  });
});
