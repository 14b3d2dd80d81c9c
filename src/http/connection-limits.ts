/**
 * Limits that keep slow and stalled clients from holding the server's sockets (issue 9): a
 * client trickling its headers one byte at a time, or declaring a 2 GiB upload and going
 * silent after 100 bytes, used to keep its connection (and descriptor) for as long as it liked.
 *
 * - Header timeout: the whole header block must arrive within it, however steadily it trickles
 *   (Node's headersTimeout, checked every quarter of it); the client gets 408.
 * - Body idle timeout: a request body that moves no byte for this long is cut off, and so is a
 *   streamed response (a blob) the client stops reading. It is idle time, not total time, so
 *   a slow but moving upload or download of any size is never cut.
 * - Keep-alive timeout: how long an idle connection waits for its next request.
 * - Connection cap: see connection-cap.ts.
 * There is no total request timeout: a large layer takes as long as it takes.
 */
import type { Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { installConnectionCap } from './connection-cap.js';

export interface ConnectionLimits {
  headerTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no cap. */
  maxConnections: number;
}

export function installConnectionLimits(app: FastifyInstance, limits: ConnectionLimits, tls: boolean): void {
  limitServer(app.server as Server, limits, tls, app.log);
  app.addHook('onRequest', async (request, reply) => watchBodies(request, reply, limits.bodyIdleTimeoutMs));
}

/**
 * The socket-level half of the limits, for the app's own server and for any other server that
 * hands its requests to the app (connector ports); call before it listens. Each server has its
 * own connection cap.
 */
export function limitServer(server: Server, limits: ConnectionLimits, tls: boolean, log: FastifyBaseLogger): void {
  const timed = server as Server & { connectionsCheckingInterval: number };
  timed.requestTimeout = 0;
  timed.headersTimeout = limits.headerTimeoutMs;
  // Node checks the header deadline on this interval (30 s by default), read when it listens.
  timed.connectionsCheckingInterval = Math.min(Math.max(Math.floor(limits.headerTimeoutMs / 4), 100), 5000);
  timed.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // 0 is no cap: leave the server's own connection handling untouched.
  if (limits.maxConnections > 0) installConnectionCap(server, limits.maxConnections, tls, log);
}

/**
 * Emitted on a response by a handler that writes a streamed body itself instead of piping one
 * (oci/pooled-send.ts), so the idle timer below covers it too.
 */
export const STREAMING_RESPONSE = 'berth:streaming';

const responseIdleMs = new WeakMap<ServerResponse, number>();

/**
 * The idle timeout of a response, for a sender that moves the bytes outside Node's socket
 * (oci/sendfile-send.ts, where the timer below sees no activity) and so must apply it itself.
 * Undefined when no limits are installed.
 */
export function responseIdleTimeoutMs(response: ServerResponse): number | undefined {
  return responseIdleMs.get(response);
}

/** The warning a response cut for idleness logs, whichever sender noticed. */
export const RESPONSE_IDLE_MESSAGE = 'client read nothing of the response for the idle timeout; connection closed';

/**
 * One idle timer per request, armed only while bytes should be moving: while the request body
 * arrives, and while a streamed response (a blob) is sent. It is the connection's (or HTTP/2
 * stream's) idle timer, so every byte read or written resets it. In between, while the handler
 * works (hashing, committing, waiting for a lock), it is off: only the client can be idle here.
 */
function watchBodies(request: FastifyRequest, reply: FastifyReply, idleMs: number): void {
  const raw = request.raw;
  const response = reply.raw;
  const headers = raw.headers;
  let receiving = (headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0') && !raw.complete;
  let sending = false;
  responseIdleMs.set(response, idleMs);
  const arm = () => raw.setTimeout(idleMs);
  const disarm = () => raw.setTimeout(0);
  const onIdle = () => {
    const url = request.url.split('?')[0];
    if (receiving && !raw.complete) {
      request.log.warn({ idleSeconds: idleMs / 1000, url }, 'request body sent nothing for the idle timeout; connection closed');
      raw.destroy();
    } else if (sending) {
      request.log.warn({ idleSeconds: idleMs / 1000, url }, RESPONSE_IDLE_MESSAGE);
      response.destroy();
    } else {
      disarm();
    }
  };
  // Listening on both keeps Node from closing the connection on its own when the timer fires;
  // it reports the timeout to the request only while the body is incomplete.
  raw.on('timeout', onIdle);
  response.on('timeout', onIdle);
  if (receiving) {
    arm();
    raw.once('end', () => {
      receiving = false;
      if (!sending) disarm();
    });
  }
  const startSending = () => {
    sending = true;
    arm();
  };
  response.once('pipe', startSending);
  response.once(STREAMING_RESPONSE, startSending);
  response.once('close', () => {
    receiving = false;
    sending = false;
    disarm();
    raw.off('timeout', onIdle);
    response.off('timeout', onIdle);
  });
}
