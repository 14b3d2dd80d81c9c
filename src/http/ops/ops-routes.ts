/** Liveness, readiness and metrics endpoints for operators and orchestrators. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../core/registry/registry.js';
import type { Metrics } from './metrics.js';

export function registerOpsRoutes(app: FastifyInstance, registry: Registry, metrics: Metrics): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Each dependency separately, so a 503 says which one is down. Anyone may ask, so the answer
  // names the dependency only; why it is down (an endpoint, a bucket, an error) goes to the log.
  app.get('/readyz', async (request, reply) => {
    const readiness = await registry.readiness();
    const checks = Object.fromEntries(Object.entries(readiness).map(([name, state]) => [name, state.status]));
    const down = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    if (down.length === 0) return { status: 'ready', checks };
    request.log.warn({ readiness }, 'not ready');
    return reply.code(503).send({ status: 'unavailable', reason: `${down.join(' and ')} unavailable`, checks });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.collect()),
  );
}
