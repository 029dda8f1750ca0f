import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { buildApi } from './server.js';
import type { GatewayView } from './view.js';

const config = loadConfigText(
  `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines:
  - { id: a, name: A, kind: fryer, line: l, connection: { type: tcp, host: h },
      points: [{ name: oil, area: input, address: 0, type: int16 }] }
`,
  'metrics.yaml',
  { env: {} },
);

const base: GatewayView = {
  config,
  machineState: () => undefined,
  commStats: () => undefined,
  links: () => [],
  startedAt: 0,
  version: 'test',
};

describe('GET /metrics', () => {
  it('serves the Prometheus text of the view’s metrics, public by default', async () => {
    const metrics = new GatewayMetrics({
      site: 's',
      version: 'test',
      machines: () => config.machines,
      online: () => undefined,
      commStats: () => undefined,
      latency: () => undefined,
      links: () => [],
      now: Date.now,
    });
    metrics.start();
    try {
      const app = buildApi({ ...base, metrics }, pino({ level: 'silent' }));
      const r = await app.inject('/metrics');
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(r.body).toContain('linegate_info{version="test",site="s"} 1');
    } finally {
      metrics.stop();
    }
  });

  it('answers 404 with a code when the gateway has no metrics', async () => {
    const app = buildApi(base, pino({ level: 'silent' }));
    const r = await app.inject('/metrics');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ code: 'LG_NOT_FOUND', message: 'metrics are not enabled' });
  });
});
