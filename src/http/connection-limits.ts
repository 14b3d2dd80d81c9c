/**
 * Limits that keep slow and stalled clients from holding the server's sockets (issue 9): a
 * client trickling its headers one byte at a time, or declaring a 2 GiB upload and going
 * silent after 100 bytes, used to keep its connection (and descriptor) for as long as it liked.
 *
 * - Header timeout: the whole header block must arrive within it, however steadily it trickles
 *   (Node's headersTimeout, checked every quarter of it); the client gets 408.
 * - Body idle timeout: a request body that moves no byte for this long is cut off. It is idle
 *   time, not total time, so a slow but moving upload of any size is never cut.
 * - Keep-alive timeout: how long an idle connection waits for its next request.
 * - Connection cap: see connection-cap.ts.
 * There is no total request timeout: a large layer takes as long as it takes.
 */
import type { Server } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { installConnectionCap } from './connection-cap.js';

export interface ConnectionLimits {
  headerTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no cap. */
  maxConnections: number;
}

export function installConnectionLimits(app: FastifyInstance, limits: ConnectionLimits, tls: boolean): void {
  const server = app.server as Server & { connectionsCheckingInterval: number };
  server.requestTimeout = 0;
  server.headersTimeout = limits.headerTimeoutMs;
  // Node checks the header deadline on this interval (30 s by default), read when it listens.
  server.connectionsCheckingInterval = Math.min(Math.max(Math.floor(limits.headerTimeoutMs / 4), 100), 5000);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  app.addHook('onRequest', async (request, reply) => watchBody(request, reply, limits.bodyIdleTimeoutMs));
  installConnectionCap(server, limits.maxConnections, tls, app.log);
}

function watchBody(request: FastifyRequest, response: FastifyReply, idleMs: number): void {
  const raw = request.raw;
  const headers = raw.headers;
  const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  if (!hasBody || raw.complete) return;
  // The timer is the connection's (or HTTP/2 stream's) idle timer: every byte read resets it.
  // It is cleared once the body is in, so a handler that takes long to answer, or waits before
  // reading a body that has already arrived, is never cut off by it.
  const clear = () => {
    raw.setTimeout(0);
    raw.off('timeout', onIdle);
    response.raw.off('timeout', onIdle);
  };
  const onIdle = () => {
    if (raw.complete) return clear();
    request.log.warn({ idleSeconds: idleMs / 1000, url: request.url.split('?')[0] }, 'request body sent nothing for the idle timeout; connection closed');
    raw.destroy();
  };
  raw.setTimeout(idleMs, onIdle);
  // Listening on the response as well keeps Node from closing the connection by itself when
  // the timer fires after the body has arrived (it then reports the timeout only there).
  response.raw.on('timeout', onIdle);
  raw.once('end', clear);
  raw.once('close', clear);
  response.raw.once('close', clear);
}
