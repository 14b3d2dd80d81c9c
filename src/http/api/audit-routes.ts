/**
 *   GET /api/v1/audit?actor=&action=&repository=&since=&until=&before=&limit=
 *       {events, next}: newest first; pass `next` as `before` for the following page.
 *       With `Accept: application/x-ndjson` or `?format=jsonl`: every matching event as JSON
 *       lines, streamed (limit and paging do not apply).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import { auditJson, type AuditFilter, type StoredAuditEvent } from '../../core/access/audit-query.js';
import { InvalidInputError } from '../../core/errors.js';
import { queryOf, type Wrap } from './api-route.js';

const JSON_LINES = 'application/x-ndjson';

export function registerAuditRoutes(app: FastifyInstance, admin: AccessAdmin, wrap: Wrap): void {
  app.get(
    '/api/v1/audit',
    wrap(async (request, reply, actor) => {
      const query = queryOf(request);
      const filter = filterOf(query);
      if (wantsJsonLines(request, query)) {
        const events = await admin.audit.export(actor, filter);
        return reply.type(JSON_LINES).send(Readable.from(lines(events)));
      }
      const limit = integer(query, 'limit');
      const page = await admin.audit.query(actor, { ...filter, limit });
      return { events: page.events.map(auditJson), next: page.next };
    }),
  );
}

function wantsJsonLines(request: FastifyRequest, query: URLSearchParams): boolean {
  const format = query.get('format');
  if (format !== null && format !== 'json' && format !== 'jsonl') throw new InvalidInputError('format must be json or jsonl', { format });
  return format === 'jsonl' || (format === null && (request.headers.accept ?? '').includes(JSON_LINES));
}

async function* lines(events: AsyncIterable<StoredAuditEvent>): AsyncGenerator<string> {
  for await (const event of events) yield `${JSON.stringify(auditJson(event))}\n`;
}

function filterOf(query: URLSearchParams): Omit<AuditFilter, 'limit'> {
  return {
    actor: query.get('actor') ?? undefined,
    action: query.get('action') ?? undefined,
    repository: query.get('repository') ?? undefined,
    since: instant(query, 'since'),
    until: instant(query, 'until'),
    before: integer(query, 'before'),
  };
}

function instant(query: URLSearchParams, key: string): Date | undefined {
  const text = query.get(key);
  if (text === null) return undefined;
  const at = new Date(text);
  if (text === '' || Number.isNaN(at.getTime())) throw new InvalidInputError(`${key} must be an RFC 3339 time, e.g. 2025-03-01T00:00:00Z`, { [key]: text });
  return at;
}

function integer(query: URLSearchParams, key: string): number | undefined {
  const text = query.get(key);
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new InvalidInputError(`${key} must be a whole number`, { [key]: text });
  return Number(text);
}
