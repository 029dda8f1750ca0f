import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { type RunningGateway, startGateway } from '../../gateway/main.js';
import { SITE, sleep } from '../helpers/acquisition.js';
import { parsePrometheusText, promValue } from '../helpers/prom-text.js';
import { freePort } from '../peers/free-port.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from '../peers/pymodbus.js';
import { requirePeer } from '../peers/require-peer.js';

/**
 * GET /metrics on the whole gateway as main.ts builds it, polling a real pymodbus slave that
 * is then stopped: the error counters and the online gauge must move.
 */
const ok = requirePeer('pymodbus', pymodbusAvailable);

describe.skipIf(!ok)('GET /metrics against a real Modbus slave', () => {
  let modbus: PymodbusServer;
  let dataDir: string;
  let gw: RunningGateway | null = null;

  beforeAll(async () => {
    modbus = await startPymodbus({ transport: 'tcp', units: { 1: { holding: { 0: 100 } } } });
    dataDir = mkdtempSync(join(tmpdir(), 'linegate-metrics-'));
    const yaml = `${SITE}
machines:
  - id: fryer-1
    name: Máy chiên 1
    kind: fryer
    line: line-1
    pollIntervalMs: 100
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: 1, timeoutMs: 300 }
    points:
      - { name: oil, area: holding, address: 0, type: uint16, scale: 0.1, unit: °C, role: temperature }
store: { flushIntervalMs: 200 }
sinks:
  - { id: influx, type: influxdb-v1, url: "http://127.0.0.1:${await freePort()}", database: none, timeoutMs: 500 }
http: { host: 127.0.0.1, port: ${await freePort()} }
dataDir: ${dataDir}
`;
    gw = await startGateway(
      loadConfigText(yaml, 'metrics.yaml', { env: {} }),
      pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    );
  });

  afterAll(async () => {
    await gw?.stop();
    await modbus?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const scrape = async () => {
    const r = await fetch(`${gw?.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await r.text());
  };

  /** Scrapes until `pred` holds (bounded: 10 s). */
  const until = async (pred: (f: ReturnType<typeof parsePrometheusText>) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const f = await scrape();
      if (pred(f)) return f;
      await sleep(100);
    }
    throw new Error('metrics did not reach the expected state within 10 s');
  };

  it('parses as Prometheus text and moves when the device fails', async () => {
    const m = { machine: 'fryer-1' };
    const up = await until((f) => (promValue(f, 'linegate_poll_latency_seconds_count', m) ?? 0) >= 5);
    expect(promValue(up, 'linegate_machine_online', m)).toBe(1);
    expect(promValue(up, 'linegate_poll_requests_total', m)).toBeGreaterThanOrEqual(5);
    const timeoutsBefore = promValue(up, 'linegate_poll_errors_total', { ...m, kind: 'timeout' }) ?? 0;
    const otherBefore = promValue(up, 'linegate_poll_errors_total', { ...m, kind: 'other' }) ?? 0;
    // The sink's InfluxDB is not there: rows wait in the outbox and age.
    const waiting = await until(
      (f) => (promValue(f, 'linegate_outbox_depth_rows', { sink: 'influx' }) ?? 0) > 0,
    );
    expect(promValue(waiting, 'linegate_store_rows', { table: 'raw' })).toBeGreaterThan(0);
    expect(promValue(waiting, 'linegate_store_bytes', { kind: 'file' })).toBeGreaterThan(0);

    await modbus.kill();
    const down = await until((f) => promValue(f, 'linegate_machine_online', m) === 0);
    const failed =
      (promValue(down, 'linegate_poll_errors_total', { ...m, kind: 'timeout' }) ?? 0) -
      timeoutsBefore +
      ((promValue(down, 'linegate_poll_errors_total', { ...m, kind: 'other' }) ?? 0) - otherBefore);
    expect(failed).toBeGreaterThan(0);
    expect(promValue(down, 'linegate_link_open')).toBeDefined();
    expect(promValue(down, 'linegate_outbox_oldest_unsent_age_seconds', { sink: 'influx' })).toBeGreaterThan(
      0,
    );
    expect(promValue(down, 'linegate_process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
