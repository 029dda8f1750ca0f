import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import { SESSION_COOKIE } from './auth-hook.js';
import { PUBLIC, ROLES } from './policy.js';

const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const FAILED = {
  code: 'LG_AUTH_FAILED',
  message: 'wrong user name or password / sai tên người dùng hoặc mật khẩu',
};

/** `/api/auth/login|logout|me|setup`. Sign-in answers the same for unknown and known names. */
export function registerAuthRoutes(app: FastifyInstance, auth: AuthService | null): void {
  const secure = Boolean(auth?.config.tls);
  const setCookie = (reply: FastifyReply, id: string) =>
    reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure, path: '/' });

  app.get('/api/auth/me', { config: { policy: PUBLIC } }, async (req) => ({
    user: req.user ?? null,
    csrf: req.authSession?.csrf ?? null,
    kiosk: auth ? auth.config.kiosk : true,
    setup: auth?.needsSetup() ?? false,
  }));

  app.post<{ Body: unknown }>('/api/auth/login', { config: { policy: PUBLIC } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const name = str(b.name);
    const password = str(b.password);
    if (name === null || password === null || name.length > 200 || password.length > 1000)
      return reply.code(400).send({ code: 'LG_BAD_REQUEST', message: 'need { name, password } (strings)' });
    if (!auth) return reply.code(401).send(FAILED);
    const r = await auth.login(name, password, req.ip);
    if (!r.ok) {
      if (r.reason === 'limited')
        return reply.code(429).header('retry-after', String(r.retryAfterS)).send({
          code: 'LG_AUTH_RATE_LIMITED',
          message: 'too many tries, wait / thử quá nhiều lần, hãy chờ',
        });
      return reply.code(401).send(FAILED);
    }
    if (req.authSession) auth.sessions.delete(req.authSession.id);
    setCookie(reply, r.sessionId);
    return { user: r.user, csrf: r.csrf };
  });

  app.post('/api/auth/logout', { config: { policy: { roles: ROLES } } }, async (req, reply) => {
    if (auth && req.authSession) auth.logout(req.authSession);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.post<{ Body: unknown }>('/api/auth/setup', { config: { policy: PUBLIC } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const [token, name, password] = [str(b.token), str(b.name), str(b.password)];
    if (token === null || name === null || password === null)
      return reply.code(400).send({ code: 'LG_BAD_REQUEST', message: 'need { token, name, password }' });
    const err = auth ? auth.setup(token, name, password, req.ip) : 'no user store';
    if (err) return reply.code(403).send({ code: 'LG_FORBIDDEN', message: err });
    return { ok: true };
  });
}
