import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyServerOptions, HTTPMethods } from 'fastify';
import { DASHBOARD_DEFAULTS, type DashboardConfig } from '../../config/dashboard.js';
import type { LinegateConfig } from '../../config/types.js';
import { registerAdminRoutes } from './admin-routes.js';
import { installAuthHook } from './auth-hook.js';
import { registerAuthRoutes } from './auth-routes.js';
import { installErrorHandler } from './error-handler.js';
import type { RoutePolicy } from './policy.js';
import { registerStaticRoutes } from './static-routes.js';
import { registerStreamRoutes } from './stream-routes.js';
import type { GatewayView } from './view.js';

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly policy: RoutePolicy | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, with its policy (for the role-matrix test and the docs). */
    routeTable: RouteEntry[];
  }
}

export function dashboardConfig(config: LinegateConfig): DashboardConfig {
  return config.dashboard ?? DASHBOARD_DEFAULTS;
}

/** Fastify options the dashboard needs: body limit, TLS. */
export function serverOptions(config: LinegateConfig): Pick<FastifyServerOptions, 'bodyLimit'> & {
  https?: { cert: Buffer; key: Buffer };
} {
  const d = dashboardConfig(config);
  return {
    bodyLimit: d.bodyLimitBytes,
    ...(d.tls ? { https: { cert: readFileSync(d.tls.cert), key: readFileSync(d.tls.key) } } : {}),
  };
}

/**
 * Security headers, cookies, the auth gate, the error format, and the dashboard's own routes
 * (auth, users, audit, config, stream, the web UI). Call right after creating the app, before
 * any other route, so that the route table sees every route.
 */
export function installDashboard(app: FastifyInstance, view: GatewayView): void {
  const config = dashboardConfig(view.config);
  const auth = view.auth ?? null;
  app.decorate('routeTable', [] as RouteEntry[]);
  app.addHook('onRoute', (r) => {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]) as HTTPMethods[];
    for (const method of methods)
      if (method !== 'HEAD') app.routeTable.push({ method, url: r.url, policy: r.config?.policy });
  });
  installErrorHandler(app);
  void app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'upgrade-insecure-requests': null, 'img-src': ["'self'", 'data:'] },
    },
    hsts: config.tls ? { maxAge: 15_552_000 } : false,
    crossOriginEmbedderPolicy: false,
  });
  void app.register(fastifyCookie);
  app.after(() => installAuthHook(app, { auth, config }));
  registerAuthRoutes(app, auth);
  registerAdminRoutes(app, { view, auth, audit: view.audit ?? null });
  registerStreamRoutes(app, view);
  registerStaticRoutes(app);
}
