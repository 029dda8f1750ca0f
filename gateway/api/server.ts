import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { type GatewayView, machineView } from './view.js';

/**
 * The HTTP API. Routes read through the GatewayView only. Unknown machine → 404 with a code.
 */
export function buildApi(view: GatewayView, log: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/api/machines', async () => view.config.machines.map((m) => machineView(view, m)));

  app.get<{ Params: { id: string } }>('/api/machines/:id', async (req, reply) => {
    const m = view.config.machines.find((x) => x.id === req.params.id);
    if (!m) return reply.code(404).send({ code: 'LG_NOT_FOUND', message: `no machine "${req.params.id}"` });
    return machineView(view, m);
  });

  app.get('/api/health', async () => {
    const states = view.config.machines.map((m) => view.machineState(m.id)?.online ?? null);
    const online = states.filter((s) => s === true).length;
    const offline = states.filter((s) => s === false).length;
    const links = view.links();
    return {
      status: offline === 0 && links.every((l) => l.open) ? 'ok' : 'degraded',
      version: view.version,
      uptimeS: Math.round((Date.now() - view.startedAt) / 1000),
      site: view.config.site.id,
      machines: { total: states.length, online, offline, unknown: states.length - online - offline },
      offline: view.config.machines.filter((m) => view.machineState(m.id)?.online === false).map((m) => m.id),
      links,
    };
  });
  return app;
}
