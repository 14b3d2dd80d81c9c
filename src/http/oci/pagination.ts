/** `n` / `last` query parameters and the RFC 5988 Link header for the next page. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PaginationInvalidError } from '../../core/errors.js';
import type { Page } from '../../ports/metadata-store.js';
import { queryValue } from './oci-context.js';

export const MAX_PAGE_SIZE = 10_000;

export function parsePage(request: FastifyRequest, defaultLimit: number | undefined): Page {
  const n = queryValue(request, 'n');
  const last = queryValue(request, 'last');
  let limit = defaultLimit;
  if (n !== undefined && n !== '') {
    if (!/^\d+$/.test(n)) throw new PaginationInvalidError(`n must be a non-negative integer, got "${n.slice(0, 40)}"`);
    limit = Math.min(Number(n), MAX_PAGE_SIZE);
  }
  return { last: last === '' ? undefined : last, limit };
}

export function setNextLink(reply: FastifyReply, path: string, limit: number | undefined, next: string | undefined): void {
  if (next === undefined) return;
  const query = new URLSearchParams();
  if (limit !== undefined) query.set('n', String(limit));
  query.set('last', next);
  reply.header('link', `<${path}?${query.toString()}>; rel="next"`);
}
