/**
 * bench:ops — what the operations parts cost on this machine:
 *   - `linegate backup` / `restore` of a store holding one day of the nominal Pi load's samples
 *     (scaled: ROWS raw samples), throughput in MB/s;
 *   - one scrape of GET /metrics for 70 machines (20 Modbus + 50 MQTT) over a real store.
 * Prints a table and writes .bench/ops.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayMetrics } from '../gateway/metrics/gateway-metrics.js';
import { CommStatsTracker } from '../gateway/runtime/comm-stats.js';
import { createBackup } from '../gateway/store/backup.js';
import { DB_FILE_NAME } from '../gateway/store/database.js';
import { Store } from '../gateway/store/index.js';
import { restoreBackup } from '../gateway/store/restore.js';
import { median, printTable, quantile, writeResult } from './lib.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const SCRAPES = 200;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-bench-ops-'));
  const log = pino({ level: 'silent' });
  try {
    const dataDir = join(dir, 'data');
    const store = Store.open({ dataDir, log, retention: { maxBytes: 4 * 1024 ** 3 } });
    store.registerSink('influx', { from: 'start' });
    const t0 = Date.now() - 86_400_000;
    const batch = 10_000;
    for (let i = 0; i < ROWS; i += batch) {
      const samples = Array.from({ length: batch }, (_, k) => ({
        machine: `m${(i + k) % 70}`,
        point: `p${(i + k) % 50}`,
        value: (i + k) % 1000,
        ts: t0 + Math.floor((i + k) / 70),
        quality: 'good' as const,
      }));
      store.append(samples);
      while (store.writer.stats().pendingSamples > 0) store.flush();
    }
    const dbBytes = statSync(join(dataDir, DB_FILE_NAME)).size;

    // /metrics over the real store, 70 machines with request history.
    const machines = Array.from({ length: 70 }, (_, i) => ({ id: `m${i}`, line: 'line-1' }));
    const trackers = new Map(machines.slice(0, 20).map((m) => [m.id, new CommStatsTracker()]));
    for (const t of trackers.values()) for (let i = 0; i < 1000; i++) t.record('ok', i % 40, Date.now());
    const metrics = new GatewayMetrics({
      site: 'bench',
      version: 'bench',
      machines: () => machines,
      online: () => true,
      commStats: (id) =>
        trackers.get(id)?.snapshot() ?? {
          messages: 100,
          accepted: 99,
          rejected: { bad_json: 1 },
          lastMessageTs: null,
          lastRejected: null,
        },
      latency: (id) => trackers.get(id)?.latencyHistogram(),
      links: () => [{ id: 'tcp:10.0.0.5:502', open: true }],
      storage: () => ({ store: store.stats(), sinks: [] }),
      now: Date.now,
    });
    metrics.start();
    const times: number[] = [];
    let bodyBytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      const s = process.hrtime.bigint();
      const r = await metrics.render();
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      bodyBytes = Buffer.byteLength(r.body);
    }
    metrics.stop();
    store.close();

    const out = join(dir, 'backup.db');
    let s = Date.now();
    const b = await createBackup({ dataDir, out, files: [], site: 'bench', version: 'bench' });
    const backupS = (Date.now() - s) / 1000;
    s = Date.now();
    const r = await restoreBackup({ file: out, dataDir: join(dir, 'restored') });
    const restoreS = (Date.now() - s) / 1000;
    const mb = dbBytes / 1024 ** 2;

    const rows = [
      { what: 'store size', value: `${mb.toFixed(1)} MB`, detail: `${ROWS} raw samples` },
      {
        what: 'backup',
        value: `${backupS.toFixed(2)} s`,
        detail: `${(mb / backupS).toFixed(1)} MB/s, ${b.rows} rows`,
      },
      {
        what: 'restore (checks + copy + vacuum)',
        value: `${restoreS.toFixed(2)} s`,
        detail: `${r.rows} rows, integrity ok`,
      },
      {
        what: 'GET /metrics render, 70 machines',
        value: `${median(times).toFixed(2)} ms median`,
        detail: `p99 ${quantile(times, 0.99).toFixed(2)} ms, ${bodyBytes} bytes`,
      },
    ];
    printTable('bench:ops', rows);
    process.stdout.write(
      `\n${writeResult('ops', { rows: ROWS, dbBytes, backupS, restoreS, scrapeMs: times })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
