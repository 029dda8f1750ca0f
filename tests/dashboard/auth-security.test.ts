import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, login, PASSWORD } from './harness.js';

/** Sign-in, sessions, CSRF, limits and the audit trail, through the real API (inject). */
let h: Harness;
afterEach(() => h?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('login brute force', () => {
  it('locks an account after 5 failures, even for the right password, and answers unknown names the same', async () => {
    h = harness();
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const known = await post('/api/auth/login', { name: 'admin', password: `wrong-${i}` }, {});
      const unknown = await post('/api/auth/login', { name: 'nobody', password: `wrong-${i}` });
      expect(known.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(unknown.body).toBe(known.body);
      answers.push(known.body);
    }
    const right = await post('/api/auth/login', { name: 'admin', password: PASSWORD });
    expect(right.statusCode).toBe(429);
    expect(right.headers['retry-after']).toBeDefined();
    expect(right.cookies).toEqual([]);
    const unknown = await post('/api/auth/login', { name: 'nobody', password: PASSWORD });
    expect(unknown.statusCode).toBe(429);
    expect(unknown.json()).toEqual(right.json());
    // The other accounts from the same address still work (10 failures < 20 per IP).
    expect((await post('/api/auth/login', { name: 'operator', password: PASSWORD })).statusCode).toBe(200);
    h.clock.t += 15 * 60_000 + 1;
    expect((await post('/api/auth/login', { name: 'admin', password: PASSWORD })).statusCode).toBe(200);
    const failed = h.audit.list({ action: 'auth.login-failed' });
    expect(failed.length).toBe(12);
    expect(failed.filter((r) => r.result === 'denied').length).toBe(2);
  });

  it('locks an address after 20 failures over many names', async () => {
    h = harness();
    for (let i = 0; i < 20; i++)
      expect((await post('/api/auth/login', { name: `user${i}`, password: 'x' })).statusCode).toBe(401);
    expect((await post('/api/auth/login', { name: 'manager', password: PASSWORD })).statusCode).toBe(429);
  });
});

describe('sessions', () => {
  it('issues a new session id at login (no fixation) and ends the old one', async () => {
    h = harness();
    const planted = 'lg_session=AttackerChosenSessionId0123456789abcdef';
    const r = await post('/api/auth/login', { name: 'admin', password: PASSWORD }, { cookie: planted });
    const set = r.cookies.find((c) => c.name === 'lg_session');
    expect(set?.value).toBeDefined();
    expect(`lg_session=${set?.value}`).not.toBe(planted);
    expect((await h.app.inject({ url: '/api/users', headers: { cookie: planted } })).statusCode).toBe(401);
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(set?.secure).toBeFalsy();
    const first = await login(h.app, 'admin');
    const second = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: 'admin', password: PASSWORD },
      headers: { cookie: first.cookie },
    });
    const next = second.cookies.find((c) => c.name === 'lg_session')?.value;
    expect(next).toBeDefined();
    expect(`lg_session=${next}`).not.toBe(first.cookie);
    expect((await h.app.inject({ url: '/api/users', headers: { cookie: first.cookie } })).statusCode).toBe(
      401,
    );
  });

  it('ends the session on the server at logout and after the idle timeout', async () => {
    h = harness();
    const s = await login(h.app, 'technician');
    const me = () => h.app.inject({ url: '/api/machines', headers: { cookie: s.cookie } });
    expect((await me()).statusCode).toBe(200);
    const out = await post('/api/auth/logout', {}, { cookie: s.cookie, 'x-csrf-token': s.csrf });
    expect(out.statusCode).toBe(200);
    expect((await me()).statusCode).toBe(401);
    const s2 = await login(h.app, 'technician');
    h.clock.t += 479 * 60_000;
    expect((await h.app.inject({ url: '/api/machines', headers: { cookie: s2.cookie } })).statusCode).toBe(
      200,
    );
    h.clock.t += 481 * 60_000;
    expect((await h.app.inject({ url: '/api/machines', headers: { cookie: s2.cookie } })).statusCode).toBe(
      401,
    );
  });

  it('ends a busy session after its absolute lifetime (24 h) and sweeps it', async () => {
    h = harness();
    const s = await login(h.app, 'manager');
    const read = () => h.app.inject({ url: '/api/machines', headers: { cookie: s.cookie } });
    // Used every 4 hours: never idle, yet it ends 24 h after sign-in.
    for (let i = 0; i < 5; i++) {
      h.clock.t += 4 * 3_600_000;
      expect((await read()).statusCode).toBe(200);
    }
    h.clock.t += 4 * 3_600_000 + 1;
    expect((await read()).statusCode).toBe(401);
    const other = await login(h.app, 'operator');
    h.clock.t += 24 * 3_600_000 + 1;
    expect(h.auth.sessions.sweep()).toBe(1);
    expect((await h.app.inject({ url: '/api/machines', headers: { cookie: other.cookie } })).statusCode).toBe(
      401,
    );
  });
});

describe('CSRF and request limits', () => {
  it('refuses a cross-origin POST even with a valid session and token; needs the token same-origin', async () => {
    h = harness();
    const s = await login(h.app, 'admin');
    const body = { name: 'lan', role: 'operator', password: 'a long password' };
    const evil = await post('/api/users', body, {
      cookie: s.cookie,
      'x-csrf-token': s.csrf,
      origin: 'http://evil.example',
      host: 'gw.local:8080',
    });
    expect(evil.statusCode).toBe(403);
    expect(evil.json()).toMatchObject({ code: 'LG_CSRF' });
    const site = await post('/api/users', body, { cookie: s.cookie, 'sec-fetch-site': 'cross-site' });
    expect(site.statusCode).toBe(403);
    const noToken = await post('/api/users', body, {
      cookie: s.cookie,
      origin: 'http://gw.local:8080',
      host: 'gw.local:8080',
    });
    expect(noToken.json()).toMatchObject({ code: 'LG_CSRF' });
    const wrongToken = await post('/api/users', body, { cookie: s.cookie, 'x-csrf-token': `${s.csrf}x` });
    expect(wrongToken.statusCode).toBe(403);
    const crossLogin = await post(
      '/api/auth/login',
      { name: 'admin', password: PASSWORD },
      { origin: 'http://evil.example', host: 'gw.local' },
    );
    expect(crossLogin.statusCode).toBe(403);
    const ok = await post('/api/users', body, {
      cookie: s.cookie,
      'x-csrf-token': s.csrf,
      origin: 'http://gw.local:8080',
      host: 'gw.local:8080',
    });
    expect(ok.statusCode).toBe(201);
    expect(h.audit.list({ action: 'user.add' })[0]).toMatchObject({
      actor: 'admin',
      target: 'lan',
      result: 'ok',
    });
  });

  it('answers a too-large body with 413 and malformed JSON with 400, never a 5xx or a stack', async () => {
    h = harness();
    const big = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'admin', password: 'x'.repeat(70_000) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'LG_BODY_TOO_LARGE' });
    for (const payload of ['{"name":', '{name: admin}', '\u0000', '[1,2', '"x']) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(r.statusCode, payload).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, payload).toBeLessThan(500);
      expect(r.json()).toHaveProperty('code');
      expect(r.body).not.toMatch(/\n\s+at |node_modules/);
    }
    const s = await login(h.app, 'admin');
    const wrongType = await h.app.inject({
      method: 'PUT',
      url: '/api/users/operator',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      payload: '{"role": ',
    });
    expect(wrongType.statusCode).toBe(400);
  });

  it('sends security headers', async () => {
    h = harness();
    const r = await h.app.inject('/api/auth/me');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBeDefined();
  });
});

describe('users, audit, config', () => {
  it('lets an admin add, change and remove users, keeps the last admin, audits every change', async () => {
    h = harness();
    const s = await login(h.app, 'admin');
    const hdr = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    const add = await post('/api/users', { name: 'lan', role: 'operator', password: 'short' }, hdr);
    expect(add.statusCode).toBe(400);
    expect(
      (await post('/api/users', { name: 'lan', role: 'operator', password: 'long enough' }, hdr)).statusCode,
    ).toBe(201);
    expect(
      (await post('/api/users', { name: 'lan', role: 'operator', password: 'long enough' }, hdr)).statusCode,
    ).toBe(409);
    const lan = await login(h.app, 'lan', 'long enough');
    const put = await h.app.inject({
      method: 'PUT',
      url: '/api/users/lan',
      headers: hdr,
      payload: { role: 'manager' },
    });
    expect(put.json()).toMatchObject({ name: 'lan', role: 'manager' });
    expect((await h.app.inject({ url: '/api/audit', headers: { cookie: lan.cookie } })).statusCode).toBe(200);
    const del = await h.app.inject({ method: 'DELETE', url: '/api/users/lan', headers: hdr });
    expect(del.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/audit', headers: { cookie: lan.cookie } })).statusCode).toBe(401);
    const last = await h.app.inject({ method: 'DELETE', url: '/api/users/admin', headers: hdr });
    expect(last.statusCode).toBe(409);
    const audit = (await h.app.inject({ url: '/api/audit?action=user.', headers: hdr })).json() as {
      records: { action: string; target: string }[];
    };
    expect(audit.records.map((r) => r.action)).toEqual([
      'user.remove',
      'user.change',
      'user.add',
      'user.add',
    ]);
    expect(h.app.routeTable.filter((r) => r.url.startsWith('/api/audit')).map((r) => r.method)).toEqual([
      'GET',
    ]);
  });

  it('shows the running config to an admin with secrets redacted', async () => {
    h = harness();
    const s = await login(h.app, 'admin');
    const r = await h.app.inject({ url: '/api/config', headers: { cookie: s.cookie } });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('"machines"');
    expect(r.body).not.toContain('s3cret');
    expect(r.body).not.toContain('hunter22');
  });

  it('kiosk: anonymous may read but never change', async () => {
    h = harness({ kiosk: true });
    expect((await h.app.inject('/api/machines')).statusCode).toBe(200);
    expect((await h.app.inject('/api/users')).statusCode).toBe(401);
    expect((await post('/api/users', { name: 'x', role: 'admin', password: 'long enough' })).statusCode).toBe(
      401,
    );
  });

  it('creates the first admin once with the setup token, and only when no user exists', async () => {
    h = harness();
    expect(h.auth.start()).toBeNull();
    for (const u of h.auth.users.list()) h.auth.users.remove(u.name);
    const token = h.auth.start();
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect((await h.app.inject('/api/auth/me')).json()).toMatchObject({ setup: true });
    const bad = await post('/api/auth/setup', { token: 'nope', name: 'boss', password: 'long enough' });
    expect(bad.statusCode).toBe(403);
    const ok = await post('/api/auth/setup', { token, name: 'boss', password: 'long enough' });
    expect(ok.statusCode).toBe(200);
    expect(h.auth.users.get('boss')?.role).toBe('admin');
    const again = await post('/api/auth/setup', { token, name: 'boss2', password: 'long enough' });
    expect(again.statusCode).toBe(403);
  });
});
