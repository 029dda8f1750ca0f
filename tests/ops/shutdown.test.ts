import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME, lockHolder } from '../../gateway/store/data-dir-lock.js';
import { DB_FILE_NAME } from '../../gateway/store/database.js';
import { SITE } from '../helpers/acquisition.js';
import { type CliProcess, spawnCli, waitForJson } from '../helpers/cli-gateway.js';
import { type FaultSink, startFaultSink } from '../peers/fault-sink.js';
import { freePort } from '../peers/free-port.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from '../peers/pymodbus.js';
import { requirePeer } from '../peers/require-peer.js';

/**
 * Graceful shutdown of the built CLI: SIGTERM/SIGINT commit every buffered sample before the
 * process exits 0, and a stop that hangs (a sink whose server never answers: the fault sink's
 * `stall`, which a real InfluxDB will not do on demand) is cut at LINEGATE_STOP_TIMEOUT_MS with
 * the samples already committed. In the first case the store's timer is set to one minute, so
 * nothing is committed before the signal: what is in the file after exit was written by the stop.
 */
const ok = requirePeer('pymodbus', pymodbusAvailable);

interface Machines {
  id: string;
  online: boolean;
  comm: { requests: number; errors: number } | null;
}
interface Health {
  store?: { rawRows: number };
}

function storedSamples(dataDir: string, machine: string): number {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    const row = db
      .prepare(
        'SELECT count(*) AS n FROM sample JOIN series ON series.id = sample.series WHERE series.machine = ? AND sample.value IS NOT NULL',
      )
      .get(machine) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

describe.skipIf(!ok)('graceful shutdown of the built CLI', () => {
  let modbus: PymodbusServer;
  let fault: FaultSink;
  let dataDir: string;
  let gw: CliProcess | null = null;

  beforeAll(async () => {
    modbus = await startPymodbus({ transport: 'tcp', units: { 1: { holding: { 0: 100 } } } });
    fault = await startFaultSink();
    fault.setDefault({ kind: 'stall' });
  });
  afterEach(() => {
    gw?.kill();
    gw = null;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await modbus?.kill();
    await fault?.close();
  });

  async function start(sinks: string, flushIntervalMs: number, env: Record<string, string> = {}) {
    dataDir = mkdtempSync(join(tmpdir(), 'linegate-stop-'));
    const port = await freePort();
    const file = join(dataDir, 'plant.yaml');
    writeFileSync(
      file,
      `${SITE}
machines:
  - id: fryer-1
    name: Máy chiên 1
    kind: fryer
    line: line-1
    pollIntervalMs: 50
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: 1, timeoutMs: 500 }
    points:
      - { name: oil, area: holding, address: 0, type: uint16 }
store: { flushIntervalMs: ${flushIntervalMs} }
${sinks}
http: { host: 127.0.0.1, port: ${port} }
dashboard: { kiosk: true }   # anonymous reads below
dataDir: ${join(dataDir, 'data')}
log: { level: info }
`,
    );
    gw = spawnCli(['--config', file], env);
    const base = `http://127.0.0.1:${port}`;
    // Polled at least 20 times, all answered, none committed yet.
    const machines = await waitForJson<Machines[]>(
      `${base}/api/machines`,
      (ms) => (ms[0]?.comm?.requests ?? 0) >= 20,
      gw,
    );
    const health = await waitForJson<Health>(`${base}/api/health`, () => true, gw);
    if (flushIntervalMs === 60_000)
      expect(health.store?.rawRows, 'nothing committed before the signal').toBe(0);
    const comm = machines[0]?.comm;
    expect(comm?.errors).toBe(0);
    return { polled: comm?.requests ?? 0, dataDir: join(dataDir, 'data'), proc: gw };
  }

  it('SIGTERM commits every sample polled before it and exits 0', async () => {
    const { polled, dataDir: data, proc } = await start('sinks: []', 60_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited(20_000), proc.output()).toBe(0);
    expect(proc.output()).toContain('stopped cleanly');
    expect(storedSamples(data, 'fryer-1')).toBeGreaterThanOrEqual(polled);
    expect(existsSync(join(data, LOCK_FILE_NAME)), 'the data directory lock is released').toBe(false);
  });

  it('SIGINT with a sink stuck mid-request: samples committed, the stop is cut at the bound', async () => {
    const {
      polled,
      dataDir: data,
      proc,
    } = await start(
      `sinks:\n  - { id: influx, type: influxdb-v1, url: "${fault.url}", database: db, from: start, timeoutMs: 60000 }`,
      200,
      { LINEGATE_STOP_TIMEOUT_MS: '1500' },
    );
    // Rows are committed every 200 ms here, so the sink has sent its first request: stalled.
    for (let i = 0; i < 100 && fault.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(fault.requests.length).toBeGreaterThan(0);
    proc.child.kill('SIGINT');
    expect(await proc.exited(20_000), proc.output()).toBe(1);
    expect(proc.output()).toContain('stop took longer than the bound');
    expect(proc.output()).not.toContain('stopped cleanly');
    expect(storedSamples(data, 'fryer-1')).toBeGreaterThanOrEqual(polled);
    // The lock names a process that is gone: stale, the next start (or a restore) takes it over.
    expect(existsSync(join(data, LOCK_FILE_NAME))).toBe(true);
    expect(lockHolder(data)).toBeNull();
  });
});
