import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../../config/paths.js';
import { PUBLIC } from './policy.js';

/** Where `npm run build` puts the bundled web UI (dashboard/build.mjs). */
export const DASHBOARD_DIST = join(packageRoot(), 'dashboard', 'dist');

/**
 * The web UI: `/` and the bundle's files, public (the page itself holds no data; every data
 * route has its own policy). Unknown `/api/...` paths stay JSON 404s.
 */
export function registerStaticRoutes(app: FastifyInstance, root = DASHBOARD_DIST): void {
  void app.register(fastifyStatic, { root, serve: false });
  const index = (reply: { sendFile(f: string): unknown; code(n: number): { send(b: unknown): unknown } }) =>
    existsSync(join(root, 'index.html'))
      ? reply.sendFile('index.html')
      : reply.code(404).send({ code: 'LG_NOT_FOUND', message: 'web UI not built: run npm run build' });
  app.get('/', { config: { policy: PUBLIC } }, async (_req, reply) => index(reply));
  app.get<{ Params: { '*': string } }>('/assets/*', { config: { policy: PUBLIC } }, async (req, reply) => {
    const file = req.params['*'];
    if (!/^[\w.-]+$/.test(file) || !existsSync(join(root, 'assets', file)))
      return reply.code(404).send({ code: 'LG_NOT_FOUND', message: 'no such file' });
    return reply.header('cache-control', 'public, max-age=3600').sendFile(join('assets', file));
  });
}
