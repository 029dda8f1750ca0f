import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../peers/free-port.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from '../peers/influxdb.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from '../peers/pymodbus.js';
import { requirePeer } from '../peers/require-peer.js';
import { requireBuiltCli, seededRandom, startGatewayProcess } from './gateway-process.js';
import { compare, countSamples, readInflux, readInfluxEvents, readStore } from './store-vs-influx.js';

/**
 * kill -9 of the whole built gateway (`dist/gateway/cli.js run --config …`) at random moments
 * while it reads four pymodbus machines every 50 ms (whose registers change ten times a second)
 * and forwards to a real InfluxDB 1.6.7; restarted after every kill. Then, with InfluxDB up, one
 * more run drains the outbox and stops cleanly, and the store is compared point by point with an
 * InfluxQL query: every sample the sink had acked is in InfluxDB with the same timestamp, value
 * and quality; every sample committed before the last kill was acked in the end; InfluxDB holds
 * nothing the store never held; a timestamp stored twice carries the same point; the file passes
 * integrity_check. The second run stops InfluxDB (SIGKILL) for some of the kills.
 * Kill times come from a seeded PRNG; the seed is in the test name (LINEGATE_KILL_SEED repeats one).
 */
const ok = requirePeer('pymodbus', pymodbusAvailable) && requirePeer('influxdb', influxdbAvailable);
const SEED = Number(process.env.LINEGATE_KILL_SEED ?? Date.now() % 100_000);
const UNITS = [1, 2, 3, 4];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ok)(`kill -9 of the built gateway under load → InfluxDB 1.6.7 (seed ${SEED})`, () => {
  let modbus: PymodbusServer;
  let influx: InfluxdbServer;
  const dirs: string[] = [];
  let ticking = true;
  let ticker: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    requireBuiltCli();
    const units = Object.fromEntries(UNITS.map((u) => [u, { holding: { 0: 0 }, coils: { 0: false } }]));
    [modbus, influx] = await Promise.all([startPymodbus({ transport: 'tcp', units }), startInfluxdb()]);
    // The machines' values change ten times a second, so resent and new points differ.
    ticker = (async () => {
      for (let c = 1; ticking && c < 100_000; c++) {
        for (const u of UNITS) {
          const v = (c * 7 + u) % 60_000;
          await modbus.setRegisters(u, 'holding', 0, [v, v + 1, v + 2, v + 3, v + 4, v + 5]);
          await modbus.setRegisters(u, 'coils', 0, [c % 2 === 0]);
        }
        await sleep(100);
      }
    })();
  });

  afterAll(async () => {
    ticking = false;
    await ticker.catch(() => undefined);
    await modbus?.kill();
    await influx?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function setup(database: string) {
    const dataDir = mkdtempSync(join(tmpdir(), 'linegate-kill9-'));
    dirs.push(dataDir);
    const port = await freePort();
    const machines = UNITS.map(
      (u) => `  - id: m${u}
    name: Máy ${u}
    kind: dryer
    line: line-1
    pollIntervalMs: 50
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: ${u}, timeoutMs: 500 }
    points:
${[0, 1, 2, 3, 4, 5].map((a) => `      - { name: r${a}, area: holding, address: ${a}, type: uint16, unit: °C, role: temperature }`).join('\n')}
      - { name: run, area: coil, address: 0, type: bool, role: run }`,
    );
    const file = join(dataDir, 'plant.yaml');
    writeFileSync(
      file,
      `site: { id: htx-test, name: HTX thử }
lines: [{ id: line-1, name: Dây chuyền 1 }]
machines:
${machines.join('\n')}
store: { flushIntervalMs: 100 }
sinks:
  - { id: influx, type: influxdb-v1, url: "${influx.url}", database: ${database}, from: start, timeoutMs: 2000, batchSize: 400 }
http: { host: 127.0.0.1, port: ${port} }
dataDir: ${dataDir}
`,
    );
    return { dataDir, port, file };
  }

  /**
   * `kills` runs. Three in four are SIGKILLed 0–1500 ms after /api/health first answers (store
   * open, polling, forwarding); every fourth at a random moment of its start-up (opening the
   * store, checking it, registering the sink).
   */
  async function killLoop(
    run: { dataDir: string; file: string; port: number },
    kills: number,
    rand: () => number,
    before?: (i: number) => Promise<void>,
  ) {
    let committed = countSamples(run.dataDir);
    let grew = 0;
    for (let i = 0; i < kills; i++) {
      await before?.(i);
      const gw = startGatewayProcess(run.file, run.port);
      if (i % 4 === 3) await sleep(Math.floor(rand() * 1500));
      else {
        await gw.waitHealth(() => true, 20_000);
        await sleep(Math.floor(rand() * 1500));
      }
      const how = await gw.kill('SIGKILL');
      expect(how, `run ${i} ended by itself: ${gw.output()}`).toBe('SIGKILL');
      const n = countSamples(run.dataDir);
      if (n > committed) grew++;
      committed = n;
    }
    // Most runs were killed while collecting (the others during their start-up).
    expect(grew).toBeGreaterThanOrEqual(Math.floor(kills / 2));
  }

  /** One more run with InfluxDB up: waits until the outbox is empty, stops cleanly, compares. */
  async function drainAndCompare(run: { dataDir: string; file: string; port: number }, database: string) {
    const before = readStore(run.dataDir, 'influx');
    expect(before.integrity).toEqual(['ok']);
    expect(before.sampleRows).toBeGreaterThan(500); // the kills happened under load
    const gw = startGatewayProcess(run.file, run.port);
    const h = await gw.waitHealth(
      (x) => x.machines.online === UNITS.length && x.sinks?.[0]?.queueDepth === 0,
      30_000,
    );
    expect(h?.sinks?.[0]?.queueDepth, gw.output()).toBe(0);
    expect(await gw.kill('SIGTERM'), gw.output()).toBe(0);

    const after = readStore(run.dataDir, 'influx');
    expect(after.integrity).toEqual(['ok']);
    expect(after.sampleRows).toBeGreaterThanOrEqual(before.sampleRows); // nothing committed was lost
    expect(after.cursor).toBeGreaterThanOrEqual(before.maxSeq); // all of it was acked
    const points = await readInflux(influx, database);
    const cmp = compare(after, points);
    expect(cmp.missing.slice(0, 5), `${cmp.missing.length} acked samples missing`).toEqual([]);
    expect(cmp.different.slice(0, 5)).toEqual([]);
    expect(cmp.unknown.slice(0, 5)).toEqual([]);
    expect(cmp.conflictingDuplicates).toEqual([]);
    expect(cmp.ackedKeys).toBeGreaterThan(500);
    // Per series: InfluxDB has exactly as many points as distinct acked timestamps.
    const perSeries = new Map<string, number>();
    for (const k of points.keys()) {
      const s = k.slice(0, k.lastIndexOf('|'));
      perSeries.set(s, (perSeries.get(s) ?? 0) + 1);
    }
    expect(perSeries.size).toBe(UNITS.length * 7);
    const events = await readInfluxEvents(influx, database);
    expect(after.eventsAcked.filter((e) => !events.has(e))).toEqual([]);
    return { before, after, cmp };
  }

  it('20 kills with InfluxDB up: every committed sample reaches InfluxDB, once, unchanged', async () => {
    const run = await setup(influx.database);
    await killLoop(run, 20, seededRandom(SEED));
    const { cmp } = await drainAndCompare(run, influx.database);
    expect(cmp.missing).toHaveLength(0);
  }, 240_000);

  it('10 kills, InfluxDB killed during five of them: nothing lost once it is back', async () => {
    const database = 'linegate_outage';
    await influx.client.createDatabase(database);
    const run = await setup(database);
    let down = false;
    await killLoop(run, 10, seededRandom(SEED + 1), async (i) => {
      if (i === 3) {
        await influx.kill('SIGKILL');
        down = true;
      }
      if (i === 8) {
        const mid = readStore(run.dataDir, 'influx'); // the gateway is dead between runs
        expect(mid.cursor).toBeLessThan(mid.maxSeq); // the outage left a backlog to replay
        await influx.restart();
        down = false;
      }
    });
    expect(down).toBe(false);
    await drainAndCompare(run, database);
  }, 240_000);
});
