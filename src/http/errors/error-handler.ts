/**
 * The one error handler: domain errors become the OCI envelope with the table's status;
 * Fastify's own client errors keep their 4xx; anything else is a 500 UNKNOWN whose detail is
 * logged with the request id and never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../core/errors.js';
import { domainErrorOf } from '../../core/store-errors.js';
import { edgeErrors, errorTable, type WireError } from './error-table.js';

export interface Envelope {
  errors: { code: string; message: string; detail?: unknown }[];
}

export function sendError(reply: FastifyReply, wire: WireError, message?: string, detail?: unknown): FastifyReply {
  const body: Envelope = { errors: [{ code: wire.code, message: message ?? wire.message, detail: detail ?? {} }] };
  return reply.code(wire.status).header('content-type', 'application/json; charset=utf-8').send(body);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request, reply) => sendError(reply, edgeErrors.notFound, `no such endpoint: ${request.method} ${request.url.split('?')[0]}`));
}

/** Writes any thrown error as the OCI envelope (also used outside Fastify's lifecycle). */
export function replyWithError(thrown: FastifyError | RegistryError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  {
    const error = domainErrorOf(thrown) ?? thrown;
    // An error can come back before the request body was read (a chunk at the wrong offset,
    // an unknown upload). Reading gigabytes only to discard them is worse than reconnecting,
    // so an HTTP/1 connection whose request is unfinished is closed after the answer.
    if (request.raw.httpVersionMajor === 1 && !request.raw.complete) reply.header('connection', 'close');
    if (error instanceof RegistryError) {
      const wire = errorTable[error.kind];
      const retryAfter = (error.detail as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', retryAfter);
      // A server-side condition (a full disk) is the operator's to fix: it must reach the log.
      if (wire.status >= 500) request.log.error({ err: error, requestId: request.id }, error.message);
      // A quota refusal is an event project webhooks report (QUOTA_EXCEED; oci/registry-events.ts).
      if ((error.detail as { rule?: unknown } | undefined)?.rule === 'quota') request.quotaRefusal = error.message;
      return sendError(reply, wire, error.message, error.detail);
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, { code: 'UNSUPPORTED', status, message: error.message }, error.message);
    }
    request.log.error({ err: error, requestId: request.id }, 'unhandled error');
    return sendError(reply, edgeErrors.unknown, `internal error; request id ${request.id}`, { requestId: request.id });
  }
}
