// Finding 9 of issue 9: PATCHes that declare 2 GiB, send 100 bytes and stall, and sockets that
// trickle their headers, held their connections (and descriptors) for as long as they liked,
// until new requests were closed unanswered. A real server process with short configured
// timeouts and a small connection cap, flooded over real sockets: the stalled connections are
// closed after their timeouts, connections over the cap get a fast 503, /healthz answers all
// along, and a slow upload that keeps moving is not cut off.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { probeOnce } from '../support/healthz-probe.js';

const HEADER_TIMEOUT_S = 2;
const BODY_IDLE_S = 2;
const MAX_CONNECTIONS = 80;
const STALLED_UPLOADS = 40;
const TRICKLERS = 30;
const OVER_CAP = 25;
/** How long the server may take beyond a timeout to close (checks run on intervals; the machine is shared). */
const SLACK_MS = 8000;

let server: RegistryProcess;
before(async () => {
  server = await startBerth({
    env: {
      REGISTRY_HTTP_HEADERTIMEOUT: `${HEADER_TIMEOUT_S}s`,
      REGISTRY_HTTP_BODYIDLETIMEOUT: `${BODY_IDLE_S}s`,
      REGISTRY_HTTP_MAXCONNECTIONS: String(MAX_CONNECTIONS),
    },
  });
});
after(() => server.stop());

/** A request on its own connection (no keep-alive pool holding sockets), body read whole. */
function request(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((done, fail) => {
    const req = http.request(new URL(path, server.url), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function startUpload(): Promise<string> {
  const reply = await request('POST', '/v2/flood/app/blobs/uploads/');
  assert.equal(reply.status, 202, reply.text);
  return String(reply.headers.location);
}

interface Watched {
  socket: net.Socket;
  opened: number;
  /** When the server closed it (undefined while open). */
  closed: Promise<number>;
  received: () => string;
}

function open(): Promise<Watched> {
  return new Promise((ready, fail) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now())));
    socket.once('connect', () => ready({ socket, opened: Date.now(), closed, received: () => data }));
    socket.once('error', fail);
  });
}

/** Resolves to the close time, or rejects after `ms`. */
function closedWithin(watched: Watched, ms: number, what: string): Promise<number> {
  return Promise.race([
    watched.closed,
    new Promise<number>((_, fail) => setTimeout(() => fail(new Error(`${what} still open after ${ms} ms`)), ms).unref()),
  ]);
}

test('stalled uploads and trickled headers are closed after their timeouts; over the cap a fast 503; /healthz answers throughout', async () => {
  const locations = await Promise.all(Array.from({ length: STALLED_UPLOADS }, () => startUpload()));
  const stalled = await Promise.all(
    locations.map(async (location) => {
      const watched = await open();
      watched.socket.write(
        `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${2 * 1024 ** 3}\r\n\r\n`,
      );
      watched.socket.write(Buffer.alloc(100, 1));
      return watched;
    }),
  );
  const tricklers = await Promise.all(Array.from({ length: TRICKLERS }, () => open()));
  const trickle = setInterval(() => {
    for (const t of tricklers) if (!t.socket.destroyed) t.socket.write(t.received() === '' && t.socket.bytesWritten === 0 ? 'GET /v2/ HTTP/1.1\r\nX-Slow: ' : 'a');
  }, 200);
  try {
    // The server now holds STALLED_UPLOADS + TRICKLERS connections; fill it to the cap, then go over.
    const filler = await Promise.all(Array.from({ length: MAX_CONNECTIONS - STALLED_UPLOADS - TRICKLERS }, () => open()));
    await new Promise((r) => setTimeout(r, 300));
    const over = await Promise.all(Array.from({ length: OVER_CAP }, () => open()));
    for (const o of over) o.socket.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n');
    for (const o of over) await closedWithin(o, 5000, 'a connection over the cap');
    for (const o of over) {
      assert.match(o.received(), /^HTTP\/1\.1 503 /, 'over the cap: 503');
      assert.match(o.received(), /Retry-After: 1/);
      assert.match(o.received(), /"code":"UNAVAILABLE".*http\.maxconnections/);
    }
    const [status, ms] = await probeOnce(server.url, 3000);
    assert.equal(status, 200, `/healthz over the cap answered ${status} after ${ms} ms`);
    for (const f of filler) f.socket.destroy();

    // Everything stalled is closed by the server, not before its timeout and not long after.
    const deadline = Math.max(HEADER_TIMEOUT_S, BODY_IDLE_S) * 1000 + SLACK_MS;
    const probes: Array<[number, number]> = [];
    let watching = true;
    const probing = (async () => {
      while (watching) {
        probes.push(await probeOnce(server.url, 3000));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    for (const s of stalled) {
      const at = await closedWithin(s, deadline, 'a stalled upload');
      assert.ok(at - s.opened >= BODY_IDLE_S * 1000 - 200, `a stalled upload was closed after ${at - s.opened} ms, before its idle timeout`);
    }
    for (const t of tricklers) {
      const at = await closedWithin(t, deadline, 'a header trickle');
      assert.ok(at - t.opened >= HEADER_TIMEOUT_S * 1000 - 200, `a trickle was closed after ${at - t.opened} ms`);
      assert.match(t.received(), /^HTTP\/1\.1 408 [\s\S]*header timeout/, 'a trickle is told why');
    }
    watching = false;
    await probing;
    assert.ok(probes.length >= 3);
    for (const [probeStatus, probeMs] of probes) assert.equal(probeStatus, 200, `/healthz during the flood: ${probeStatus} after ${probeMs} ms`);

    // The upload sessions survive the cut: a client that comes back can ask where it stands.
    const status0 = await request('GET', locations[0]!);
    assert.equal(status0.status, 204, status0.text);
  } finally {
    clearInterval(trickle);
    for (const s of [...stalled, ...tricklers]) s.socket.destroy();
  }
});

test('a slow upload that keeps moving (a byte every 0.5 s, three idle timeouts long) is not cut off', async () => {
  const location = await startUpload();
  const bytes = 14;
  const watched = await open();
  watched.socket.write(`PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n`);
  for (let i = 0; i < bytes; i++) {
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!watched.socket.destroyed, `cut off after ${i} bytes`);
    watched.socket.write(Buffer.from([i]));
  }
  await closedWithin(watched, 10_000, 'the slow upload');
  assert.match(watched.received(), /^HTTP\/1\.1 202 /, `answer: ${watched.received().slice(0, 200)}`);
  assert.match(watched.received(), new RegExp(`Range: 0-${bytes - 1}`, 'i'));
});

test('a client that stops reading a blob is cut off after the idle timeout; one that reads slowly is not', async () => {
  const size = 48 * 1024 * 1024;
  const blob = Buffer.alloc(size, 7);
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const pushed = await request('POST', `/v2/flood/big/blobs/uploads/?digest=${digest}`, { 'content-type': 'application/octet-stream', 'content-length': String(size) }, blob);
  assert.equal(pushed.status, 201, pushed.text);

  const read = async (pauseMs: number) => {
    const watched = await open();
    let bytes = 0;
    watched.socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    // Read nothing: the kernel's buffers fill (a few MiB) and the server can write no more.
    watched.socket.pause();
    watched.socket.write(`GET /v2/flood/big/blobs/${digest} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    await new Promise((r) => setTimeout(r, pauseMs));
    watched.socket.resume();
    await closedWithin(watched, 30_000, 'the download');
    return bytes;
  };
  const stalled = await read(BODY_IDLE_S * 1000 + SLACK_MS);
  assert.ok(stalled < size, `a reader stalled for longer than the idle timeout still got all ${size} bytes`);
  const brief = await read(BODY_IDLE_S * 1000 / 4);
  assert.ok(brief > size, `a reader pausing briefly got ${brief} of ${size} bytes (plus headers)`);
});
