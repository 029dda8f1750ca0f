import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Sample } from '../../gateway/core/sample.js';
import { type RunningGateway, startGateway } from '../../gateway/main.js';
import { SITE, sleep } from '../helpers/acquisition.js';
import { signInHttp } from '../helpers/auth.js';
import { freePort } from '../peers/free-port.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from '../peers/influxdb.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from '../peers/pymodbus.js';
import { requirePeer } from '../peers/require-peer.js';

/**
 * Hot reload of the whole gateway as main.ts builds it, while pymodbus answers and InfluxDB 1.6.7
 * receives: a machine and a sink are added, an invalid file is refused, a machine is removed and
 * a sink changed. Every sample that reached the bus is in the store and in every InfluxDB
 * database, exactly once per series.
 */
const ok = requirePeer('pymodbus', pymodbusAvailable) && requirePeer('influxdb', influxdbAvailable);

interface Health {
  machines: { total: number };
  sinks: { sink: string; queueDepth: number }[];
  reload: { count: number; refused: number; last: { result: string; issues: string[] } | null };
}

describe.skipIf(!ok)('hot reload: machines and sinks change while data flows', () => {
  let modbus: PymodbusServer;
  let influx: InfluxdbServer;
  let dir: string;
  let file: string;
  let gw: RunningGateway | null = null;
  let httpPort: number;

  const machine = (id: string, unit: number, extra = '') => `
  - id: ${id}
    name: Máy ${id}
    kind: fryer
    line: line-1
    pollIntervalMs: 100
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: ${unit} }
    points:
      - { name: oil, area: holding, address: 0, type: uint16, scale: 0.1, unit: °C, role: temperature${extra} }`;
  const sink = (id: string, db: string, batch = 500) =>
    `\n  - { id: ${id}, type: influxdb-v1, url: "${influx.url}", database: ${db}, from: start, timeoutMs: 2000, batchSize: ${batch} }`;
  const write = (machines: string[], sinks: string[]) =>
    writeFileSync(
      file,
      `${SITE}
machines:${machines.join('')}
store: { flushIntervalMs: 200 }
sinks:${sinks.join('')}
http: { host: 127.0.0.1, port: ${httpPort} }
dashboard: { kiosk: true }   # anonymous reads below
dataDir: ${join(dir, 'data')}
`,
    );
  const health = async (): Promise<Health> => (await (await fetch(`${gw?.url}/api/health`)).json()) as Health;
  const countOn = (seen: Sample[], machine: string) => seen.filter((s) => s.machine === machine).length;

  beforeAll(async () => {
    modbus = await startPymodbus({
      transport: 'tcp',
      units: { 1: { holding: { 0: 100 } }, 2: { holding: { 0: 200 } } },
    });
    influx = await startInfluxdb();
    await influx.client.createDatabase('second');
    dir = mkdtempSync(join(tmpdir(), 'linegate-reload-'));
    file = join(dir, 'plant.yaml');
    httpPort = await freePort();
  });

  afterAll(async () => {
    await gw?.stop();
    await modbus?.kill();
    await influx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds and removes machines and sinks without losing a sample; refuses an invalid file', async () => {
    const t0 = Date.now() - 1000;
    write([machine('fryer-1', 1)], [sink('influx', influx.database)]);
    gw = await startGateway(loadConfig(file), pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
    const seen: Sample[] = [];
    gw.supervisor.bus.on('samples', seen, (s) => seen.push(...s));
    for (let i = 0; i < 50 && countOn(seen, 'fryer-1') < 5; i++) await sleep(100);
    expect(countOn(seen, 'fryer-1')).toBeGreaterThanOrEqual(5);

    // 1. add fryer-2 and a second sink that replays everything stored
    write(
      [machine('fryer-1', 1), machine('fryer-2', 2)],
      [sink('influx', influx.database), sink('second', 'second')],
    );
    const added = await gw.reload('test');
    expect(added.result).toBe('applied');
    expect(added.changes).toMatchObject({
      machinesAdded: ['fryer-2'],
      machinesRemoved: [],
      sinksAdded: ['second'],
    });
    for (let i = 0; i < 50 && countOn(seen, 'fryer-2') < 5; i++) await sleep(100);
    expect(countOn(seen, 'fryer-2')).toBeGreaterThanOrEqual(5);
    const machines = (await (await fetch(`${gw.url}/api/machines`)).json()) as { id: string }[];
    expect(machines.map((m) => m.id)).toEqual(['fryer-1', 'fryer-2']);

    // 2. an invalid file is refused with file:line, the running config stays and data flows
    writeFileSync(file, `${SITE}\nmachines:\n  - id: Bad Id\n    name: x\n`);
    const refused = await gw.reload('test');
    expect(refused.result).toBe('refused');
    expect(refused.issues.join('\n')).toMatch(/plant\.yaml:\d+ machines\[0\]/);
    const before = countOn(seen, 'fryer-2');
    for (let i = 0; i < 50 && countOn(seen, 'fryer-2') < before + 3; i++) await sleep(100);
    expect(countOn(seen, 'fryer-2')).toBeGreaterThanOrEqual(before + 3);
    const h = await health();
    expect(h.machines.total).toBe(2);
    expect(h.reload).toMatchObject({ count: 1, refused: 1, last: { result: 'refused' } });
    const headers = await signInHttp(gw.url, { name: 'tech', role: 'technician', auth: gw.auth });
    const api = await fetch(`${gw.url}/api/reload`, { method: 'POST', headers });
    expect(api.status).toBe(422);
    expect(((await api.json()) as { code: string; message: string }).message).toMatch(/plant\.yaml:\d+/);

    // 3. remove fryer-1 and change the first sink (restarted on its cursor)
    write([machine('fryer-2', 2)], [sink('influx', influx.database, 7), sink('second', 'second')]);
    const removed = await gw.reload('test');
    expect(removed.changes).toMatchObject({
      machinesAdded: [],
      machinesRemoved: ['fryer-1'],
      sinksChanged: ['influx'],
    });
    const fryer1 = countOn(seen, 'fryer-1');
    const fryer2 = countOn(seen, 'fryer-2');
    for (let i = 0; i < 50 && countOn(seen, 'fryer-2') < fryer2 + 5; i++) await sleep(100);
    expect(countOn(seen, 'fryer-2')).toBeGreaterThanOrEqual(fryer2 + 5);
    expect(countOn(seen, 'fryer-1')).toBe(fryer1); // the removed machine is no longer read

    // 4. nothing lost: wait for both sinks to catch up, stop, compare bus = store = InfluxDB
    await modbus.kill();
    for (let i = 0; i < 80; i++) {
      await sleep(250);
      const hs = await health();
      if (hs.sinks.every((s) => s.queueDepth === 0)) break;
    }
    await gw.stop();
    gw = null;
    const { Store } = await import('../../gateway/store/index.js');
    const store = Store.open({ dataDir: join(dir, 'data') });
    try {
      for (const m of ['fryer-1', 'fryer-2']) {
        const onBus = seen.filter((s) => s.machine === m && s.quality === 'good');
        const stored = store
          .history({ machine: m, point: 'oil', from: t0, to: Date.now() + 1000, maxPoints: 100_000 })
          .points.filter((p) => p.value !== null);
        expect(stored.length).toBe(onBus.length);
        for (const db of [influx.database, 'second']) {
          const rows = await influx.client.query(
            `SELECT count("value") AS n FROM telemetry WHERE machine='${m}' AND point='oil'`,
            { database: db },
          );
          expect({ m, db, n: Number((rows[0] as { n?: number } | undefined)?.n) }).toEqual({
            m,
            db,
            n: onBus.length,
          });
        }
      }
    } finally {
      store.close();
    }
  }, 90_000);
});
