/** The query parameters of the UI's lists: `n`, `page`, `sort` and `q`, each checked (400 otherwise). */
import type { FastifyRequest } from 'fastify';
import { MAX_PAGE_SIZE } from '../../core/browse/browse-deps.js';
import { InvalidInputError, PaginationInvalidError } from '../../core/errors.js';
import { queryOf } from './api-route.js';

const MAX_QUERY = 255;
const MAX_PAGE = 100_000;

export interface ListQuery<S extends string> {
  n: number;
  page: number;
  sort: S;
  q: string;
}

export function listQuery<S extends string>(request: FastifyRequest, sorts: readonly S[], defaults: { n: number; sort: S }): ListQuery<S> {
  const query = queryOf(request);
  const sort = query.get('sort') ?? defaults.sort;
  if (!(sorts as readonly string[]).includes(sort)) {
    throw new InvalidInputError(`sort must be one of ${sorts.join(', ')}, got "${sort.slice(0, 40)}"`, { field: 'sort' });
  }
  const q = query.get('q') ?? '';
  if (q.length > MAX_QUERY) throw new InvalidInputError(`q is ${q.length} characters long; at most ${MAX_QUERY} are accepted`, { field: 'q' });
  if (/\p{Cc}/u.test(q)) throw new InvalidInputError('q must not contain control characters', { field: 'q' });
  return { n: integer(query, 'n', defaults.n, MAX_PAGE_SIZE), page: integer(query, 'page', 1, MAX_PAGE), sort: sort as S, q };
}

function integer(query: URLSearchParams, key: string, fallback: number, max: number): number {
  const raw = query.get(key);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new PaginationInvalidError(`${key} must be an integer from 1 to ${max}, got "${raw.slice(0, 40)}"`);
  }
  return Number(raw);
}
