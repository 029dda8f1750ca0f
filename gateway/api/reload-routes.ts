import type { FastifyInstance } from 'fastify';
import type { GatewayView } from './view.js';

/**
 * POST /api/reload: reads the config file again and applies it (as SIGHUP does). 200 with the
 * result (`applied` | `unchanged`, the changes); 422 `LG_CONFIG_INVALID` with one
 * `file:line path: reason` per problem when the file is refused (the running config stays).
 * GET /api/reload: the reload status (count, last result). Technicians and admins only.
 */
export function registerReloadRoutes(app: FastifyInstance, view: GatewayView): void {
  const reload = view.reload;
  if (!reload) return;
  app.get('/api/reload', { config: { policy: { roles: ['technician', 'admin'] } } }, async () =>
    reload.status(),
  );
  app.post('/api/reload', { config: { policy: { roles: ['technician', 'admin'] } } }, async (_req, reply) => {
    const r = await reload.run();
    if (r.result === 'refused')
      return reply.code(422).send({
        code: r.code ?? 'LG_CONFIG_INVALID',
        message: `the new config was refused, the running one stays:\n${r.issues.join('\n')}`,
        issues: r.issues,
      });
    return r;
  });
}
