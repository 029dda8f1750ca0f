import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardConfig } from '../../config/dashboard.js';
import { decideAccess, originAllowed, SAFE_METHODS } from '../auth/access.js';
import type { AuthService, ResolvedSession } from '../auth/auth-service.js';

export const SESSION_COOKIE = 'lg_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's session (absent for anonymous), set by the auth hook. */
    authSession?: ResolvedSession;
  }
}

function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function refuse(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ code, message });
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The one gate every request passes (onRequest, before the body is read): session from the
 * cookie → `req.user`; route policy (deny by default); for a state-changing request, the
 * Origin check and, on any non-public route, the CSRF token (`x-csrf-token` must equal the
 * session's token, which the client gets from login and /api/auth/me).
 * Unknown URLs fall through to the not-found handler (404), so they tell nothing more.
 */
export function installAuthHook(
  app: FastifyInstance,
  deps: { auth: AuthService | null; config: DashboardConfig },
): void {
  const kiosk = deps.auth ? deps.config.kiosk : true;
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return;
    const session = deps.auth?.resolve(req.cookies?.[SESSION_COOKIE]) ?? null;
    if (session) {
      req.authSession = session;
      req.user = session.user;
    }
    const policy = req.routeOptions.config.policy;
    const access = decideAccess({ policy, method: req.method, user: req.user, kiosk });
    if (!access.ok) {
      const message =
        access.code === 'LG_AUTH_REQUIRED'
          ? 'sign in first / cần đăng nhập'
          : access.code === 'LG_FORBIDDEN'
            ? 'your role may not do this / vai trò của bạn không được phép'
            : 'this route has no access policy / đường dẫn chưa có chính sách truy cập';
      return refuse(reply, access.status, access.code, message);
    }
    if (SAFE_METHODS.has(req.method)) return;
    const origin = {
      origin: header(req, 'origin'),
      secFetchSite: header(req, 'sec-fetch-site'),
      host: header(req, 'host'),
      protocol: deps.config.tls ? ('https' as const) : ('http' as const),
      allowed: deps.config.allowedOrigins,
    };
    if (!originAllowed(origin))
      return refuse(reply, 403, 'LG_CSRF', 'cross-origin request refused / yêu cầu từ trang khác bị từ chối');
    if (policy && 'public' in policy) return;
    if (!session || !sameToken(header(req, 'x-csrf-token'), session.csrf))
      return refuse(reply, 403, 'LG_CSRF', 'missing or wrong x-csrf-token / thiếu mã chống giả mạo');
  });
}
