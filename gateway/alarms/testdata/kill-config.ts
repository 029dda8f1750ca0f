/** The alarm setup the kill -9 child and the parent share (compiled to dist/ for the child). */
import type { AlarmsConfig } from '../../../config/alarms.js';

export function killConfig(): AlarmsConfig {
  const rule = {
    id: 'hot',
    kind: 'high' as const,
    point: 'temp',
    level: 'H' as const,
    limit: 190,
    deadband: 2,
    equals: null,
    forMs: 0,
    tolerance: 0,
    onDelayMs: 0,
    offDelayMs: 0,
    severity: 2 as const,
    message: null,
    unit: '°C',
    codes: {},
  };
  return {
    machines: ['m1', 'm2', 'm3', 'm4'].map((id) => ({
      id,
      name: `Máy ${id}`,
      line: 'l',
      runPoint: null,
      rules: [rule],
      labels: {},
    })),
    dashboardUrl: null,
    timezone: 'Asia/Ho_Chi_Minh',
    // Port 9 on loopback: nothing listens, every message stays queued (and countable).
    channels: [
      {
        id: 'hook',
        type: 'webhook',
        url: 'http://127.0.0.1:9/x',
        secret: 'kill-test-secret-0123456789',
        language: 'vi',
        maxPerHour: 100000,
      },
    ],
    routes: [{ channels: ['hook'], maxSeverity: 4, lines: null, hours: null }],
    escalation: null,
    quietHours: null,
    flood: { alarms: 100000, windowMs: 600_000, chatterCount: 100000, chatterWindowMs: 60_000 },
  };
}
