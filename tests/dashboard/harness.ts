import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { DASHBOARD_DEFAULTS, type DashboardConfig } from '../../config/dashboard.js';
import { loadConfigText } from '../../config/load.js';
import { buildApi } from '../../gateway/api/server.js';
import type { GatewayView } from '../../gateway/api/view.js';
import type { AuthService } from '../../gateway/auth/auth-service.js';
import { LiveState } from '../../gateway/runtime/live-state.js';
import type { AuditLog } from '../../gateway/store/audit.js';
import { TEST_PASSWORD, testAuth } from '../helpers/auth.js';

/** A real API (buildApi) over a real SQLite file in a temp dir, with one user per role. */
export const PASSWORD = TEST_PASSWORD;
export const IDENTITIES = ['anonymous', 'operator', 'manager', 'technician', 'admin'] as const;
export type Identity = (typeof IDENTITIES)[number];

export interface Harness {
  app: FastifyInstance;
  auth: AuthService;
  audit: AuditLog;
  live: LiveState;
  clock: { t: number };
  close(): Promise<void>;
}

export const CONFIG_YAML = `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines:
  - { id: a, name: A, kind: fryer, line: l, connection: { type: tcp, host: h },
      points: [{ name: oil, area: input, address: 0, type: int16, unit: °C, role: temperature }] }
sinks:
  - { id: influx, type: influxdb-v1, url: 'http://bob:hunter22@127.0.0.1:8086', database: d, password: s3cret }
`;

export function harness(over: Partial<DashboardConfig> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-dash-'));
  const db = new Database(join(dir, 'store.db'));
  const clock = { t: Date.parse('2026-11-27T03:00:00Z') };
  const base = loadConfigText(CONFIG_YAML, 'dash.yaml', { env: {} });
  const dashboard = { ...DASHBOARD_DEFAULTS, ...over };
  const config = { ...base, dashboard };
  const { auth, audit } = testAuth(db, { config: dashboard, now: () => clock.t });
  const live = new LiveState();
  const view: GatewayView = {
    config,
    machineState: (id) => live.get(id),
    commStats: () => undefined,
    links: () => [],
    startedAt: clock.t,
    version: 'test',
    auth,
    audit,
  };
  const app = buildApi(view, pino({ level: 'silent' }));
  return {
    app,
    auth,
    audit,
    live,
    clock,
    async close() {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Login {
  cookie: string;
  csrf: string;
}

export async function login(app: FastifyInstance, name: string, password = PASSWORD): Promise<Login> {
  const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password } });
  if (r.statusCode !== 200) throw new Error(`login ${name}: ${r.statusCode} ${r.body}`);
  const set = r.cookies.find((c) => c.name === 'lg_session');
  if (!set) throw new Error('no session cookie');
  return { cookie: `lg_session=${set.value}`, csrf: (r.json() as { csrf: string }).csrf };
}
