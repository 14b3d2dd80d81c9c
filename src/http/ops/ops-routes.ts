/** Liveness, readiness and metrics endpoints for operators and orchestrators. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../core/registry/registry.js';
import type { Metrics } from './metrics.js';

export function registerOpsRoutes(app: FastifyInstance, registry: Registry, metrics: Metrics): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await registry.ready();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      return reply.code(503).send({ status: 'unavailable', reason: (error as Error).message });
    }
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.collect()),
  );
}
