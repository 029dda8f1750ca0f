import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfigText } from '../config/load.js';
import type { Sample } from '../gateway/core/sample.js';
import { ProductionEngine } from '../gateway/production/engine.js';
import { ProductionRepo } from '../gateway/production/repo.js';
import { Store } from '../gateway/store/store.js';
import { median, printTable, quantile, writeResult } from './lib.js';

/**
 * The production engine over one simulated production day: N packers polled every second
 * (run, good, reject counters), two shifts, a flush every 30 s into a real store on disk.
 * Prints CPU per poll, flush times, and what a day leaves in the database (SD card writes).
 * `npm run bench:production [machines]`
 */
const MACHINES = Number(process.argv[2] ?? 9);
const DAY_MS = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'linegate-bench-prod-'));
const machines = Array.from(
  { length: MACHINES },
  (_, i) =>
    `  - { id: p${i}, name: P${i}, line: l, profile: packer-delta-dvp, connection: { type: tcp, host: h, unitId: ${i + 1} } }`,
).join('\n');
const config = loadConfigText(
  `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines:
${machines}
production:
  shifts:
    - { id: ca1, start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] }
    - { id: ca2, start: '14:00', end: '22:00', breaks: [{ start: '18:00', end: '18:30' }] }
  products: [{ id: p, name: { vi: P, en: P }, packWeightG: 250, idealRatePerMin: 50 }]
  machines: { ${Array.from({ length: MACHINES }, (_, i) => `p${i}: { product: p }`).join(', ')} }
`,
  'bench.yaml',
  { env: {} },
);
const store = Store.open({ dataDir: dir, log: pino({ level: 'silent' }) });
let events = 0;
const engine = new ProductionEngine({
  config,
  repo: ProductionRepo.open(store.db),
  appendEvents: (rows) => {
    events += rows.length;
    store.appendEvents(rows);
  },
  log: pino({ level: 'silent' }),
});
const t0 = Date.parse('2026-03-02T06:00:00+07:00');
engine.start(t0);
const counters = new Array<number>(MACHINES).fill(0);
const flushMs: number[] = [];
let pollNs = 0n;
let polls = 0;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (let t = t0; t < t0 + DAY_MS; t += 1000) {
  const a = process.hrtime.bigint();
  for (let i = 0; i < MACHINES; i++) {
    counters[i] = ((counters[i] ?? 0) + (t % 6000 === 0 ? 0 : 1)) % 2 ** 32;
    const s: Sample[] = [
      { machine: `p${i}`, point: 'running', value: true, ts: t, quality: 'good' },
      { machine: `p${i}`, point: 'good_count', value: counters[i] ?? 0, ts: t, quality: 'good' },
      { machine: `p${i}`, point: 'reject_count', value: 0, ts: t, quality: 'good' },
    ];
    engine.samples(s);
    polls++;
  }
  pollNs += process.hrtime.bigint() - a;
  if ((t - t0) % 5000 === 0) {
    const f = performance.now();
    engine.tick(t);
    const ms = performance.now() - f;
    if ((t - t0) % 30_000 === 0) flushMs.push(ms);
  }
  if ((t - t0) % 60_000 === 0) store.flush();
}
engine.flush(t0 + DAY_MS, { events: true });
store.flush();
const cpu = process.cpuUsage(cpu0);
const wallS = (performance.now() - wall0) / 1000;
const count = (table: string) =>
  (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const result = {
  machines: MACHINES,
  polls,
  usPerPoll: Number(pollNs / BigInt(polls)) / 1000,
  flushMedianMs: median(flushMs),
  flushP99Ms: quantile(flushMs, 0.99),
  cpuSecondsPerDay: (cpu.user + cpu.system) / 1e6,
  wallSeconds: wallS,
  bucketRows: count('production_bucket'),
  stateRows: count('production_state'),
  eventRows: events,
  dbBytes: statSync(store.path).size,
};
printTable(`production engine, one day, ${MACHINES} packers polled every second`, [
  {
    machines: result.machines,
    'µs/poll': result.usPerPoll,
    'flush+tick ms (p50)': result.flushMedianMs,
    'flush+tick ms (p99)': result.flushP99Ms,
    'CPU s/day': result.cpuSecondsPerDay,
    'bucket rows': result.bucketRows,
    'event rows': result.eventRows,
    'db MB': result.dbBytes / 1e6,
  },
]);
process.stdout.write(`wrote ${writeResult('production', result)}\n`);
store.close();
rmSync(dir, { recursive: true, force: true });
