/**
 * Serves the web UI from the in-memory bundle (ports/ui-bundle.ts): `/assets/*` are the
 * build's content-hashed files, cached for a year; every other browser path outside the API
 * prefixes gets index.html (the UI routes on the client), revalidated each time. Paths that
 * begin like an API prefix (/v2x included) keep their JSON 404, so a mistyped API URL is never
 * answered with a page. Nothing here reads the filesystem: a path can only name a bundle key.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UiBundle, UiFile } from '../../ports/ui-bundle.js';
import { edgeErrors } from '../errors/error-table.js';
import { sendError } from '../errors/error-handler.js';
import { preferredEncoding } from './accept-encoding.js';
import { notBuiltPage } from './not-built-page.js';
import { setSecurityHeaders } from './security-headers.js';

const API_PREFIXES = ['/v2', '/v1', '/api', '/token', '/healthz', '/readyz', '/metrics'];
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function registerUiRoutes(app: FastifyInstance, bundle: UiBundle): void {
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    if (API_PREFIXES.some((prefix) => path.startsWith(prefix))) return notFound(request, reply);
    setSecurityHeaders(reply);
    if (bundle.kind === 'missing') {
      return reply.code(200).header('cache-control', 'no-cache').header('content-type', 'text/html; charset=utf-8').send(notBuiltPage());
    }
    return sendFile(request, reply, bundle.index, 'no-cache');
  };
  app.get('/', page);
  app.get('/*', page);
  app.get('/assets/*', async (request, reply) => {
    setSecurityHeaders(reply);
    const key = (request.params as { '*'?: string })['*'] ?? '';
    const file = bundle.kind === 'built' ? bundle.assets.get(key) : undefined;
    if (file === undefined) return notFound(request, reply);
    return sendFile(request, reply, file, IMMUTABLE);
  });
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, edgeErrors.notFound, `no such endpoint: ${request.method} ${request.url.split('?')[0]}`);
}

function sendFile(request: FastifyRequest, reply: FastifyReply, file: UiFile, cacheControl: string): FastifyReply {
  const encoding = preferredEncoding(request.headers['accept-encoding'], { br: file.br !== undefined, gzip: file.gzip !== undefined });
  // Each encoding is its own representation, so it gets its own validator.
  const etag = encoding === 'identity' ? file.etag : `${file.etag.slice(0, -1)}-${encoding}"`;
  reply.header('cache-control', cacheControl).header('etag', etag).header('vary', 'Accept-Encoding').header('content-type', file.contentType);
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  const body = encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : file.body;
  if (encoding !== 'identity') reply.header('content-encoding', encoding);
  return reply.code(200).send(body);
}

function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
