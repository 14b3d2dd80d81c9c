/**
 * Clients that hold connections open without finishing a request: one that trickles its
 * header a byte a second, and one that declares a 2 GiB PATCH body, sends 100 bytes and stalls.
 * A real `berth serve` process runs with short timeouts; each such socket must be closed by
 * the server within its timeout plus a margin, and /healthz must answer all along.
 *
 * The timeouts are set through the environment named in TIMEOUT_ENV (adjust the names when the
 * configuration keys settle; the values are what the assertions use).
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import type { RegistryProcess } from '../support/registry-process.js';
import { withHeaders } from '../http/support/auth.js';
import { client } from '../http/support/http-client.js';
import { startUpload } from '../http/support/push.js';
import { ADMIN, assertHealthy, basicOf, healthz, seedAccounts, startGuardedBerth } from './support.js';

/** Seconds a request head may take to arrive in full. */
const HEADER_TIMEOUT_S = 3;
/** Seconds a request body may go without a byte. */
const IDLE_TIMEOUT_S = 3;
// The configuration keys for the two timeouts; `BERTH_*` names that are not configuration are ignored, so an old server starts.
const TIMEOUT_ENV: Record<string, string> = {
  BERTH_HTTP_TIMEOUTS_HEADER: `${HEADER_TIMEOUT_S}s`,
  BERTH_HTTP_TIMEOUTS_IDLE: `${IDLE_TIMEOUT_S}s`,
};
/** Slack for the server's timer granularity and a loaded machine. */
const MARGIN_S = 10;
const SLOW_SOCKETS = 24;

let server: RegistryProcess;
before(async () => {
  server = await startGuardedBerth(TIMEOUT_ENV);
  await seedAccounts(server);
});
after(async () => {
  await server?.stop();
});

interface Held {
  /** Seconds from open until the server closed it; undefined while open. */
  closedAfter(): number | undefined;
  /** What the server sent before closing, if anything. */
  received(): string;
  destroy(): void;
}

/** Opens a socket, sends `head`, then `drip` once a second (if given) until the server closes it. */
function hold(head: string | Buffer, drip?: string): Promise<Held> {
  return new Promise((ok, fail) => {
    const opened = Date.now();
    let closedAt: number | undefined;
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write(head);
      if (drip !== undefined) timer = setInterval(() => socket.writable && socket.write(drip), 1000);
      ok({
        closedAfter: () => (closedAt === undefined ? undefined : (closedAt - opened) / 1000),
        received: () => Buffer.concat(chunks).toString('latin1'),
        destroy: () => socket.destroy(),
      });
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.once('error', fail);
    socket.on('close', () => {
      closedAt ??= Date.now();
      clearInterval(timer);
    });
  });
}

/**
 * Waits until every socket is closed or `limitS` pass, asking /healthz once a second meanwhile;
 * returns the seconds each stayed open (Infinity when still open) and the health answers.
 */
async function watch(held: Held[], limitS: number): Promise<{ open: number[]; health: string[] }> {
  const deadline = Date.now() + limitS * 1000;
  const health: string[] = [];
  while (Date.now() < deadline && held.some((h) => h.closedAfter() === undefined)) {
    const started = Date.now();
    const status = await healthz(server, 5000).then(String, (error: Error) => error.message);
    if (status !== '200') health.push(`${status} after ${(Date.now() - started) / 1000} s`);
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
  }
  const open = held.map((h) => h.closedAfter() ?? Infinity);
  for (const h of held) h.destroy();
  return { open, health };
}

function assertClosed(open: number[], limitS: number, what: string, held: Held[]): void {
  console.log(`${open.length} ${what}: the last closed after ${Math.max(...open).toFixed(1)} s (limit ${limitS} s)`);
  const late = open.filter((s) => s > limitS);
  assert.equal(
    late.length,
    0,
    `${late.length} of ${open.length} ${what} were still open after ${limitS} s (closed after: ${open.map((s) => (Number.isFinite(s) ? s.toFixed(1) : 'never')).join(', ')}); ` +
      `set by ${Object.keys(TIMEOUT_ENV).join(', ')}`,
  );
  for (const h of held) {
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(h.received())?.[1];
    if (status !== undefined) assert.ok(Number(status) < 500, `a closed ${what.replace(/s$/, '')} was answered ${status}: ${h.received().slice(0, 300)}`);
  }
}

test(`headers trickled a byte a second are cut off within the header timeout (${HEADER_TIMEOUT_S} s + ${MARGIN_S} s)`, async () => {
  const held = await Promise.all(
    Array.from({ length: SLOW_SOCKETS }, () => hold(`GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `, 'a')),
  );
  const limit = HEADER_TIMEOUT_S + MARGIN_S;
  const { open, health } = await watch(held, limit + 2);
  assert.deepEqual(health, [], '/healthz must answer 200 while slow clients hold sockets');
  assertClosed(open, limit, 'trickling sockets', held);
  await assertHealthy(server, 'after the trickling clients');
});

test(`a PATCH declaring 2 GiB that stalls after 100 bytes is cut off within the idle timeout (${IDLE_TIMEOUT_S} s + ${MARGIN_S} s)`, async () => {
  const admin = withHeaders(client(server.url), { authorization: basicOf(ADMIN) });
  const locations = await Promise.all(Array.from({ length: SLOW_SOCKETS }, () => startUpload(admin, 'team/app')));
  const held = await Promise.all(
    locations.map((location) => {
      const path = new URL(location, server.url).pathname + new URL(location, server.url).search;
      const head =
        `PATCH ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basicOf(ADMIN)}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${2 * 1024 ** 3}\r\n\r\n`;
      return hold(Buffer.concat([Buffer.from(head), Buffer.alloc(100, 7)]));
    }),
  );
  const limit = IDLE_TIMEOUT_S + MARGIN_S;
  const { open, health } = await watch(held, limit + 2);
  assert.deepEqual(health, [], '/healthz must answer 200 while stalled uploads hold sockets');
  assertClosed(open, limit, 'stalled uploads', held);
  await assertHealthy(server, 'after the stalled uploads');
});
