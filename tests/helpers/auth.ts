import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { DASHBOARD_DEFAULTS, type DashboardConfig } from '../../config/dashboard.js';
import type { Role } from '../../gateway/api/policy.js';
import { AuthService } from '../../gateway/auth/auth-service.js';
import { AuditLog } from '../../gateway/store/audit.js';

/**
 * For route tests of any part: real users and sessions in a test database, one user per role
 * (named after the role), and the headers a signed-in browser sends (session cookie + CSRF
 * token). Put `auth` and `audit` into the GatewayView given to buildApi, then
 * `app.inject({ method: 'POST', url, headers: await as(app, 'technician'), payload })`.
 */
export const TEST_PASSWORD = 'correct horse battery';

export function testAuth(
  db: Database,
  opts: { config?: Partial<DashboardConfig>; now?: () => number } = {},
): {
  auth: AuthService;
  audit: AuditLog;
  as(app: FastifyInstance, role: Role | string): Promise<Record<string, string>>;
} {
  const audit = AuditLog.open(db);
  const auth = AuthService.open({
    db,
    audit,
    config: { ...DASHBOARD_DEFAULTS, ...opts.config },
    now: opts.now ?? Date.now,
    log: pino({ level: 'silent' }),
  });
  for (const role of ['operator', 'manager', 'technician', 'admin'] as const)
    if (!auth.users.get(role)) auth.users.add(role, role, TEST_PASSWORD);
  return {
    auth,
    audit,
    async as(app, name) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { name, password: TEST_PASSWORD },
      });
      if (r.statusCode !== 200) throw new Error(`sign-in as ${name}: ${r.statusCode} ${r.body}`);
      const cookie = r.cookies.find((c) => c.name === 'lg_session');
      if (!cookie) throw new Error('no session cookie');
      return { cookie: `lg_session=${cookie.value}`, 'x-csrf-token': (r.json() as { csrf: string }).csrf };
    },
  };
}

/**
 * For tests against a running gateway (startGateway or the CLI): adds a user to the gateway's
 * auth (when given) and signs in over HTTP; returns the headers a signed-in browser sends.
 */
export async function signInHttp(
  baseUrl: string,
  user: { name: string; role: Role; auth?: AuthService },
): Promise<Record<string, string>> {
  if (user.auth && !user.auth.users.get(user.name)) user.auth.users.add(user.name, user.role, TEST_PASSWORD);
  const r = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user.name, password: TEST_PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`sign-in as ${user.name}: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrf } = (await r.json()) as { csrf: string };
  return { cookie, 'x-csrf-token': csrf };
}
