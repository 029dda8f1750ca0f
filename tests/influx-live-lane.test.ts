/**
 * Live rows during a replay, against a real InfluxDB 1.6.7: the store holds a large backlog
 * (an outage that just ended), the sink replays it, and rows written meanwhile reach InfluxDB
 * before the backlog has finished (the outbox's live lane). Afterwards every row is in InfluxDB
 * exactly once, and each lane was first sent in time order. Asserts order and counts, no timing.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningSink } from '../gateway/runtime/running-sink.js';
import { createLineEncoder } from '../gateway/sinks/influx/line-protocol.js';
import { createV1Writer } from '../gateway/sinks/influx/v1-writer.js';
import type { LineWriter } from '../gateway/sinks/types.js';
import { sample, tempStores } from '../gateway/store/testdata/temp-store.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from './peers/influxdb.js';
import { requirePeer } from './peers/require-peer.js';

const ok = requirePeer('influxdb', influxdbAvailable);
const BACKLOG = 40_000;
const BATCH = 2000;
const LIVE_PER_REQUEST = 25;
const T0 = Date.UTC(2026, 5, 1);
const t = tempStores();
let influx: InfluxdbServer | undefined;
let sink: RunningSink | undefined;

beforeAll(async () => {
  if (ok) influx = await startInfluxdb({ database: 'lanes' });
});
afterAll(async () => {
  await sink?.stop();
  t.cleanup();
  await influx?.close();
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!ok)('live lane during a replay into InfluxDB 1.6.7', () => {
  it('live rows arrive before the backlog is through; afterwards all rows once, each lane in order', async () => {
    if (!influx) throw new Error('influxd did not start');
    const store = t.open(t.dir());
    store.registerSink('influx', { from: 'start' });
    for (let i = 0; i < BACKLOG; i += 5000) {
      const rows = [];
      for (let k = i; k < i + 5000; k++) rows.push(sample(`backlog-${k % 4}`, `p${k % 10}`, k, T0 + k));
      store.append(rows);
      store.flush();
    }
    const encode = createLineEncoder({ tagsFor: () => ({ site: 'nhà máy', line: 'l1', kind: 'dryer' }) });
    const inner = createV1Writer({ url: influx.url, database: 'lanes', timeoutMs: 10_000 });
    /** Requests in the order they were sent, with their lines; `ok` once answered 2xx. */
    const sent: { lines: readonly string[]; ok: boolean }[] = [];
    let live = 0;
    const writeLive = () => {
      // Live rows, written while the replay runs (after the third request: the lane is open).
      if (sent.length < 3 || live >= 20 * LIVE_PER_REQUEST) return;
      const rows = [];
      for (let k = 0; k < LIVE_PER_REQUEST; k++, live++)
        rows.push(sample('live', `p${live % 10}`, live, T0 + BACKLOG + live));
      store.append(rows);
      store.flush();
    };
    const writer: LineWriter = {
      target: inner.target,
      async write(lines, signal) {
        const entry = { lines, ok: false };
        sent.push(entry);
        writeLive();
        const r = await inner.write(lines, signal);
        entry.ok = r.ok;
        return r;
      },
      async writeBody(body, signal) {
        const entry = { lines: body.lines(), ok: false };
        sent.push(entry);
        writeLive();
        const r = await inner.write(entry.lines, signal);
        entry.ok = r.ok;
        return r;
      },
    };
    const out = store.outbox('influx');
    sink = new RunningSink({
      outbox: out,
      encode,
      writer,
      log: pino({ level: 'silent' }),
      batchSize: BATCH,
      idlePollMs: 20,
      maxInFlight: 2,
    });
    sink.start();
    await until(() => live >= 20 * LIVE_PER_REQUEST && out.depth() === 0, 120_000);
    await sink.stop();

    const delivered = sent.filter((s) => s.ok).map((s) => s.lines);
    const isLive = (l: string) => l.includes('machine=live');
    const lastBacklog = delivered.findLastIndex((ls) => ls.some((l) => !isLive(l)));
    const firstLive = delivered.findIndex((ls) => ls.some(isLive));
    expect(firstLive).toBeGreaterThanOrEqual(0);
    // Live rows went out while the backlog still had requests to go.
    expect(firstLive).toBeLessThan(lastBacklog);
    const liveBeforeEnd = delivered.slice(0, lastBacklog).flat().filter(isLive).length;
    expect(liveBeforeEnd).toBeGreaterThan(0);

    // Each lane first sent in time order (ts is the last field of a line).
    const tsOf = (l: string) => Number(l.slice(l.lastIndexOf(' ') + 1));
    const firstSent = (pick: (l: string) => boolean) => {
      const seen = new Set<number>();
      const order: number[] = [];
      for (const s of sent)
        for (const l of s.lines)
          if (pick(l) && !seen.has(tsOf(l))) {
            seen.add(tsOf(l));
            order.push(tsOf(l));
          }
      return order;
    };
    const backlogOrder = firstSent((l) => !isLive(l));
    expect(backlogOrder).toEqual([...backlogOrder].sort((a, b) => a - b));
    expect(backlogOrder.length).toBe(BACKLOG);
    const liveOrder = firstSent(isLive);
    expect(liveOrder).toEqual([...liveOrder].sort((a, b) => a - b));

    // Everything exactly once in InfluxDB: one point per row written.
    const counts = await influx.query('SELECT count(value) AS n FROM telemetry GROUP BY machine');
    const byMachine = Object.fromEntries(counts.map((r) => [String(r.machine), Number(r.n)]));
    expect(byMachine.live).toBe(live);
    expect(Object.values(byMachine).reduce((a, b) => a + b, 0)).toBe(BACKLOG + live);
    const sums = await influx.query("SELECT sum(value) AS s FROM telemetry WHERE machine = 'live'");
    expect(Number(sums[0]?.s)).toBe((live * (live - 1)) / 2);
  }, 180_000);
});
