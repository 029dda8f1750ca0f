import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { StoreStats } from '../store/index.js';
import { registerAlarmRoutes } from './alarm-routes.js';
import { installDashboard, serverOptions } from './dashboard.js';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';
import { registerMetricsRoutes } from './metrics-routes.js';
import { PUBLIC, READ } from './policy.js';
import { registerProductionRoutes } from './production-routes.js';
import { registerReloadRoutes } from './reload-routes.js';
import { type GatewayView, machineView } from './view.js';

function storeHealth(s: StoreStats) {
  return {
    path: s.path,
    usedBytes: s.usedBytes,
    maxBytes: s.maxBytes,
    capBytes: s.capBytes,
    fsAvailBytes: s.fsAvailBytes,
    rawRows: s.rawRows,
    shed: s.shed,
    droppedMemory: s.droppedMemory,
    writer: {
      full: s.writer.full,
      pendingSamples: s.writer.pendingSamples,
      pendingEvents: s.writer.pendingEvents,
      lastError: s.writer.lastError,
      unchangedNotStored: s.writer.unchangedNotStored ?? 0,
    },
    sinks: s.sinks,
    ...(s.ram ? { ram: s.ram } : {}),
  };
}

/**
 * The HTTP API. Routes read through the GatewayView only. Unknown machine → 404 with a code.
 */
export function buildApi(view: GatewayView, log: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Live streams (SSE) stay open: close every connection at stop instead of waiting for them.
    forceCloseConnections: true,
    schemaController: lazySchemaCompilers(),
    ...serverOptions(view.config),
  }) as unknown as FastifyInstance;
  installDashboard(app, view);

  app.get('/api/machines', { config: { policy: READ } }, async () =>
    view.config.machines.map((m) => machineView(view, m)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/machines/:id',
    { config: { policy: READ } },
    async (req, reply) => {
      const m = view.config.machines.find((x) => x.id === req.params.id);
      if (!m) return reply.code(404).send({ code: 'LG_NOT_FOUND', message: `no machine "${req.params.id}"` });
      return machineView(view, m);
    },
  );

  app.get('/api/health', { config: { policy: PUBLIC } }, async () => {
    const states = view.config.machines.map((m) => view.machineState(m.id)?.online ?? null);
    const online = states.filter((s) => s === true).length;
    const offline = states.filter((s) => s === false).length;
    const links = view.links();
    const storage = view.storage?.();
    const sinksOk = (storage?.sinks ?? []).every((s) => s.state === 'idle' || s.state === 'sending');
    return {
      status: offline === 0 && links.every((l) => l.open) && sinksOk ? 'ok' : 'degraded',
      version: view.version,
      uptimeS: Math.round((Date.now() - view.startedAt) / 1000),
      site: view.config.site.id,
      machines: { total: states.length, online, offline, unknown: states.length - online - offline },
      offline: view.config.machines.filter((m) => view.machineState(m.id)?.online === false).map((m) => m.id),
      links,
      ...(storage ? { store: storeHealth(storage.store), sinks: storage.sinks } : {}),
      ...(view.reload ? { reload: view.reload.status() } : {}),
    };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/api/history',
    { config: { policy: READ } },
    async (req, reply) => {
      const q = req.query;
      const now = Date.now();
      const from = q.from === undefined ? now - 3_600_000 : Date.parse(q.from) || Number(q.from);
      const to = q.to === undefined ? now : Date.parse(q.to) || Number(q.to);
      const maxPoints = q.maxPoints === undefined ? 1000 : Number(q.maxPoints);
      if (
        !q.machine ||
        !q.point ||
        !Number.isFinite(from) ||
        !Number.isFinite(to) ||
        to < from ||
        !(maxPoints >= 1)
      ) {
        return reply.code(400).send({
          code: 'LG_BAD_REQUEST',
          message: 'need machine, point, and from <= to (ISO time or epoch ms); maxPoints >= 1',
        });
      }
      if (!view.config.machines.some((m) => m.id === q.machine))
        return reply.code(404).send({ code: 'LG_NOT_FOUND', message: `no machine "${q.machine}"` });
      if (!view.history) return reply.code(503).send({ code: 'LG_NOT_FOUND', message: 'no local store' });
      return {
        machine: q.machine,
        point: q.point,
        from,
        to,
        ...view.history({ machine: q.machine, point: q.point, from, to, maxPoints }),
      };
    },
  );
  registerAlarmRoutes(app, view);
  registerProductionRoutes(app, view);
  registerReloadRoutes(app, view);
  registerMetricsRoutes(app, view);
  return app;
}
