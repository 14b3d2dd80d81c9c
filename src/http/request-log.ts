/**
 * One structured log line and one metrics observation per request, written when the response
 * finishes: method, route, repository, reference, status, bytes each way, duration.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from './ops/metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Socket bytes read before this request, to count a body sent without Content-Length. */
    socketBytesAtStart: number;
  }
}

function bytesIn(request: FastifyRequest): number {
  const declared = request.headers['content-length'];
  if (declared !== undefined) return Number(declared) || 0;
  const socket = request.raw.socket;
  // With HTTP/2 the socket is shared by concurrent streams, so its counter says nothing useful.
  if (!socket || request.raw.httpVersionMajor === 2) return 0;
  return Math.max(0, socket.bytesRead - request.socketBytesAtStart);
}

export function installRequestLog(app: FastifyInstance, metrics: Metrics): void {
  app.decorateRequest('socketBytesAtStart', 0);
  app.addHook('onRequest', (request, reply, done) => {
    request.socketBytesAtStart = request.raw.socket?.bytesRead ?? 0;
    reply.header('docker-distribution-api-version', 'registry/2.0');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const seconds = reply.elapsedTime / 1000;
    const route = request.oci?.route ?? request.routeOptions.url ?? 'unmatched';
    const sent = request.method === 'HEAD' ? 0 : Number(reply.getHeader('content-length') ?? 0) || 0;
    const received = bytesIn(request);
    metrics.observeRequest(route, request.method, reply.statusCode, seconds, received, sent);
    request.log.info(
        {
          method: request.method,
          route,
          repository: request.oci?.name || undefined,
          reference: request.oci?.reference || undefined,
          status: reply.statusCode,
          bytesIn: received,
          bytesOut: sent,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          remote: request.ip,
        },
        'request',
      );
    done();
  });
}
