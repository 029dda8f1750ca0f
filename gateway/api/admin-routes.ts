import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import { isRole } from '../auth/user-store.js';
import type { AuditLog } from '../store/audit.js';
import { actorOf, READ } from './policy.js';
import { redact } from './redact.js';
import type { GatewayView } from './view.js';

const ADMIN = { policy: { roles: ['admin'] as const } };
const num = (x: string | undefined) => (x === undefined || x === '' ? undefined : Number(x));
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/**
 * `/api/users` (admin), `/api/audit` (manager, admin; read only: there is no route that
 * changes or deletes an audit record), `/api/config` (admin; secrets redacted).
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  deps: { view: GatewayView; auth: AuthService | null; audit: AuditLog | null },
): void {
  const { auth } = deps;
  const noStore = { code: 'LG_NOT_FOUND', message: 'no user store / chưa có kho người dùng' };

  app.get('/api/users', { config: ADMIN }, async (_req, reply) =>
    auth ? { users: auth.users.list() } : reply.code(404).send(noStore),
  );

  app.post<{ Body: unknown }>('/api/users', { config: ADMIN }, async (req, reply) => {
    if (!auth) return reply.code(404).send(noStore);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const [name, password, role] = [str(b.name), str(b.password), b.role];
    const bad =
      name === undefined || password === undefined || !isRole(role)
        ? 'need { name, password, role }'
        : auth.userProblem(name, password);
    if (bad || name === undefined || password === undefined || !isRole(role))
      return reply.code(400).send({ code: 'LG_BAD_REQUEST', message: bad ?? 'bad request' });
    if (!auth.users.add(name, role, password)) {
      auth.audit(actorOf(req), 'user.add', name, 'failed', { why: 'exists' });
      return reply.code(409).send({ code: 'LG_CONFLICT', message: `user "${name}" exists` });
    }
    auth.audit(actorOf(req), 'user.add', name, 'ok', { role });
    return reply.code(201).send(auth.users.get(name));
  });

  app.put<{ Params: { name: string }; Body: unknown }>(
    '/api/users/:name',
    { config: ADMIN },
    async (req, reply) => {
      if (!auth) return reply.code(404).send(noStore);
      const { name } = req.params;
      const user = auth.users.get(name);
      if (!user) return reply.code(404).send({ code: 'LG_NOT_FOUND', message: `no user "${name}"` });
      const b = (req.body ?? {}) as Record<string, unknown>;
      const role = b.role;
      const password = str(b.password);
      if ((role !== undefined && !isRole(role)) || (b.password !== undefined && password === undefined))
        return reply
          .code(400)
          .send({ code: 'LG_BAD_REQUEST', message: 'role must be a role, password a string' });
      const bad = password === undefined ? null : auth.userProblem(name, password);
      if (bad) return reply.code(400).send({ code: 'LG_BAD_REQUEST', message: bad });
      if (isRole(role) && role !== 'admin' && user.role === 'admin' && auth.users.admins() <= 1)
        return reply.code(409).send({ code: 'LG_CONFLICT', message: 'the last admin keeps the admin role' });
      if (isRole(role)) auth.users.setRole(name, role);
      if (password !== undefined) {
        auth.users.setPassword(name, password);
        auth.sessions.deleteForUser(name);
      }
      auth.audit(actorOf(req), 'user.change', name, 'ok', {
        ...(isRole(role) ? { role, was: user.role } : {}),
        ...(password !== undefined ? { password: 'changed' } : {}),
      });
      return auth.users.get(name);
    },
  );

  app.delete<{ Params: { name: string } }>('/api/users/:name', { config: ADMIN }, async (req, reply) => {
    if (!auth) return reply.code(404).send(noStore);
    const { name } = req.params;
    const user = auth.users.get(name);
    if (!user) return reply.code(404).send({ code: 'LG_NOT_FOUND', message: `no user "${name}"` });
    if (user.role === 'admin' && auth.users.admins() <= 1)
      return reply.code(409).send({ code: 'LG_CONFLICT', message: 'the last admin cannot be removed' });
    auth.users.remove(name);
    auth.sessions.deleteForUser(name);
    auth.audit(actorOf(req), 'user.remove', name, 'ok', { role: user.role });
    return { ok: true };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/api/audit',
    { config: { policy: { roles: ['manager', 'admin'] } } },
    async (req, reply) => {
      if (!deps.audit) return reply.code(404).send({ code: 'LG_NOT_FOUND', message: 'no audit log' });
      const q = req.query;
      const nums = { from: num(q.from), to: num(q.to), limit: num(q.limit), before: num(q.before) };
      if (Object.values(nums).some((v) => v !== undefined && !Number.isFinite(v)))
        return reply.code(400).send({ code: 'LG_BAD_REQUEST', message: 'from, to, limit, before: numbers' });
      return {
        records: deps.audit.list({
          ...Object.fromEntries(Object.entries(nums).filter(([, v]) => v !== undefined)),
          ...(q.actor ? { actor: q.actor } : {}),
          ...(q.action ? { action: q.action } : {}),
          ...(q.target ? { target: q.target } : {}),
        }),
      };
    },
  );

  app.get('/api/config', { config: ADMIN }, async () => redact(deps.view.config));

  /** Site name, time zone and line names for the board (what any reader may see). */
  app.get('/api/site', { config: { policy: READ } }, async () => {
    const c = deps.view.config;
    return { id: c.site.id, name: c.site.name, timezone: c.site.timezone, lines: c.lines };
  });
}
