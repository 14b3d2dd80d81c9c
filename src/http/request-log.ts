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
    /** performance.now() when the request arrived. */
    startedAt: number;
    /** Whether this request's log line and metrics were already written. */
    logged: boolean;
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
  app.decorateRequest('startedAt', 0);
  app.addHook('onRequest', (request, reply, done) => {
    request.socketBytesAtStart = request.raw.socket?.bytesRead ?? 0;
    request.startedAt = performance.now();
    reply.header('docker-distribution-api-version', 'registry/2.0');
    done();
  });
  app.decorateRequest('logged', false);
  const record = (request: FastifyRequest, status: number, sent: number) => {
    // A client that hangs up can trigger both hooks; the request still counts once.
    if (request.logged) return;
    request.logged = true;
    const route = request.oci?.route ?? request.routeOptions.url ?? 'unmatched';
    const received = bytesIn(request);
    const elapsedMs = performance.now() - request.startedAt;
    metrics.observeRequest(route, request.method, status, elapsedMs / 1000, received, sent);
    request.log.info(
      {
        method: request.method,
        route,
        repository: request.oci?.name || undefined,
        reference: request.oci?.reference || undefined,
        status,
        aborted: status === CLIENT_CLOSED_REQUEST || undefined,
        bytesIn: received,
        bytesOut: sent,
        durationMs: Math.round(elapsedMs * 100) / 100,
        remote: request.ip,
      },
      'request',
    );
  };
  app.addHook('onResponse', (request, reply, done) => {
    const sent = request.method === 'HEAD' ? 0 : Number(reply.getHeader('content-length') ?? 0) || 0;
    record(request, reply.statusCode, sent);
    done();
  });
  // Nginx's convention: 499 marks a request the client abandoned before its answer, so
  // interrupted uploads show up in logs and metrics instead of vanishing.
  app.addHook('onRequestAbort', (request, done) => {
    record(request, CLIENT_CLOSED_REQUEST, 0);
    done();
  });
}

const CLIENT_CLOSED_REQUEST = 499;
