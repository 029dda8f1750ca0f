import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { LiveState } from '../runtime/live-state.js';
import { buildApi } from './server.js';
import type { GatewayView } from './view.js';

const config = loadConfigText(
  `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines:
  - { id: a, name: A, kind: fryer, line: l, connection: { type: tcp, host: h },
      points: [{ name: oil, area: input, address: 0, type: int16, scale: 0.1, unit: °C, role: temperature }] }
  - { id: b, name: B, kind: fryer, line: l, connection: { type: tcp, host: h, unitId: 2 },
      points: [{ name: oil, area: input, address: 0, type: int16 }] }
`,
  'api.yaml',
  { env: {} },
);

function view(live: LiveState): GatewayView {
  return {
    config,
    machineState: (id) => live.get(id),
    commStats: () => undefined,
    links: () => [{ id: 'tcp://h:502', open: true, lastError: null, reconnectAttempts: 0 }],
    startedAt: Date.now(),
    version: 'test',
  };
}

describe('HTTP API', () => {
  it('shows a stale value apart from the fresh one, and health degraded when a machine is offline', async () => {
    const live = new LiveState();
    live.applySamples([{ machine: 'a', point: 'oil', value: 175.5, ts: 1000, quality: 'good' }]);
    live.applySamples([{ machine: 'a', point: 'oil', value: null, ts: 2000, quality: 'bad' }]);
    live.applyStatus({ machine: 'a', online: false, ts: 2000, reason: 'no answer in time' });
    live.applyStatus({ machine: 'b', online: true, ts: 2000 });
    const app = buildApi(view(live), pino({ level: 'silent' }));
    const m = (await app.inject('/api/machines/a')).json();
    expect(m).toMatchObject({ id: 'a', online: false, offlineReason: 'no answer in time' });
    expect(m.points[0]).toEqual({
      name: 'oil',
      label: null,
      unit: '°C',
      role: 'temperature',
      value: null,
      quality: 'bad',
      ts: 2000,
      lastGood: { value: 175.5, ts: 1000 },
    });
    const h = (await app.inject('/api/health')).json();
    expect(h).toMatchObject({
      status: 'degraded',
      machines: { total: 2, online: 1, offline: 1, unknown: 0 },
      offline: ['a'],
    });
    const missing = await app.inject('/api/machines/zzz');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'LG_NOT_FOUND', message: 'no machine "zzz"' });
    await app.close();
  });
});
