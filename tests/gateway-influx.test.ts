import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../config/load.js';
import { type RunningGateway, startGateway } from '../gateway/main.js';
import { SITE, sleep } from './helpers/acquisition.js';
import { freePort } from './peers/free-port.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from './peers/influxdb.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from './peers/pymodbus.js';
import { requirePeer } from './peers/require-peer.js';

/**
 * End to end, the whole gateway as main.ts builds it: pymodbus → Modbus source → local SQLite
 * store → InfluxDB 1.6.7 sink, with InfluxDB down for a while and the gateway restarted. Also
 * with the RAM tier (store.ramTier, spilling after 1 s): the outage's rows go to the card.
 */
const ok = requirePeer('pymodbus', pymodbusAvailable) && requirePeer('influxdb', influxdbAvailable);

const MODES = [
  { mode: 'card only', ram: false },
  { mode: 'RAM tier', ram: true },
] as const;

describe.skipIf(!ok).each(MODES)('gateway → store → InfluxDB 1.6.7 ($mode)', ({ ram }) => {
  let modbus: PymodbusServer;
  let influx: InfluxdbServer;
  let dataDir: string;
  let gw: RunningGateway | null = null;
  let yaml: string;

  const config = () => loadConfigText(yaml, 'e2e.yaml', { env: {} });
  const start = async () => {
    gw = await startGateway(config(), pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
    return gw;
  };

  beforeAll(async () => {
    modbus = await startPymodbus({ transport: 'tcp', units: { 1: { holding: { 0: 100 } } } });
    influx = await startInfluxdb();
    dataDir = mkdtempSync(join(tmpdir(), 'linegate-e2e-'));
    yaml = `${SITE}
machines:
  - id: fryer-1
    name: Máy chiên 1
    kind: fryer
    line: line-1
    pollIntervalMs: 100
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: 1 }
    points:
      - { name: oil, area: holding, address: 0, type: uint16, scale: 0.1, unit: °C, role: temperature }
store: { flushIntervalMs: 200${ram ? `, ramTier: { dir: ${join(dataDir, 'ram')}, spillAfterS: 1 }` : ''} }
sinks:
  - { id: influx, type: influxdb-v1, url: "${influx.url}", database: ${influx.database}, from: start, timeoutMs: 2000 }
http: { host: 127.0.0.1, port: ${await freePort()} }
dashboard: { kiosk: true }   # the history read below is anonymous
dataDir: ${dataDir}
`;
  });

  afterAll(async () => {
    await gw?.stop();
    await modbus?.kill();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing across an InfluxDB outage and a gateway restart', async () => {
    const t0 = Date.now() - 1000;
    const g = await start();
    await sleep(1500);
    await influx.kill('SIGKILL');
    await sleep(2000); // samples keep coming; the sink backs off
    if (ram) {
      const h = (await (await fetch(`${g.url}/api/health`)).json()) as {
        store: { ram?: { spilled: number } };
      };
      expect(h.store.ram?.spilled, 'unsent rows moved to the card during the outage').toBeGreaterThan(0);
    }
    await g.stop(); // clean stop flushes everything to the store
    gw = null;
    await influx.restart();
    const g2 = await start();
    await sleep(1500);
    const health = (await (await fetch(`${g2.url}/api/health`)).json()) as {
      store: { rawRows: number };
      sinks: { sink: string; queueDepth: number }[];
    };
    expect(health.store.rawRows).toBeGreaterThan(20);
    await modbus.kill(); // no more good values: what is stored now is the whole truth
    await sleep(300);
    // Wait until the sink has caught up (bounded).
    let depth = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 40 && depth > 0; i++) {
      await sleep(250);
      depth =
        ((await (await fetch(`${g2.url}/api/health`)).json()) as typeof health).sinks[0]?.queueDepth ?? 0;
    }
    await g2.stop();
    gw = null;
    // Every stored sample is in InfluxDB exactly once (timestamps fixed at acquisition).
    const { Store } = await import('../gateway/store/index.js');
    const store = Store.open({ dataDir, ...(ram ? { ramTier: config().store.ramTier ?? undefined } : {}) });
    const stored = store.history({
      machine: 'fryer-1',
      point: 'oil',
      from: t0,
      to: Date.now() + 1000,
      maxPoints: 100_000,
    });
    store.close();
    const rows = await influx.query(
      `SELECT count("value") AS n FROM telemetry WHERE machine='fryer-1' AND point='oil'`,
    );
    expect(stored.resolution).toBe('raw');
    const good = stored.points.filter((p) => p.value !== null);
    expect(good.length).toBeGreaterThan(20);
    expect(Number(rows[0]?.n)).toBe(good.length);
    const tagged = await influx.query(`SELECT * FROM telemetry WHERE machine='fryer-1' LIMIT 1`);
    expect(tagged[0]).toMatchObject({
      site: 'htx-test',
      line: 'line-1',
      kind: 'fryer',
      unit: '°C',
      value: 10,
    });
  });

  it('serves history from the store', async () => {
    await modbus.restart();
    const t0 = Date.now() - 60_000;
    const g = await start();
    await sleep(800);
    const r = await fetch(
      `${g.url}/api/history?machine=fryer-1&point=oil&from=${t0}&to=${Date.now() + 1000}`,
    );
    const body = (await r.json()) as { resolution: string; points: { value: number | null }[] };
    expect(r.status).toBe(200);
    const values = body.points.map((p) => p.value).filter((v) => v !== null);
    expect(values.length).toBeGreaterThan(10);
    expect(values.every((v) => v === 10)).toBe(true);
    const bad = await fetch(`${g.url}/api/history?machine=fryer-1`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('LG_BAD_REQUEST');
  });
});
