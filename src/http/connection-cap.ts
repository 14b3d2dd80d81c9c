/**
 * A cap on open client connections. Every connection holds a file descriptor (an upload holds
 * a second, its staging file); without a cap, a flood of stalled connections took the process
 * to its descriptor limit and new requests were closed unanswered, health checks included.
 *
 * Above the cap a new connection is not handed to the HTTP server. On plain HTTP it gets a few
 * seconds to send its request line and is answered directly: `GET /healthz` with 200 (the
 * process is alive and its event loop answers, which is what liveness means) and anything else
 * with a fast 503 and Retry-After, so clients back off instead of hanging. At most RESERVE such
 * connections are held at once; beyond them, and on TLS (nothing can be read without a
 * handshake), a connection is closed at once.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { edgeErrors } from './errors/error-table.js';

/** Connections above the cap held long enough to answer them. */
export const RESERVE = 64;
const TRIAGE_MS = 5000;
const LOG_EVERY_MS = 10_000;

function response(status: string, body: string, extra = ''): string {
  return (
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `${extra}Connection: close\r\n\r\n${body}`
  );
}

const HEALTHY = response('200 OK', JSON.stringify({ status: 'ok' }));
function overloaded(max: number): string {
  const { code, message } = edgeErrors.unavailable;
  const body = JSON.stringify({ errors: [{ code, message: `${message} (${max} connections, http.maxconnections); retry in a moment`, detail: {} }] });
  return response('503 Service Unavailable', body, 'Retry-After: 1\r\n');
}

export function installConnectionCap(server: Server, max: number, tls: boolean, log: FastifyBaseLogger): void {
  // The HTTP (or TLS) server's own 'connection' listeners run only for connections under the
  // cap; the rest never reach its parser.
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const refusal = overloaded(max);
  let open = 0;
  let held = 0;
  let refused = 0;
  let lastLog = 0;

  const report = () => {
    const now = Date.now();
    if (now - lastLog < LOG_EVERY_MS) return;
    log.warn({ open, refused, maxConnections: max }, 'connection limit reached; refusing new connections with 503');
    lastLog = now;
    refused = 0;
  };

  const triage = (socket: Socket) => {
    held += 1;
    socket.once('close', () => (held -= 1));
    socket.on('error', () => socket.destroy());
    const deadline = setTimeout(() => socket.destroy(), TRIAGE_MS);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
    socket.once('data', (chunk: Buffer) => {
      const healthz = /^GET \/healthz[ ?]/.test(chunk.toString('latin1', 0, 32));
      socket.end(healthz ? HEALTHY : refusal);
    });
  };

  server.on('connection', (socket: Socket) => {
    if (open < max) {
      open += 1;
      socket.once('close', () => (open -= 1));
      for (const handler of handlers) handler.call(server, socket);
      return;
    }
    refused += 1;
    report();
    if (tls || held >= RESERVE) socket.destroy();
    else triage(socket);
  });
}
