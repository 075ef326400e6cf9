/** GET /metrics on a fastify app (the ops server), and closing the metrics with it. */
import type { FastifyInstance } from 'fastify';
import type { NodeMetrics } from './types.js';

export function registerMetricsRoute(app: FastifyInstance, metrics: NodeMetrics, path = '/metrics'): void {
  app.get(path, async (_req, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });
  // After the server stops taking scrapes: the engine hook goes away with the API that serves it.
  app.addHook('onClose', async () => {
    await metrics.close();
  });
}
