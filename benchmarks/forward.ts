/**
 * npm run bench:forward — store → InfluxDB figures (issue "Local store and zero-loss forwarding"),
 * against a real InfluxDB 1.6.7 started on a free loopback port (Debian `influxdb`):
 * Run order B, A, C (so the replay's memory is measured before A fills the heap).
 *  A. Throughput: N stored samples forwarded by the sink as main.ts builds it (outbox → rendered
 *     or encoded body → gzip'd or plain POST /write, 5 000 lines per request, up to two in
 *     flight, ack) vs a raw blast of the same lines, pre-encoded and pre-joined, over HTTP with
 *     no store (the same request size, one in flight): the server's own ceiling (issue 4's
 *     reference); `blast ×2` the same with two in flight, as the sinks may: a higher ceiling.
 *     Each mode into its own fresh database; the order of the modes rotates from run to run.
 *  B. Replay after an outage: a backlog of N samples, then the sink starts while live samples
 *     keep coming at the nominal rate (committed by the store runner once a second). Replay rate
 *     = rows delivered until caught up / time, and its ratio to the nominal rate (`× nominal`:
 *     the issue asks ≥ 10; tests/influx-outage.test.ts checks only correctness); live-data
 *     latency = acquisition → acknowledged by InfluxDB, during the replay (the live lane of the
 *     outbox: p50, p95, max) and after it.
 *  C. SD wear: 1 M samples written in flushes of 1 000 (1 000 points at 1 s) with the outbox
 *     acked after every flush: wchar and write_bytes from /proc/self/io, and file growth.
 * Peak RSS of the process. Medians over RUNS runs (BENCH_RUNS, default 3; BENCH_ROWS and
 * BENCH_BACKLOG set the sizes; BENCH_PARTS, default ABC, picks the parts). Prints tables, writes .bench/forward.json.
 * The figures depend on the CPU left to node and influxd: note the load average with them.
 */

import type { Outbox, OutboxRow } from '../gateway/core/outbox.js';
import { StoreRunner } from '../gateway/store/store-runner.js';
import { influxdbAvailable, startInfluxdb } from '../tests/peers/influxdb.js';
import {
  encode,
  fileBytes,
  filledStore,
  influxWriter,
  io,
  observedWriter,
  peakRssMiB,
  SERIES,
  samples,
  sinkFor,
  until,
} from './forward-parts.js';
import { median, printTable, quantile, writeResult } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = Number(process.env.BENCH_ROWS ?? 200_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 300_000);
const NOMINAL = 1000; // samples/s: 20 machines × 50 points at 1 s, a busy workshop
const WEAR_SAMPLES = 1_000_000;
const PARTS = process.env.BENCH_PARTS ?? 'ABC';

if (!influxdbAvailable()) {
  process.stderr.write('bench:forward needs InfluxDB 1.6.7: apt-get install influxdb\n');
  process.exit(1);
}
const influx = await startInfluxdb();
let dbCount = 0;
const freshDb = async () => {
  const name = `bench_${dbCount++}`;
  await influx.client.createDatabase(name);
  return name;
};

// ── B. replay after an outage, live data flowing ─────────────────────────────────────────
interface ReplayRun {
  catchUpS: number;
  replayRate: number;
  ratio: number;
  liveDuringP50: number;
  liveDuringP95: number;
  liveDuringMax: number;
  liveAfterP50: number;
  liveAfterP95: number;
}
const replays: ReplayRun[] = [];
let rssDuringReplay = 0;
for (let run = 0; PARTS.includes('B') && run < RUNS; run++) {
  // The backlog: BACKLOG / NOMINAL seconds of outage at the nominal rate, ending now.
  const tickMs = (1000 * SERIES) / NOMINAL;
  const t = filledStore(BACKLOG, ['influx'], Date.now() - (BACKLOG / SERIES + 1) * tickMs, tickMs);
  const db = await freshDb();
  const during: number[] = [];
  const after: number[] = [];
  let caughtUpAt = 0;
  const writer = observedWriter(influxWriter(influx.url, db, true), (lines, at) => {
    for (const l of lines) {
      const ts = Number(l.slice(l.lastIndexOf(' ') + 1));
      if (ts >= replayStart) (caughtUpAt ? after : during).push(at - ts);
    }
  });
  const sink = sinkFor(t.store, 'influx', writer);
  const runner = new StoreRunner(t.store, { flushIntervalMs: 1000, onFlush: () => sink.notify() });
  const out = t.store.outbox('influx');
  let live = 0;
  const tick = setInterval(() => {
    rssDuringReplay = Math.max(rssDuringReplay, process.memoryUsage().rss / 1024 ** 2);
    // NOMINAL samples/s in 100 ms ticks: every series, stamped now.
    const batch = samples(live, NOMINAL / 10, 0, 0).map((s) => ({ ...s, ts: Date.now() }));
    live += batch.length;
    t.store.append(batch);
  }, 100);
  const replayStart = Date.now();
  runner.start();
  sink.start();
  await until(() => out.depth() < 2 * NOMINAL && live > 0, 600_000);
  caughtUpAt = Date.now();
  const catchUpS = (caughtUpAt - replayStart) / 1000;
  const delivered = BACKLOG + live - out.depth();
  await new Promise((r) => setTimeout(r, 3000)); // steady state after the replay
  clearInterval(tick);
  runner.stop();
  await sink.stop();
  t.close();
  const replayRate = delivered / catchUpS;
  replays.push({
    catchUpS,
    replayRate,
    ratio: replayRate / NOMINAL,
    liveDuringP50: median(during),
    liveDuringP95: quantile(during, 0.95),
    liveDuringMax: during.length ? during.reduce((a, b) => Math.max(a, b)) : Number.NaN,
    liveAfterP50: median(after),
    liveAfterP95: quantile(after, 0.95),
  });
}
const rssB = peakRssMiB(); // B runs first, on a fresh process
const med = (k: keyof ReplayRun) => median(replays.map((r) => r[k]));
const tableB = [
  {
    backlog: BACKLOG,
    'nominal/s': NOMINAL,
    'catch-up s': med('catchUpS'),
    'replay rows/s': Math.round(med('replayRate')),
    '× nominal': med('ratio'),
    'live p50 during ms': Math.round(med('liveDuringP50')),
    'live p95 during ms': Math.round(med('liveDuringP95')),
    'live max during ms': Math.round(med('liveDuringMax')),
    'live p50 after ms': Math.round(med('liveAfterP50')),
    'live p95 after ms': Math.round(med('liveAfterP95')),
  },
];
if (replays.length)
  printTable(`B. replay of a backlog while ${NOMINAL} live samples/s flow (medians of ${RUNS})`, tableB);

// ── A. throughput ──────────────────────────────────────────────────────────────────────────
/** `blast ×2`: the same bodies with two requests in flight, as the sinks may (a higher ceiling). */
type Mode = 'blast' | 'blast ×2' | 'sink gzip' | 'sink plain';
const modes: Mode[] = ['blast', 'blast ×2', 'sink gzip', 'sink plain'];
const rates: Record<Mode, number[]> = { blast: [], 'blast ×2': [], 'sink gzip': [], 'sink plain': [] };
/** CPU time of this process (user + system) per 1 000 rows: what a Pi has to spend. */
const cpuPerK: Record<Mode, number[]> = { blast: [], 'blast ×2': [], 'sink gzip': [], 'sink plain': [] };
for (let run = 0; PARTS.includes('A') && run < RUNS; run++) {
  const t = filledStore(N, ['x', 'sink gzip', 'sink plain'], Date.UTC(2025, 0, 1) + run * 86_400_000);
  const rows = allRows(t.store.outbox('x'));
  if (rows.length !== N) throw new Error(`blast: ${rows.length} rows read, ${N} stored`);
  const lines = rows.map((r) => {
    const e = encode(r);
    if (!e.ok) throw new Error(e.reason);
    return e.line;
  });
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += 5000) bodies.push(lines.slice(i, i + 5000).join('\n'));
  // Rotate the order so no mode always runs on the busiest server.
  for (const mode of [...modes.slice(run % modes.length), ...modes.slice(0, run % modes.length)]) {
    const db = await freshDb();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    if (mode === 'blast' || mode === 'blast ×2') {
      let next = 0;
      const lane = async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const r = await fetch(`${influx.url}/write?db=${db}&precision=ms`, { method: 'POST', body });
          await r.arrayBuffer();
          if (r.status !== 204) throw new Error(`blast: HTTP ${r.status}`);
        }
      };
      await Promise.all(mode === 'blast' ? [lane()] : [lane(), lane()]);
    } else {
      const sink = sinkFor(t.store, mode, influxWriter(influx.url, db, mode === 'sink gzip'));
      const out = t.store.outbox(mode);
      sink.start();
      await until(() => out.depth() === 0, 300_000);
      await sink.stop();
    }
    rates[mode].push(N / ((performance.now() - t0) / 1000));
    const c = process.cpuUsage(c0);
    cpuPerK[mode].push((c.user + c.system) / 1000 / (N / 1000));
  }
  t.close();
}
const rssA = peakRssMiB(); // after B and A
const blast = median(rates.blast);
const tableA = modes.map((m) => ({
  mode: m,
  'rows/s (median)': Math.round(median(rates[m])),
  'min..max': `${Math.round(Math.min(...rates[m]))}..${Math.round(Math.max(...rates[m]))}`,
  'vs blast': `${Math.round((100 * median(rates[m])) / blast)} %`,
  // Each run's own ratio (its modes ran minutes apart at most), then the median: steadier
  // than the ratio of the medians when the machine's load changes between runs.
  'vs blast, paired': `${Math.round(100 * median(rates[m].map((r, i) => r / (rates.blast[i] ?? Number.NaN))))} %`,
  'vs blast ×2, paired': `${Math.round(100 * median(rates[m].map((r, i) => r / (rates['blast ×2'][i] ?? Number.NaN))))} %`,
  'node CPU ms / 1k rows': median(cpuPerK[m]),
}));
if (rates.blast.length)
  printTable(`A. store → InfluxDB 1.6.7, ${N} rows, 5 000 per request, ${RUNS} runs`, tableA);

/**
 * Every row of an outbox, in batches (one `next()` gives at most MAX_BATCH_ROWS: before this
 * loop, the blast sent 100 000 of 200 000 rows and was credited with all of them).
 */
function allRows(out: Outbox): OutboxRow[] {
  const rows: OutboxRow[] = [];
  for (let b = out.next(50_000); b.rows.length > 0; b = out.next(50_000)) {
    rows.push(...b.rows);
    out.ack(b);
  }
  return rows;
}

// ── C. bytes written per million samples ─────────────────────────────────────────────────
function wear(): Record<string, number>[] {
  const w = filledStore(0, ['influx'], 0);
  const out = w.store.outbox('influx');
  const size0 = fileBytes(w.dir);
  const io0 = io();
  for (let i = 0; i < WEAR_SAMPLES; i += 1000) {
    w.store.append(samples(i, 1000, Date.UTC(2025, 0, 1), 1000));
    w.store.flush();
    out.ack(out.next(5000));
  }
  w.store.db.pragma('wal_checkpoint(TRUNCATE)');
  const io1 = io();
  const growth = fileBytes(w.dir) - size0;
  w.close();
  const perM = 1_000_000 / WEAR_SAMPLES;
  return [
    {
      'samples/flush': 1000,
      'wchar MB/1M': Math.round(((io1.wchar - io0.wchar) * perM) / 1e6),
      'write_bytes MB/1M': Math.round(((io1.writeBytes - io0.writeBytes) * perM) / 1e6),
      'file growth MB/1M': Math.round((growth * perM) / 1e5) / 10,
    },
  ];
}
const tableC = PARTS.includes('C') ? wear() : [];
if (tableC.length)
  printTable(`C. disk writes per million samples (${SERIES} series, outbox acked each flush)`, tableC);
const rss = peakRssMiB();
printTable('RSS (MiB): largest seen during the replays (B, run first), then peak after each part', [
  {
    'during replay (B)': Math.round(rssDuringReplay),
    'peak after B': Math.round(rssB),
    'peak after A (holds the blast bodies)': Math.round(rssA),
    'peak after C': Math.round(rss),
  },
]);

await influx.close();
const file = writeResult('forward', {
  runs: RUNS,
  throughput: { rows: N, ratesPerMode: rates, cpuMsPer1kRows: cpuPerK, table: tableA },
  replay: { backlog: BACKLOG, nominalPerS: NOMINAL, runs: replays, table: tableB },
  wear: tableC[0],
  peakRssMiB: { afterThroughput: rssA, afterReplay: rssB, end: rss, duringReplay: rssDuringReplay },
});
process.stdout.write(`\nwrote ${file}\n`);
