import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { testAuth } from '../../tests/helpers/auth.js';
import { bareView } from '../../tests/helpers/bare-view.js';
import { ManualClock } from '../../tests/helpers/manual-clock.js';
import type { Sample } from '../core/sample.js';
import { ProductionService } from '../production/service.js';
import { EventBus } from '../runtime/event-bus.js';
import { LiveState } from '../runtime/live-state.js';
import { AuditLog } from '../store/audit.js';
import { tempStores } from '../store/testdata/temp-store.js';
import { registerProductionRoutes } from './production-routes.js';
import { buildApi } from './server.js';
import type { GatewayView } from './view.js';

const config = loadConfigText(
  `site: { id: s, name: S }
lines: [{ id: l, name: Dây chuyền L }]
machines:
  - { id: a, name: Máy A, kind: packer, line: l, connection: { type: tcp, host: h },
      points: [{ name: run, area: coil, address: 0, type: bool, role: run },
               { name: good, area: holding, address: 0, type: uint16, role: good_counter, counterBits: 16 }] }
dashboard: { kiosk: true } # reads anonymous; changes need a signed-in user
production:
  shifts: [{ id: ca1, start: '06:00', end: '18:00' }]
  products:
    - { id: p1, name: { vi: Gói 100 g, en: 100 g pack }, packWeightG: 100, idealRatePerMin: 10 }
    - { id: bare, name: { vi: Chưa cân, en: Unweighed }, idealRatePerMin: 10 }
  machines: { a: { product: bare } }
`,
  'routes.yaml',
  { env: {} },
);

const VN = (hhmm: string) => Date.parse(`2026-03-02T${hhmm}:00+07:00`);
const stores = tempStores();
afterEach(() => stores.cleanup());

function setup() {
  const store = stores.open(stores.dir());
  const clock = new ManualClock(VN('07:00'));
  const bus = new EventBus();
  const audit = AuditLog.open(store.db);
  const production = new ProductionService({
    config,
    db: store.db,
    bus,
    appendEvents: (rows) => store.appendEvents(rows),
    audit,
    clock,
    log: pino({ level: 'silent' }),
  });
  production.start();
  const live = new LiveState();
  const signIn = testAuth(store.db);
  const view: GatewayView = {
    config,
    auth: signIn.auth,
    machineState: (id) => live.get(id),
    commStats: () => undefined,
    links: () => [],
    startedAt: 0,
    version: 'test',
    production,
  };
  const app = buildApi(view, pino({ level: 'silent' }));
  let good = 0;
  const poll = (n: number, run = true) => {
    good += n;
    const ts = clock.now();
    const s: Sample[] = [
      { machine: 'a', point: 'run', value: run, ts, quality: 'good' },
      { machine: 'a', point: 'good', value: good, ts, quality: 'good' },
    ];
    bus.emit('samples', s);
  };
  return { app, clock, poll, audit, production, signIn: () => signIn.as(app, 'admin') };
}

describe('production routes', () => {
  it('declares a policy on every route; state-changing ones name roles', async () => {
    const app = Fastify();
    const routes: { method: string; url: string; policy: unknown }[] = [];
    app.addHook('onRoute', (r) => {
      routes.push({ method: String(r.method), url: r.url, policy: r.config?.policy });
    });
    registerProductionRoutes(app, { config } as GatewayView);
    await app.ready();
    expect(routes.length).toBeGreaterThanOrEqual(11);
    for (const r of routes) {
      expect(r.policy, `${r.method} ${r.url}`).toBeDefined();
      if (r.method !== 'GET' && r.method !== 'HEAD') expect(r.policy).toHaveProperty('roles');
    }
    expect(routes.find((r) => r.url === '/api/production/stops/:id/reason')?.policy).toEqual({
      roles: ['operator', 'manager', 'admin'],
    });
    expect(routes.find((r) => r.url === '/api/machines/:id/product')?.policy).toEqual({
      roles: ['manager', 'admin'],
    });
  });

  it('flags a product without a pack weight instead of showing 0 kg, then weighs after a product change (audited)', async () => {
    const { app, clock, poll, audit, signIn } = setup();
    const h = await signIn();
    for (let i = 0; i <= 10; i++) {
      clock.advanceTo(VN('07:00') + i * 60_000);
      poll(i === 0 ? 0 : 10);
    }
    let daily = (await app.inject('/api/production/daily?date=2026-03-02')).json();
    expect(daily.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(daily.machines[0]).toMatchObject({ machine: 'a', good: 100, kg: null, product: 'bare' });
    expect(daily.machines[0].flags).toContain('no-pack-weight');

    const unknown = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/machines/a/product',
      payload: { product: 'nope' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({
      code: 'LG_NOT_FOUND',
      message: 'unknown product "nope" (known: p1, bare)',
    });
    const ok = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/machines/a/product',
      payload: { product: 'p1' },
    });
    expect(ok.json()).toEqual({ machine: 'a', product: 'p1' });
    expect(
      audit.list({ action: 'production.product' }).map((r) => [r.result, r.target, r.detail?.product]),
    ).toEqual([
      ['ok', 'a', 'p1'],
      ['failed', 'a', 'nope'],
    ]);
    for (let i = 11; i <= 20; i++) {
      clock.advanceTo(VN('07:00') + i * 60_000);
      poll(10);
    }
    daily = (await app.inject('/api/production/daily?date=2026-03-02')).json();
    expect(daily.machines[0]).toMatchObject({ good: 200, kg: 10, product: 'p1' });
    expect(daily.machines[0].flags).toContain('no-pack-weight'); // the first 100 packs are still unweighed

    const m = (await app.inject('/api/machines/a')).json();
    expect(m).toMatchObject({
      state: 'running',
      product: 'p1',
      fault: null,
      today: { good: 200, reject: 0, kg: 10 },
    });
    expect(typeof m.stateSince).toBe('number');
    const shifts = (await app.inject('/api/production/shifts?date=2026-03-02')).json();
    expect(shifts.shifts[0]).toMatchObject({ id: 'ca1', start: VN('06:00'), end: VN('18:00') });
    const days = (await app.inject('/api/production/days?from=2026-03-01&to=2026-03-02')).json();
    expect(
      days.days.map((d: { date: string; machines: { good: number }[] }) => [d.date, d.machines[0]?.good]),
    ).toEqual([
      ['2026-03-01', 0],
      ['2026-03-02', 200],
    ]);
  });

  it('turns the downtime of a stop with a planned reason (changeover) into planned stop, and back', async () => {
    const { app, clock, poll, signIn } = setup();
    const h = await signIn();
    const at = (min: number, n: number, run = true) => {
      clock.advanceTo(VN('07:00') + min * 60_000);
      poll(n, run);
    };
    for (let i = 0; i <= 10; i++) at(i, i === 0 ? 0 : 10);
    for (let i = 11; i < 30; i++) at(i, 0, false); // stopped from 07:11
    const daily = async () => (await app.inject('/api/production/daily?date=2026-03-02')).json().machines[0];
    const stop = (await app.inject('/api/production/stops?date=2026-03-02')).json().stops[0];
    expect(stop).toMatchObject({ start: VN('07:11'), end: null, durationS: 18 * 60 });
    expect(await daily()).toMatchObject({ downS: 18 * 60, plannedS: 29 * 60 });
    const post = (reason: string) =>
      app.inject({
        headers: h,
        method: 'POST',
        url: `/api/production/stops/${stop.id}/reason`,
        payload: { reason },
      });
    expect((await post('changeover')).statusCode).toBe(200);
    expect(await daily()).toMatchObject({ downS: 0, plannedS: 11 * 60, runS: 11 * 60 });
    // The stop goes on for 10 more minutes, still as planned stop; then the machine runs again.
    for (let i = 30; i < 40; i++) at(i, 0, false);
    at(40, 10);
    expect(await daily()).toMatchObject({ downS: 0, plannedS: 11 * 60, runS: 11 * 60 });
    const closed = (await app.inject('/api/production/stops?date=2026-03-02')).json().stops[0];
    expect(closed).toMatchObject({ end: VN('07:40'), durationS: 29 * 60, reason: { code: 'changeover' } });
    // Corrected to a breakdown: the 29 minutes are downtime again.
    expect((await post('breakdown')).statusCode).toBe(200);
    expect(await daily()).toMatchObject({ downS: 29 * 60, plannedS: 40 * 60, runS: 11 * 60 });
  });

  it('answers bad input with 400/404 and { code, message }', async () => {
    const { app, signIn } = setup();
    const h = await signIn();
    const badDate = await app.inject('/api/production/daily?date=2026-13-40');
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json()).toEqual({
      code: 'LG_BAD_REQUEST',
      message: 'date must be YYYY-MM-DD, got "2026-13-40"',
    });
    expect((await app.inject('/api/production/hourly?date=2026-03-02')).statusCode).toBe(400);
    const unknownMachine = await app.inject('/api/production/hourly?machine=zz&date=2026-03-02');
    expect(unknownMachine.statusCode).toBe(404);
    expect(unknownMachine.json().code).toBe('LG_NOT_FOUND');
    expect((await app.inject('/api/production/days?from=2026-03-05&to=2026-03-01')).statusCode).toBe(400);
    const noBody = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/production/stops/x/reason',
      payload: {},
    });
    expect(noBody.statusCode).toBe(400);
    const reasons = (await app.inject('/api/production/reasons')).json();
    expect(reasons.reasons.map((r: { code: string }) => r.code)).toContain('no-material');
  });

  it('says production is not running when the gateway has none', async () => {
    const app = buildApi(bareView(config), pino({ level: 'silent' }));
    const r = await app.inject('/api/production/daily');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ code: 'LG_NOT_FOUND', message: 'production is not running on this gateway' });
    expect((await app.inject('/api/machines/a')).json()).toMatchObject({ state: null, today: null });
  });
});
