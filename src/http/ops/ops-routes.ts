/** Liveness, readiness and metrics endpoints for operators and orchestrators. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../core/registry/registry.js';
import type { Metrics } from './metrics.js';

export function registerOpsRoutes(app: FastifyInstance, registry: Registry, metrics: Metrics): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const checks = await registry.readiness();
    const down = Object.entries(checks).flatMap(([name, c]) => (c.status === 'ok' ? [] : [`${name}: ${c.reason}`]));
    if (down.length === 0) return { status: 'ready', checks };
    request.log.warn({ checks }, 'not ready');
    return reply.code(503).send({ status: 'unavailable', reason: down.join('; '), checks });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.collect()),
  );
}
