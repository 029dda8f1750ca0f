/**
 * Outage: InfluxDB 1.6.7 is killed (SIGKILL) for about 22 s while rows keep arriving in the
 * outbox at 500 rows/s, then restarted. Everything must arrive once per point (no loss, no
 * duplicates), first deliveries in outbox order, and the whole backlog delivered after the
 * restart. Correctness only: how fast the backlog goes out (replay rate, its ratio to the ingest
 * rate) is measured by `npm run bench:forward` (table B), not asserted here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRow } from '../gateway/core/outbox.js';
import { RunningSink } from '../gateway/runtime/running-sink.js';
import { createLineEncoder } from '../gateway/sinks/influx/line-protocol.js';
import { createV1Writer } from '../gateway/sinks/influx/v1-writer.js';
import { MemoryOutbox } from '../gateway/sinks/memory-outbox.js';
import type { LineWriter } from '../gateway/sinks/types.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from './peers/influxdb.js';
import { requirePeer } from './peers/require-peer.js';

const ok = requirePeer('influxdb', influxdbAvailable);

const OUTAGE_MS = 22_000;
const TICK_MS = 20;
const ROWS_PER_TICK = 10; // 500 rows/s
const INGEST_PER_S = (ROWS_PER_TICK * 1000) / TICK_MS; // for the size of the backlog

let influx: InfluxdbServer | undefined;
let sink: RunningSink | undefined;
let ticker: NodeJS.Timeout | undefined;

beforeAll(async () => {
  if (ok) influx = await startInfluxdb({ database: 'outage' });
});
afterAll(async () => {
  clearInterval(ticker);
  await sink?.stop();
  await influx?.close();
});

describe.skipIf(!ok)('InfluxDB outage', () => {
  it('loses nothing, doubles nothing, keeps the order and replays the backlog', async () => {
    if (!influx) throw new Error('influxd did not start');
    const server = influx;
    const encode = createLineEncoder({
      tagsFor: () => ({ site: 'nhà máy', line: 'l1', kind: 'dryer', role: 'temperature' }),
    });
    const outbox = new MemoryOutbox('influx-outage');
    const writer = createV1Writer({ url: server.url, database: 'outage', timeoutMs: 2000 });
    /** Successful requests: when they started and ended, and their lines. */
    const successes: { start: number; end: number; lines: readonly string[] }[] = [];
    const recording: LineWriter = {
      target: writer.target,
      async write(lines, signal) {
        const start = Date.now();
        const result = await writer.write(lines, signal);
        if (result.ok) successes.push({ start, end: Date.now(), lines });
        return result;
      },
    };
    sink = new RunningSink({
      outbox,
      encode,
      writer: recording,
      log: pino({ level: 'silent' }),
      idlePollMs: 50,
      backoff: { baseMs: 200, maxMs: 2000 },
    });
    sink.start();

    const T0 = Date.UTC(2026, 5, 1);
    const appended: SampleRow[] = [];
    ticker = setInterval(() => {
      for (let k = 0; k < ROWS_PER_TICK; k++) {
        const seq = appended.length;
        const row: SampleRow = {
          key: `k${seq}`,
          kind: 'sample',
          machine: `máy-${seq % 2}`,
          point: `p${seq % 5}`,
          value: seq,
          quality: 'good',
          ts: T0 + seq,
        };
        appended.push(row);
        outbox.append(row);
      }
      sink?.notify();
    }, TICK_MS);

    await sleep(2000);
    await server.kill('SIGKILL');
    await sleep(OUTAGE_MS);
    const backlog = outbox.depth();
    expect(backlog).toBeGreaterThan(INGEST_PER_S * (OUTAGE_MS / 1000) * 0.8);
    expect(sink.status()).toMatchObject({ lastError: { code: 'LG_SINK_UNREACHABLE' } });
    const restartedAt = Date.now();
    await server.restart();
    await sleep(2000);
    clearInterval(ticker);

    const deadline = Date.now() + 20_000;
    while (outbox.depth() > 0) {
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(sink.status())}`);
      await sleep(50);
    }
    await sink.stop();

    // Zero loss, no duplicates: each series has one point per appended row, at its timestamp.
    const rows = await server.query('SELECT value, machine, point FROM telemetry');
    expect(rows.length).toBe(appended.length);
    const got = new Map(rows.map((r) => [`${r.machine}|${r.point}|${r.time.getTime()}`, r.value]));
    expect(got.size).toBe(appended.length);
    for (const a of appended) expect(got.get(`${a.machine}|${a.point}|${a.ts}`)).toBe(a.value);
    const counts = await server.query('SELECT count(value) AS n FROM telemetry GROUP BY machine, point');
    expect(counts.reduce((sum, r) => sum + Number(r.n), 0)).toBe(appended.length);

    // Order: rows were first delivered in the order they were appended.
    const firstDelivered = [...new Set(successes.flatMap((s) => s.lines))];
    const lineOf = (r: SampleRow) => {
      const e = encode(r);
      if (!e.ok) throw new Error(e.reason);
      return e.line;
    };
    expect(firstDelivered).toEqual(appended.map(lineOf));

    // The backlog went out after the restart (none of it was acked during the outage).
    const after = successes.filter((s) => s.start >= restartedAt);
    expect(after.reduce((n, s) => n + s.lines.length, 0)).toBeGreaterThanOrEqual(backlog);
  }, 60_000);
});
