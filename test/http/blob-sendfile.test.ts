// Blob GETs sent with sendfile(2) by the native addon (src/http/oci/sendfile-send.ts) over real
// sockets: exact bytes whole and ranged, more pulls at once than native slots, the connection
// answering its next requests (GET, range, HEAD) after a native send, the request log written on
// 'finish', a stalled client cut at the idle timeout, a client that leaves mid-blob, and no
// thread or descriptor left behind. Every case runs twice: as a loopback client gets it (big
// bodies in the addon's copy mode) and with BERTH_SENDFILE=sendfile (sendfile(2) for every
// body, as a remote client gets it). BERTH_SENDFILE=off serves the same bytes on the JS path.
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import * as net from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { nativeSendfile } from '../../src/http/oci/native-sendfile.js';
import { COPY_MIN_BYTES, NATIVE_SENDS_MAX, nativeSendsRunning, nativeSendsStarted, SENDFILE_MIN_BYTES } from '../../src/http/oci/sendfile-send.js';
import { createTestCa } from '../e2e/support/tls-ca.js';
import { startBerth } from '../support/registry-process.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, sha256, uniqueRepo } from './support/content.js';
import { client, expectStatus, type Client } from './support/http-client.js';
import { pushBlob } from './support/push.js';
import { openBlobFds, until } from './support/process-probes.js';

const MiB = 1024 * 1024;
const IDLE_MS = 1000;

const threads = (): number => readdirSync('/proc/self/task').length;
const fds = (): number => readdirSync('/proc/self/fd').length;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One keep-alive HTTP/1.1 connection, its responses framed by Content-Length as a client would. */
class Connection {
  // Chunks as they arrived, joined only when a response is complete (a 40 MiB body arrives in
  // thousands of chunks).
  private chunks: Buffer[] = [];
  private buffered = 0;
  private wake: (() => void) | undefined;
  closed = false;
  received = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  private get pending(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private set pending(rest: Buffer) {
    this.chunks = [rest];
    this.buffered = rest.length;
  }

  static open(url: string): Promise<Connection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(method: string, path: string, headers: Record<string, string> = {}): void {
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    this.socket.write(`${method} ${path} HTTP/1.1\r\nHost: registry\r\n${lines.join('')}\r\n`);
  }

  private async need(test: () => boolean): Promise<void> {
    while (!test()) {
      if (this.closed) throw new Error(`connection closed by the server with ${this.buffered} bytes unread`);
      await new Promise<void>((resume) => (this.wake = resume));
    }
  }

  async response(head = false): Promise<RawResponse> {
    await this.need(() => this.pending.includes('\r\n\r\n'));
    const end = this.pending.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = this.pending.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = head ? 0 : Number(headers['content-length'] ?? 0);
    await this.need(() => this.buffered >= end + 4 + length);
    const body = this.pending.subarray(end + 4, end + 4 + length);
    this.pending = this.pending.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  async request(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    this.send(method, path, headers);
    return this.response(method === 'HEAD');
  }
}

for (const mode of ['copy', 'sendfile'] as const) describe(`blob GET on the native path, ${mode} mode`, () => {
  // Two servers: one with the idle timeout for the stalled and slow clients, one without it
  // for concurrent pulls, where this process's own client (not a stalled one) can fall a second
  // behind on two shared cores.
  let server: TestServer;
  let idleServer: TestServer;
  let c: Client;
  const logLines: string[] = [];
  let repo: string;
  let big: Buffer;
  let bigDigest: string;
  let baseThreads: number;

  // How many sends of each mode a case started, checked after it: a loopback peer gets the copy
  // mode for a body of COPY_MIN_BYTES or more, BERTH_SENDFILE=sendfile never.
  let startedBefore = nativeSendsStarted();
  const expectModes = (bigSends: number, smallSends = 0): void => {
    const now = nativeSendsStarted();
    const copy = now.copy - startedBefore.copy;
    const sendfile = now.sendfile - startedBefore.sendfile;
    if (mode === 'copy') assert.deepEqual({ copy, sendfile }, { copy: bigSends, sendfile: smallSends });
    else assert.deepEqual({ copy, sendfile }, { copy: 0, sendfile: bigSends + smallSends });
  };

  before(async () => {
    if (mode === 'sendfile') process.env.BERTH_SENDFILE = 'sendfile';
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    server = await startTestServer({ logger });
    c = client(server.url);
    repo = uniqueRepo('sendfile');
    big = randomBlob(40 * MiB + 123);
    bigDigest = await pushBlob(c, repo, big);
    idleServer = await startTestServer({
      logger,
      limits: { headerTimeoutMs: 10_000, bodyIdleTimeoutMs: IDLE_MS, keepAliveTimeoutMs: 10_000, maxConnections: 0 },
    });
    await pushBlob(client(idleServer.url), repo, big);
    // libuv's pool and V8's threads exist by now; what follows must come back to these counts.
    expectStatus(await c.get(`/v2/${repo}/blobs/${bigDigest}`, { headers: { range: 'bytes=0-0' } }), 206);
    baseThreads = threads();
  });
  beforeEach(() => {
    startedBefore = nativeSendsStarted();
  });
  after(async () => {
    delete process.env.BERTH_SENDFILE;
    await server.close();
    await idleServer.close();
  });

  test('the addon is built and loads (npm ci builds it; the tests below need it, BERTH_SENDFILE=off covers the path without it)', () => {
    assert.ok(nativeSendfile() !== undefined, 'native/sendfile/build/Release/berth_sendfile.node did not load: run `npm run build:native`');
  });

  test('whole and ranged pulls, more at once than native slots, each get their own bytes', async () => {
    const blobs = await Promise.all(
      Array.from({ length: NATIVE_SENDS_MAX + 4 }, async (_, i) => {
        const bytes = randomBlob(COPY_MIN_BYTES + 2 * MiB + 4099 * i);
        return { bytes, digest: await pushBlob(c, repo, bytes) };
      }),
    );
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, nativeSendsRunning())), 1);
    try {
      await Promise.all(
        blobs.map(async ({ bytes, digest }) => {
          const whole = await c.get(`/v2/${repo}/blobs/${digest}`);
          expectStatus(whole, 200);
          assert.equal(whole.headers.get('content-length'), String(bytes.length));
          assert.ok(whole.body.equals(bytes), 'whole blob differs');
          const start = MiB - 5;
          const end = bytes.length - 7;
          const ranged = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: `bytes=${start}-${end}` } });
          expectStatus(ranged, 206);
          assert.equal(ranged.headers.get('content-range'), `bytes ${start}-${end}/${bytes.length}`);
          assert.ok(ranged.body.equals(bytes.subarray(start, end + 1)), 'range differs');
        }),
      );
    } finally {
      clearInterval(watch);
    }
    assert.ok(peak <= NATIVE_SENDS_MAX, `${peak} native sends at once, over the bound of ${NATIVE_SENDS_MAX}`);
    // The ranges (above COPY_MIN_BYTES too) go native; the pulls past the slots took the pooled path.
    const now = nativeSendsStarted();
    const sends = now.copy + now.sendfile - startedBefore.copy - startedBefore.sendfile;
    assert.ok(sends >= NATIVE_SENDS_MAX && sends <= 2 * blobs.length, `${sends} native sends`);
    expectModes(sends);
    assert.ok(await until(() => nativeSendfile()?.active() === 0 && threads() <= baseThreads), `threads: ${threads()} now, ${baseThreads} before`);
  });

  test('after a native send the connection answers its next requests: a range, a HEAD, a small GET, the whole blob again', async () => {
    const small = randomBlob(1000);
    const smallDigest = await pushBlob(c, repo, small);
    const conn = await Connection.open(server.url);
    const path = `/v2/${repo}/blobs/${bigDigest}`;
    try {
      const whole = await conn.request('GET', path);
      assert.equal(whole.status, 200);
      assert.ok(whole.body.equals(big), 'whole blob differs');
      const ranged = await conn.request('GET', path, { range: `bytes=${2 * MiB + 1}-${30 * MiB}` });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers['content-range'], `bytes ${2 * MiB + 1}-${30 * MiB}/${big.length}`);
      assert.ok(ranged.body.equals(big.subarray(2 * MiB + 1, 30 * MiB + 1)), 'range differs');
      const head = await conn.request('HEAD', path);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(big.length));
      const tiny = await conn.request('GET', `/v2/${repo}/blobs/${smallDigest}`);
      assert.equal(tiny.status, 200);
      assert.ok(tiny.body.equals(small));
      // Requests sent at once (pipelined): each answer follows the one before's last byte, and
      // a native send waits for its connection to be free before it writes a byte.
      conn.send('GET', path);
      conn.send('GET', path, { range: `bytes=5-${3 * MiB}` });
      conn.send('GET', path, { range: 'bytes=5-9' });
      conn.send('GET', path);
      assert.ok((await conn.response()).body.equals(big));
      const second = await conn.response();
      assert.equal(second.status, 206);
      assert.ok(second.body.equals(big.subarray(5, 3 * MiB + 1)), 'second pipelined answer differs');
      const third = await conn.response();
      assert.equal(third.status, 206);
      assert.ok(third.body.equals(big.subarray(5, 10)), 'third pipelined answer differs');
      assert.ok((await conn.response()).body.equals(big), 'fourth pipelined answer differs');
      assert.equal(conn.closed, false, 'the server closed a keep-alive connection');
      // Native: the two wholes twice, the 28 MiB range, and the 3 MiB one (below COPY_MIN_BYTES).
      expectModes(4, 1);
    } finally {
      conn.socket.destroy();
    }
  });

  test('the request log (an onResponse hook, run on finish) records a native send with its status and bytes', async () => {
    logLines.length = 0;
    const conn = await Connection.open(server.url);
    try {
      const reply = await conn.request('GET', `/v2/${repo}/blobs/${bigDigest}`);
      assert.equal(reply.status, 200);
    } finally {
      conn.socket.destroy();
    }
    const logged = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'request' && entry.reference === bigDigest);
    assert.ok(await until(() => logLines.some((line) => line.includes('"msg":"request"'))), 'no request line logged');
    const entry = logged();
    assert.equal(entry?.status, 200);
    assert.equal(entry?.bytesOut, big.length);
    expectModes(1);
  });

  test('a client that reads half and closes ends the send: no thread, descriptor or blob file left, the server still answers', async () => {
    // Counted from here: the fetch client's keep-alive pool (both ends in this process) is as it is.
    const baseFds = fds();
    for (let i = 0; i < 4; i += 1) {
      const conn = await Connection.open(idleServer.url);
      conn.send('GET', `/v2/${repo}/blobs/${bigDigest}`);
      assert.ok(await until(() => conn.received >= big.length / 2 || conn.closed), 'the first half never arrived');
      assert.equal(conn.closed, false);
      conn.socket.destroy();
    }
    assert.ok(await until(() => nativeSendsRunning() === 0 && nativeSendfile()?.active() === 0), 'a native send is still running');
    assert.ok(await until(() => threads() <= baseThreads), `threads: ${threads()} now, ${baseThreads} before`);
    assert.ok(await until(() => fds() <= baseFds && openBlobFds(idleServer.root).length === 0), `descriptors: ${fds()} now, ${baseFds} before; blob files ${openBlobFds(idleServer.root).join(', ')}`);
    const again = await client(idleServer.url).get(`/v2/${repo}/blobs/${bigDigest}`, { headers: { range: 'bytes=0-9' } });
    expectStatus(again, 206);
    assert.ok(again.body.equals(big.subarray(0, 10)));
    expectModes(4);
  });

  test('a client that stops reading holds one thread until the idle timeout, then is cut off and everything is released', async () => {
    logLines.length = 0;
    const baseFds = fds();
    const conn = await Connection.open(idleServer.url);
    conn.socket.pause();
    const started = Date.now();
    conn.send('GET', `/v2/${repo}/blobs/${bigDigest}`);
    assert.ok(await until(() => nativeSendfile()?.active() === 1), 'the pull did not take the native path');
    assert.equal(threads(), baseThreads + 1, 'one thread for the stalled send');
    await sleep(IDLE_MS / 2);
    assert.equal(conn.closed, false, 'cut before the idle timeout');
    // Resuming now would get the rest; the server must close while the client stays paused.
    assert.ok(await until(() => nativeSendfile()?.active() === 0, IDLE_MS + 5000), 'the stalled send never gave up');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= IDLE_MS - 50, `gave up after ${elapsed} ms, before the idle timeout`);
    conn.socket.resume();
    assert.ok(await until(() => conn.closed), 'the server did not close the stalled connection');
    assert.ok(conn.received < big.length, 'a stalled client got the whole blob');
    assert.ok(logLines.some((line) => line.includes('client read nothing of the response for the idle timeout')), 'no idle warning logged');
    assert.ok(await until(() => threads() <= baseThreads && fds() <= baseFds && openBlobFds(idleServer.root).length === 0), `threads ${threads()}/${baseThreads}, fds ${fds()}/${baseFds}`);
    expectModes(1);
  });

  test('a client that reads slowly but steadily (pauses shorter than the idle timeout) gets every byte', async () => {
    const conn = await Connection.open(idleServer.url);
    try {
      conn.send('GET', `/v2/${repo}/blobs/${bigDigest}`);
      let reading = true;
      void (async () => {
        while (reading) {
          conn.socket.pause();
          await sleep(IDLE_MS / 4);
          conn.socket.resume();
          await sleep(20);
        }
      })();
      const reply = await conn.response();
      reading = false;
      conn.socket.resume();
      assert.ok(reply.body.equals(big), 'slow reader got different bytes');
      expectModes(1);
    } finally {
      conn.socket.destroy();
    }
  });

  test('BERTH_SENDFILE=off: the same pulls on the JS path, no native thread', async () => {
    const previous = process.env.BERTH_SENDFILE;
    process.env.BERTH_SENDFILE = 'off';
    try {
      const conn = await Connection.open(server.url);
      conn.socket.pause();
      conn.send('GET', `/v2/${repo}/blobs/${bigDigest}`);
      // The pull is in progress (its file open, the client not reading) with no native send.
      assert.ok(await until(() => openBlobFds(server.root).length > 0), 'the pull never started');
      await sleep(200);
      assert.equal(nativeSendfile(), undefined);
      assert.equal(openBlobFds(server.root).length, 1, 'the pull ended while the client was paused');
      assert.equal(nativeSendsRunning(), 0, 'a native send ran with BERTH_SENDFILE=off');
      assert.equal(threads(), baseThreads, 'a thread started with BERTH_SENDFILE=off');
      conn.socket.resume();
      const reply = await conn.response();
      assert.ok(reply.body.equals(big), 'JS path bytes differ');
      const ranged = await conn.request('GET', `/v2/${repo}/blobs/${bigDigest}`, { range: 'bytes=7-1048583' });
      assert.equal(ranged.status, 206);
      assert.ok(ranged.body.equals(big.subarray(7, 1048584)));
      conn.socket.destroy();
      expectModes(0);
    } finally {
      if (previous === undefined) delete process.env.BERTH_SENDFILE;
      else process.env.BERTH_SENDFILE = previous;
    }
  });
});

describe('blob GET over TLS', () => {
  test('a pull above the threshold gets its exact bytes: the addon never writes plaintext into a TLS stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-sendfile-tls-'));
    const ca = await createTestCa(dir);
    const caPem = await readFile(ca.caCert, 'utf8');
    const registry = await startBerth({ tls: { certificate: ca.serverCert, key: ca.serverKey } });
    try {
      const bytes = randomBlob(SENDFILE_MIN_BYTES + 3 * MiB + 11);
      const digest = sha256(bytes);
      const call = (method: string, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> =>
        new Promise((done, fail) => {
          const req = https.request(new URL(path, registry.url), { method, ca: caPem, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
            res.on('error', fail);
          });
          req.on('error', fail);
          req.end(body);
        });
      const pushed = await call('POST', `/v2/tls/big/blobs/uploads/?digest=${digest}`, bytes);
      assert.equal(pushed.status, 201, pushed.body.toString());
      const whole = await call('GET', `/v2/tls/big/blobs/${digest}`);
      assert.equal(whole.status, 200);
      assert.ok(whole.body.equals(bytes), 'TLS pull differs');
    } finally {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
