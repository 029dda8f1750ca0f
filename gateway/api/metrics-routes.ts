import type { FastifyInstance } from 'fastify';
import { PUBLIC, type RoutePolicy } from './policy.js';
import type { GatewayView } from './view.js';

/** What GET /metrics serves: the Prometheus text of the gateway's own registry. */
export interface MetricsEndpoint {
  render(): Promise<{ contentType: string; body: string }>;
  /** Default PUBLIC: Prometheus scrapes without a session (see docs/operations.md). */
  readonly policy?: RoutePolicy;
}

/** `GET /metrics` (Prometheus text format 0.0.4); 404 with a code when metrics are off. */
export function registerMetricsRoutes(app: FastifyInstance, view: GatewayView): void {
  app.get('/metrics', { config: { policy: view.metrics?.policy ?? PUBLIC } }, async (_req, reply) => {
    if (!view.metrics)
      return reply.code(404).send({ code: 'LG_NOT_FOUND', message: 'metrics are not enabled' });
    const { contentType, body } = await view.metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
