/**
 *   GET    /api/v1/projects/{name}/webhooks                    the project's webhooks
 *   POST   /api/v1/projects/{name}/webhooks                    create {url, events?, secret?, enabled?}
 *   GET    /api/v1/projects/{name}/webhooks/{id}
 *   PATCH  /api/v1/projects/{name}/webhooks/{id}               {url?, events?, secret?, enabled?}
 *   DELETE /api/v1/projects/{name}/webhooks/{id}
 *   GET    /api/v1/projects/{name}/webhooks/{id}/deliveries    ?limit= (at most 100)
 *
 * The secret is accepted, never returned; when POST has none, Berth makes one and returns it
 * in that one answer (as robot secrets are).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { WebhookAdmin, WebhookDeliveries } from '../../core/webhooks/webhook-admin.js';
import { optionalBoolean, optionalString, readJsonObject, requiredString } from './api-body.js';
import { param, queryOf, type Wrap } from './api-route.js';

const FIELDS = ['url', 'events', 'secret', 'enabled'];

export function registerWebhookRoutes(app: FastifyInstance, admin: AccessAdmin, wrap: Wrap): void {
  const webhooks = (): WebhookAdmin => {
    if (admin.webhooks === undefined) throw new NotFoundError('webhooks are not managed by this server');
    return admin.webhooks;
  };
  app.get('/api/v1/projects/:name/webhooks', wrap(async (request, _reply, actor) => ({ webhooks: await webhooks().list(actor, param(request, 'name')) })));

  app.post(
    '/api/v1/projects/:name/webhooks',
    wrap(async (request, reply, actor) => {
      const body = await readJsonObject(request, FIELDS);
      const created = await webhooks().create(actor, param(request, 'name'), {
        url: requiredString(body, 'url'),
        events: optionalEvents(body.events),
        secret: optionalString(body, 'secret'),
        enabled: optionalBoolean(body, 'enabled'),
      });
      return reply.code(201).send({ ...created.webhook, ...(created.secret === undefined ? {} : { secret: created.secret }) });
    }),
  );

  app.get('/api/v1/projects/:name/webhooks/:id', wrap(async (request, _reply, actor) => webhooks().get(actor, param(request, 'name'), idOf(request))));

  app.patch(
    '/api/v1/projects/:name/webhooks/:id',
    wrap(async (request, _reply, actor) => {
      const body = await readJsonObject(request, FIELDS);
      if (FIELDS.every((f) => !(f in body))) throw new InvalidInputError('send url, events, secret or enabled', { allowed: FIELDS });
      return webhooks().update(actor, param(request, 'name'), idOf(request), {
        url: optionalString(body, 'url'),
        events: optionalEvents(body.events),
        secret: optionalString(body, 'secret'),
        enabled: optionalBoolean(body, 'enabled'),
      });
    }),
  );

  app.delete(
    '/api/v1/projects/:name/webhooks/:id',
    wrap(async (request, reply, actor) => {
      await webhooks().remove(actor, param(request, 'name'), idOf(request));
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/projects/:name/webhooks/:id/deliveries',
    wrap(async (request, _reply, actor) => {
      const limit = queryOf(request).get('limit');
      if (limit !== null && !/^\d{1,4}$/.test(limit)) throw new InvalidInputError('limit is a whole number (at most 100 are returned)', { limit });
      return deliveriesJson(await webhooks().deliveries(actor, param(request, 'name'), idOf(request), limit === null ? undefined : Number(limit)));
    }),
  );
}

/** A non-number id is a webhook that does not exist (after the permission check, in core). */
function idOf(request: FastifyRequest): number {
  const text = param(request, 'id');
  return /^\d{1,12}$/.test(text) ? Number(text) : -1;
}

function optionalEvents(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidInputError('events is a list of event types, e.g. ["PUSH_ARTIFACT"]', { field: 'events' });
  }
  return value;
}

function deliveriesJson(result: WebhookDeliveries) {
  return {
    pending: result.pending,
    deliveries: result.deliveries.map((d) => ({
      at: new Date(d.at).toISOString(),
      status: d.status,
      latencyMs: d.latencyMs,
      attempt: d.attempt,
      ...(d.error === undefined ? {} : { error: d.error }),
    })),
  };
}
