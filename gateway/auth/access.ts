import type { RequestUser, RoutePolicy } from '../api/policy.js';

/**
 * The access decision for one request: pure, tested alone. Deny by default: a route without a
 * policy is refused for everyone. A read policy admits anonymous callers only when kiosk read
 * access is on, and only for safe methods; a state-changing request on a read-only route is
 * refused (state-changing routes must name their roles).
 */
export type Access =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: 'LG_AUTH_REQUIRED' | 'LG_FORBIDDEN' | 'LG_NO_POLICY';
    };

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function decideAccess(q: {
  policy: RoutePolicy | undefined;
  method: string;
  user: RequestUser | undefined;
  kiosk: boolean;
}): Access {
  const { policy, user } = q;
  const safe = SAFE_METHODS.has(q.method);
  if (!policy) return { ok: false, status: 403, code: 'LG_NO_POLICY' };
  if ('public' in policy) return { ok: true };
  if ('read' in policy) {
    if (!safe) return { ok: false, status: 403, code: 'LG_NO_POLICY' };
    if (user || q.kiosk) return { ok: true };
    return { ok: false, status: 401, code: 'LG_AUTH_REQUIRED' };
  }
  if (!user) return { ok: false, status: 401, code: 'LG_AUTH_REQUIRED' };
  return policy.roles.includes(user.role) ? { ok: true } : { ok: false, status: 403, code: 'LG_FORBIDDEN' };
}

/**
 * Whether a state-changing request may come from where it says it comes from. A browser sends
 * Origin on every cross-site POST; it must be this gateway (or a listed origin). Without Origin,
 * Sec-Fetch-Site (when sent) must say same-origin; a non-browser client sends neither and is
 * then held by the CSRF token (or by the login itself).
 */
export function originAllowed(q: {
  origin: string | undefined;
  secFetchSite: string | undefined;
  host: string | undefined;
  protocol: 'http' | 'https';
  allowed: readonly string[];
}): boolean {
  if (q.origin !== undefined) {
    if (q.origin === 'null') return false;
    return (q.host !== undefined && q.origin === `${q.protocol}://${q.host}`) || q.allowed.includes(q.origin);
  }
  if (q.secFetchSite !== undefined) return q.secFetchSite === 'same-origin' || q.secFetchSite === 'none';
  return true;
}
