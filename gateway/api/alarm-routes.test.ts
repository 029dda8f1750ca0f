import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { testAuth } from '../../tests/helpers/auth.js';
import { bareView } from '../../tests/helpers/bare-view.js';
import { type TempAlarmDb, tempAlarmDb } from '../alarms/testdata/fixtures.js';
import { LiveState } from '../runtime/live-state.js';
import { registerAlarmRoutes } from './alarm-routes.js';
import { buildApi } from './server.js';
import type { GatewayView } from './view.js';

const config = loadConfigText(
  `site: { id: s, name: S }
dashboard: { kiosk: true } # reads anonymous; changes need a signed-in user
lines: [{ id: l, name: Dây chuyền L }]
machines:
  - { id: a, name: Máy chiên A, kind: fryer, line: l, connection: { type: tcp, host: h },
      points: [{ name: oil, label: { vi: Nhiệt độ dầu, en: Oil temperature }, area: input, address: 0, type: int16, scale: 0.1, unit: °C, role: temperature }] }
alarms:
  machines:
    a:
      - { id: oil_hot, kind: high, point: oil, limit: 190, deadband: 2, severity: 2 }
`,
  'api.yaml',
  { env: {} },
);

let t: TempAlarmDb;
afterEach(() => t?.cleanup());

function setup() {
  t = tempAlarmDb();
  const engine = t.engine({ machines: config.alarms?.machines ?? [] });
  engine.start();
  engine.status({ machine: 'a', online: true, ts: Date.now() });
  const live = new LiveState();
  const signIn = testAuth(t.db);
  const view: GatewayView = {
    config,
    auth: signIn.auth,
    audit: signIn.audit,
    machineState: (id) => live.get(id),
    commStats: () => undefined,
    links: () => [],
    startedAt: Date.now(),
    version: 'test',
    alarms: engine,
  };
  const app = buildApi(view, pino({ level: 'silent' }));
  return { engine, app, as: signIn.as };
}

describe('alarm API', () => {
  it('lists, acknowledges with a comment, shelves, unshelves; every action audited', async () => {
    const { engine, app, as } = setup();
    const h = await as(app, 'technician');
    engine.samples([{ machine: 'a', point: 'oil', value: 195.5, ts: Date.now(), quality: 'good' }]);
    const list = (await app.inject('/api/alarms')).json();
    expect(list.alarms).toHaveLength(1);
    expect(list.alarms[0]).toMatchObject({
      id: 'a.oil_hot',
      machine: 'a',
      line: 'l',
      rule: 'oil_hot',
      severity: 2,
      state: 'active_unack',
      value: 195.5,
      limit: 190,
      unit: '°C',
      ackedAt: null,
      shelvedUntil: null,
    });
    expect(list.alarms[0].message.vi).toBe('Máy chiên A: Nhiệt độ dầu cao: 195,5 °C (ngưỡng 190 °C)');
    expect(list.alarms[0].message.en).toBe('Máy chiên A: Oil temperature high: 195.5 °C (limit 190 °C)');
    const m = (await app.inject('/api/machines/a')).json();
    expect(m.alarms).toEqual({ active: 1, unacked: 1, highestSeverity: 2 });

    const ack = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/alarms/a.oil_hot/ack',
      payload: { comment: 'đã giảm lửa' },
    });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().alarm).toMatchObject({
      state: 'active_ack',
      ackedBy: 'technician',
      comment: 'đã giảm lửa',
    });
    const again = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/alarms/a.oil_hot/ack',
      payload: {},
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('LG_ALARM_STATE');

    const noComment = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/alarms/a.oil_hot/shelve',
      payload: { minutes: 60 },
    });
    expect(noComment.statusCode).toBe(400);
    const shelve = await app.inject({
      headers: h,
      method: 'POST',
      url: '/api/alarms/a.oil_hot/shelve',
      payload: { minutes: 60, comment: 'cảm biến đang thay' },
    });
    expect(shelve.json().alarm.state).toBe('shelved');
    expect(shelve.json().alarm.shelvedUntil).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect((await app.inject('/api/machines/a')).json().alarms).toEqual({
      active: 0,
      unacked: 0,
      highestSeverity: null,
    });
    const un = await app.inject({ headers: h, method: 'POST', url: '/api/alarms/a.oil_hot/unshelve' });
    expect(un.json().alarm.state).toBe('active_unack');
    expect((await app.inject({ headers: h, method: 'POST', url: '/api/alarms/nope/ack' })).statusCode).toBe(
      404,
    );

    const hist = (await app.inject('/api/alarms/history?machine=a')).json();
    expect(hist.events.map((e: { event: string }) => e.event).reverse()).toEqual([
      'activate',
      'ack',
      'shelve',
      'unshelve',
      'activate',
    ]);
    const audit = t.audit.list({ action: 'alarm.' }).reverse();
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['alarm.ack', 'ok'],
      ['alarm.ack', 'failed'],
      ['alarm.shelve', 'ok'],
      ['alarm.unshelve', 'ok'],
      ['alarm.ack', 'failed'],
    ]);
    expect(audit[0]?.detail).toMatchObject({
      comment: 'đã giảm lửa',
      from: 'active_unack',
      to: 'active_ack',
    });
    expect((await app.inject('/api/alarms?state=bogus')).statusCode).toBe(400);
    expect((await app.inject('/api/alarms/history?from=10&to=5')).statusCode).toBe(400);
    engine.stop();
  });

  it('declares a policy on every alarm route: reads READ, commands technician/manager/admin, service technician/admin', async () => {
    const app = Fastify();
    const routes: { url: string; method: string; policy: unknown }[] = [];
    app.addHook('onRoute', (r) => {
      routes.push({
        url: r.url,
        method: String(r.method),
        policy: (r.config as { policy?: unknown } | undefined)?.policy,
      });
    });
    registerAlarmRoutes(app, {});
    await app.ready();
    expect(routes.map((r) => `${r.method} ${r.url}`).filter((r) => !r.startsWith('HEAD'))).toEqual([
      'GET /api/alarms',
      'GET /api/alarms/history',
      'GET /api/alarms/channels',
      'POST /api/alarms/:id/ack',
      'POST /api/alarms/:id/shelve',
      'POST /api/alarms/:id/unshelve',
      'POST /api/alarms/:id/out-of-service',
      'POST /api/alarms/:id/in-service',
    ]);
    for (const r of routes) {
      if (r.method !== 'POST') expect(r.policy, r.url).toEqual({ read: true });
      else if (r.url.endsWith('service')) expect(r.policy, r.url).toEqual({ roles: ['technician', 'admin'] });
      else expect(r.policy, r.url).toEqual({ roles: ['technician', 'manager', 'admin'] });
    }
  });

  it('takes an alarm out of service and back (technician, with a reason); operators may not', async () => {
    const { engine, app, as } = setup();
    const tech = await as(app, 'technician');
    const op = await as(app, 'operator');
    engine.samples([{ machine: 'a', point: 'oil', value: 195.5, ts: Date.now(), quality: 'good' }]);
    const post = (path: string, headers: Record<string, string>, payload: object = {}) =>
      app.inject({ method: 'POST', url: `/api/alarms/a.oil_hot/${path}`, headers, payload });
    expect((await post('out-of-service', op, { comment: 'cảm biến hỏng' })).statusCode).toBe(403);
    const noReason = await post('out-of-service', tech);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().message).toMatch(/needs a comment/);
    const oos = await post('out-of-service', tech, { comment: 'cảm biến hỏng, chờ thay' });
    expect(oos.statusCode).toBe(200);
    expect(oos.json().alarm.state).toBe('out_of_service');
    expect((await app.inject('/api/machines/a')).json().alarms.active).toBe(0);
    const back = await post('in-service', tech);
    expect(back.statusCode).toBe(200);
    expect(back.json().alarm.state).not.toBe('out_of_service');
    expect(t.audit.list({ action: 'alarm.' }).map((r) => [r.action, r.actor, r.result])).toEqual([
      ['alarm.in-service', 'technician', 'ok'],
      ['alarm.out-of-service', 'technician', 'ok'],
    ]);
  });

  it('answers 404 with a code when alarms are not running', async () => {
    const app = buildApi(bareView(config), pino({ level: 'silent' }));
    const r = await app.inject('/api/alarms');
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('LG_NOT_FOUND');
  });
});
