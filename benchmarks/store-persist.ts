/**
 * `node dist/benchmarks/store-persist.js` (after `npm run build`): the local store's share of an
 * MQTT message, without the broker — the durable `persist` the MQTT sources call per group
 * commit (gateway/runtime/store-persist.ts over a real Store in a temp dir), with bench:mqtt's
 * message shape: 10 devices, 3 samples per message (temp, count, run as text), groups of --group
 * messages per commit (bench:mqtt sees ~70–90 on the embedded broker at QoS 1, 15–100 through
 * Mosquitto). Prints CPU µs and wall µs per message (medians of --repeat rounds, each a fresh
 * store) and writes .bench/store-persist.json. Options: --n (messages per round, default
 * 100 000), --group (default 84; several allowed, comma-separated), --repeat (default 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Sample } from '../gateway/core/sample.js';
import { storePersist } from '../gateway/runtime/store-persist.js';
import { Store } from '../gateway/store/store.js';
import { median, printTable, writeResult } from './lib.js';

const { values } = parseArgs({
  options: { n: { type: 'string' }, group: { type: 'string' }, repeat: { type: 'string' } },
});
const N = Number(values.n ?? 100_000);
const GROUPS = (values.group ?? '84').split(',').map(Number);
const REPEAT = Math.max(1, Number(values.repeat ?? 5));

function round(group: number): { cpu: number; wall: number } {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-bench-store-'));
  const store = Store.open({ dataDir: dir, log: pino({ level: 'silent' }) });
  const persist = storePersist(store);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let m = 0; m < N; m += group) {
    const batch: Sample[] = [];
    const ts = Date.now(); // current time, as devices stamp it (open rollup buckets: memory only)
    for (let i = 0; i < group; i++) {
      const machine = `dev${(m + i) % 10}`;
      batch.push({ machine, point: 'temp', value: 20 + ((m + i) % 1000) / 100, ts, quality: 'good' });
      batch.push({ machine, point: 'count', value: m + i, ts, quality: 'good' });
      batch.push({ machine, point: 'run', value: 'run-1764230000000', ts, quality: 'good' });
    }
    persist(batch);
  }
  const c = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { cpu: (c.user + c.system) / N, wall: (wall * 1000) / N };
}

const rows = GROUPS.map((group) => {
  const runs = Array.from({ length: REPEAT }, () => round(group));
  return {
    'msgs/commit': group,
    n: N,
    rounds: REPEAT,
    'CPU µs/msg (median)': Math.round(median(runs.map((r) => r.cpu)) * 100) / 100,
    'wall µs/msg (median)': Math.round(median(runs.map((r) => r.wall)) * 100) / 100,
    'CPU µs/msg (each)': runs.map((r) => r.cpu.toFixed(1)).join(' '),
  };
});
printTable('store persist per message (3 samples), the MQTT sources’ durable commit', rows);
process.stdout.write(`wrote ${writeResult('store-persist', { n: N, repeat: REPEAT, rows })}\n`);
