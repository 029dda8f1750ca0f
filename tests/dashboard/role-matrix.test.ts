import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../gateway/api/dashboard.js';
import { ROLES } from '../../gateway/api/policy.js';
import { decideAccess } from '../../gateway/auth/access.js';
import { type Harness, harness, IDENTITIES, type Identity, type Login, login } from './harness.js';

/**
 * Every registered route × {anonymous, operator, manager, technician, admin}: the answer must
 * be what the route's declared policy says (401/403 when refused; neither, and never a 5xx,
 * when admitted). A route without a policy fails this test. Routes other branches add to
 * buildApi are walked too.
 */
const withoutPolicy = (rs: readonly RouteEntry[]) =>
  rs.filter((r) => r.policy === undefined).map((r) => `${r.method} ${r.url}`);
const concrete = (url: string) => url.replace(/:[^/]+/g, 'x').replace(/\*$/, 'x');

describe('role matrix over every route', () => {
  let h: Harness;
  const sessions = new Map<Identity, Login | null>();
  let routes: RouteEntry[];
  let base: string;

  beforeAll(async () => {
    h = harness();
    await h.app.ready();
    routes = [...h.app.routeTable];
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    sessions.set('anonymous', null);
    for (const role of ROLES) sessions.set(role, await login(h.app, role));
  });
  afterAll(() => h.close());

  it('finds the dashboard routes and every route names a policy', () => {
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    for (const k of ['POST /api/auth/login', 'GET /api/users', 'DELETE /api/users/:name', 'GET /api/audit'])
      expect(keys).toContain(k);
    expect(withoutPolicy(routes), 'routes without config.policy').toEqual([]);
  });

  it('answers each route × identity as its policy says, never a 5xx', async () => {
    const table: string[] = [];
    for (const r of routes) {
      for (const who of IDENTITIES) {
        const s = sessions.get(who) ?? null;
        const user = who === 'anonymous' ? undefined : { name: who, role: who };
        const want = decideAccess({ policy: r.policy, method: r.method, user, kiosk: false });
        const url = concrete(r.url);
        const headers: Record<string, string> = s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {};
        let status: number;
        if (r.url === '/api/stream') {
          const ac = new AbortController();
          const res = await fetch(`${base}${url}`, { headers, signal: ac.signal });
          status = res.status;
          ac.abort();
        } else {
          const payload = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
          const res = await h.app.inject({
            method: r.method as 'GET',
            url,
            headers,
            ...(payload ? { payload } : {}),
          });
          status = res.statusCode;
          expect(res.body, `${r.method} ${url} as ${who}`).not.toMatch(/\n\s+at /);
        }
        table.push(`${r.method} ${r.url} ${who} ${status}`);
        // Signing out ends the session the matrix uses: sign in again.
        if (r.url === '/api/auth/logout' && who !== 'anonymous') sessions.set(who, await login(h.app, who));
        expect(status, `${r.method} ${url} as ${who}`).toBeLessThan(500);
        if (want.ok) expect([401, 403], `${r.method} ${url} as ${who}: admitted`).not.toContain(status);
        else expect(status, `${r.method} ${url} as ${who}: refused`).toBe(want.status);
      }
    }
    expect(table.length).toBe(routes.length * IDENTITIES.length);
  });

  it('with kiosk read access on, anonymous gets every read route and no other', async () => {
    const k = harness({ kiosk: true });
    await k.app.ready();
    try {
      const kbase = await k.app.listen({ host: '127.0.0.1', port: 0 });
      for (const r of k.app.routeTable) {
        const want = decideAccess({ policy: r.policy, method: r.method, user: undefined, kiosk: true });
        const url = concrete(r.url);
        let status: number;
        if (r.url === '/api/stream') {
          const ac = new AbortController();
          status = (await fetch(`${kbase}${url}`, { signal: ac.signal })).status;
          ac.abort();
        } else {
          const payload = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
          status = (await k.app.inject({ method: r.method as 'GET', url, ...(payload ? { payload } : {}) }))
            .statusCode;
        }
        expect(status, `${r.method} ${url}`).toBeLessThan(500);
        if (want.ok) expect([401, 403], `${r.method} ${url}: admitted`).not.toContain(status);
        else expect(status, `${r.method} ${url}: refused`).toBe(want.status);
        if (r.method !== 'GET')
          expect(want.ok && !('public' in (r.policy ?? {})), `${r.method} ${url}`).toBe(false);
      }
    } finally {
      await k.close();
    }
  });

  it('spells out the dashboard routes: users admin only, audit manager + admin', async () => {
    const status = async (who: Identity, method: 'GET' | 'POST', url: string) => {
      const s = sessions.get(who) ?? null;
      const r = await h.app.inject({
        method,
        url,
        headers: s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {},
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      return r.statusCode;
    };
    expect(await Promise.all(IDENTITIES.map((w) => status(w, 'GET', '/api/users')))).toEqual([
      401, 403, 403, 403, 200,
    ]);
    expect(await Promise.all(IDENTITIES.map((w) => status(w, 'GET', '/api/audit')))).toEqual([
      401, 403, 200, 403, 200,
    ]);
    expect(await Promise.all(IDENTITIES.map((w) => status(w, 'GET', '/api/machines')))).toEqual([
      401, 200, 200, 200, 200,
    ]);
    expect(await Promise.all(IDENTITIES.map((w) => status(w, 'POST', '/api/users')))).toEqual([
      401, 403, 403, 403, 400,
    ]);
  });

  it('refuses a route registered without a policy, for every role, and the check above names it', async () => {
    const h2 = harness();
    h2.app.get('/api/naked', async () => ({ secret: 42 }));
    await h2.app.ready();
    try {
      expect(withoutPolicy(h2.app.routeTable)).toEqual(['GET /api/naked']);
      const admin = await login(h2.app, 'admin');
      for (const headers of [{}, { cookie: admin.cookie }]) {
        const r = await h2.app.inject({ url: '/api/naked', headers });
        expect(r.statusCode).toBe(403);
        expect(r.json()).toMatchObject({ code: 'LG_NO_POLICY' });
      }
    } finally {
      await h2.close();
    }
  });
});
