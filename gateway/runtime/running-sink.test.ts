import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FaultSink, startFaultSink } from '../../tests/peers/fault-sink.js';
import type { EventRow, OutboxRow, SampleRow } from '../core/outbox.js';
import { createLineEncoder } from '../sinks/influx/line-protocol.js';
import { createV1Writer } from '../sinks/influx/v1-writer.js';
import { MemoryOutbox } from '../sinks/memory-outbox.js';
import type { LineWriter } from '../sinks/types.js';
import { RunningSink, type RunningSinkDeps, type SinkEvent } from './running-sink.js';

const log = pino({ level: 'silent' });
const encode = createLineEncoder({ tagsFor: () => ({ site: 's', line: 'l' }) });

let fault: FaultSink;
let outbox: MemoryOutbox;
let events: SinkEvent[];
const running: RunningSink[] = [];

beforeEach(async () => {
  fault = await startFaultSink();
  outbox = new MemoryOutbox();
  events = [];
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await fault.close();
});

function rows(n: number, from = 0): SampleRow[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `r${from + i}`,
    kind: 'sample' as const,
    machine: 'm1',
    point: `p${(from + i) % 3}`,
    value: from + i,
    quality: 'good' as const,
    ts: 1_000_000 + from + i,
  }));
}

/** The row key → line map of what the encoder makes, to read the fault sink's records. */
function lineOf(row: OutboxRow): string {
  const r = encode(row);
  if (!r.ok) throw new Error(r.reason);
  return r.line;
}

function start(over: Partial<RunningSinkDeps> = {}, writer?: LineWriter): RunningSink {
  const sink = new RunningSink({
    outbox,
    encode,
    writer: writer ?? createV1Writer({ url: fault.url, database: 'db', timeoutMs: 1000 }),
    log,
    onEvent: (e) => events.push(e),
    batchSize: 5000,
    idlePollMs: 20,
    backoff: { baseMs: 20, maxMs: 100 },
    slowRetryMs: 200,
    ...over,
  });
  running.push(sink);
  sink.start();
  return sink;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lines in the order the server first accepted them (a resend may repeat a line). */
function firstAccepted(): string[] {
  return [...new Set(fault.accepted)];
}

describe('RunningSink against the fault sink', () => {
  it('sends everything in order, in batches of batchSize, and acks it', async () => {
    const all = rows(12_000);
    outbox.append(...all);
    const sink = start();
    await until('drained', () => outbox.depth() === 0);
    expect(fault.requests.map((r) => r.lines.length)).toEqual([5000, 5000, 2000]);
    expect(fault.accepted).toEqual(all.map(lineOf));
    expect(outbox.acked).toEqual(all);
    expect(sink.status()).toMatchObject({
      sink: 'influx',
      queueDepth: 0,
      oldestUnsentTs: null,
      pointsSent: 12_000,
      linesQuarantined: 0,
      retries: 0,
      requests: 3,
      lastError: null,
    });
    expect(sink.status().lastSuccessTs).toBeGreaterThan(0);
  });

  it('keeps every row through 500s, 429 and resets, and keeps the order', async () => {
    fault.queue(
      { kind: 'status', status: 500, body: '{"error":"timeout"}' },
      { kind: 'status', status: 429 },
      { kind: 'reset' },
      { kind: 'reset', when: 'response' },
    );
    const all = rows(30);
    outbox.append(...all);
    const sink = start({ batchSize: 10 });
    await until('drained', () => outbox.depth() === 0);
    expect(firstAccepted()).toEqual(all.map(lineOf));
    expect(outbox.acked).toEqual(all);
    const status = sink.status();
    expect(status.retries).toBe(4);
    expect(status.pointsSent).toBe(30);
    expect(status.lastError).toMatchObject({ code: 'LG_SINK_UNREACHABLE' });
  });

  it('waits as long as Retry-After says (seconds and HTTP-date)', async () => {
    const inTwoSeconds = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toUTCString();
    fault.queue(
      { kind: 'status', status: 503, headers: { 'retry-after': '1' } },
      { kind: 'status', status: 429, headers: { 'retry-after': inTwoSeconds } },
    );
    outbox.append(...rows(5));
    start({ backoff: { baseMs: 1, maxMs: 1 } });
    await until('drained', () => outbox.depth() === 0, 6000);
    const [a, b, c] = fault.requests.map((r) => r.ts);
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(950);
    expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(900);
    expect(fault.accepted).toHaveLength(5);
  });

  it('backs off with capped full jitter when no Retry-After is given', async () => {
    fault.queue(...Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 503 })));
    outbox.append(...rows(1));
    start({ backoff: { baseMs: 50, maxMs: 200 }, random: () => 1 });
    await until('drained', () => outbox.depth() === 0);
    const ts = fault.requests.map((r) => r.ts);
    const gaps = ts.slice(1).map((t, i) => t - (ts[i] as number));
    // random = 1 → the ceiling: 50, 100, 200, 200, 200, 200 ms.
    [50, 100, 200, 200, 200, 200].forEach((want, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(want - 5);
      expect(gaps[i]).toBeLessThan(want + 300);
    });
  });

  it('quarantines only the lines the server names, and delivers the rest in order', async () => {
    const all = rows(10);
    fault.queue({ kind: 'refuse-lines', lines: [3, 7] });
    outbox.append(...all);
    const sink = start();
    await until('drained', () => outbox.depth() === 0);
    expect(outbox.quarantined.map((q) => q.row.key)).toEqual(['r3', 'r7']);
    expect(outbox.quarantined[0]?.reason).toContain(`unable to parse '${lineOf(all[3] as OutboxRow)}'`);
    const good = all.filter((r) => r.key !== 'r3' && r.key !== 'r7').map(lineOf);
    // 1.x wrote the good lines with the 400, then the rest is sent again (an overwrite).
    expect(fault.requests.map((r) => r.lines.length)).toEqual([10, 8]);
    expect(firstAccepted()).toEqual(good);
    expect(outbox.acked).toEqual(all);
    expect(sink.status()).toMatchObject({ pointsSent: 8, linesQuarantined: 2 });
    expect(events).toMatchObject([
      { sink: 'influx', kind: 'quarantined', count: 2, code: 'LG_SINK_BAD_LINE' },
    ]);
  });

  it('quarantines the lines of a field type conflict (1.6.7 names no line)', async () => {
    const ev = (i: number, x: number | string): EventRow => ({
      key: `e${i}`,
      kind: 'event',
      measurement: 'batch',
      tags: { machine: 'mixer' },
      fields: { x },
      ts: 5000 + i,
    });
    const all = [ev(0, 1), ev(1, 'one'), ev(2, 2), ev(3, 'three'), ev(4, 4)];
    fault.queue({ kind: 'conflict', measurement: 'batch', field: 'x', type: 'string', existing: 'float' });
    outbox.append(...all);
    start();
    await until('drained', () => outbox.depth() === 0);
    expect(outbox.quarantined.map((q) => q.row.key)).toEqual(['e1', 'e3']);
    expect(outbox.quarantined[0]?.reason).toMatch(/field type conflict/);
    expect(firstAccepted()).toEqual([all[0], all[2], all[4]].map((r) => lineOf(r as OutboxRow)));
  });

  it('splits a refused request that names no line until it finds the poisoned ones', async () => {
    const all = rows(100);
    const poisoned = new Set([lineOf(all[17] as OutboxRow), lineOf(all[64] as OutboxRow)]);
    // Like InfluxDB 2.x: the whole request is refused and the answer does not say which line.
    fault.setDefault(({ lines }) =>
      lines.some((l) => poisoned.has(l))
        ? { kind: 'status', status: 400, body: '{"code":"invalid","message":"something is wrong"}' }
        : { kind: 'accept' },
    );
    outbox.append(...all);
    start();
    await until('drained', () => outbox.depth() === 0);
    expect(outbox.quarantined.map((q) => q.row.key)).toEqual(['r17', 'r64']);
    expect(outbox.quarantined[0]?.reason).toBe('HTTP 400: something is wrong');
    expect(fault.accepted).toEqual(all.filter((r) => r.key !== 'r17' && r.key !== 'r64').map(lineOf));
    // Two bad lines in 100: about 2 × 2 × log2(100) requests, far from one per line.
    expect(fault.requests.length).toBeLessThanOrEqual(30);
  });

  it('quarantines rows the encoder refuses without sending them', async () => {
    const bad: EventRow = { key: 'bad', kind: 'event', measurement: 'x', tags: {}, fields: {}, ts: 1 };
    const all = [...rows(2), bad, ...rows(2, 2)];
    outbox.append(...all);
    start();
    await until('drained', () => outbox.depth() === 0);
    expect(outbox.quarantined).toEqual([{ row: bad, reason: 'cannot encode: no field with a value' }]);
    expect(fault.requests).toHaveLength(1);
    expect(fault.accepted).toHaveLength(4);
  });

  it('on 401 raises auth-failed once, keeps every row, retries slowly, then recovers', async () => {
    fault.setDefault({ kind: 'status', status: 401, body: '{"error":"authorization failed"}' });
    outbox.append(...rows(20));
    const sink = start({ slowRetryMs: 300 });
    await until('three attempts', () => fault.requests.length >= 3 && sink.status().state === 'auth-failed');
    expect(outbox.depth()).toBe(20);
    expect(outbox.acked).toEqual([]);
    expect(sink.status()).toMatchObject({
      state: 'auth-failed',
      lastError: { code: 'LG_SINK_AUTH', status: 401, message: 'HTTP 401: authorization failed' },
    });
    const ts = fault.requests.map((r) => r.ts);
    expect((ts[2] as number) - (ts[1] as number)).toBeGreaterThanOrEqual(290);
    expect(events).toEqual([
      expect.objectContaining({ sink: 'influx', kind: 'auth-failed', code: 'LG_SINK_AUTH', status: 401 }),
    ]);
    fault.setDefault({ kind: 'accept' });
    await until('drained', () => outbox.depth() === 0);
    expect(events.map((e) => e.kind)).toEqual(['auth-failed', 'recovered']);
    expect(fault.accepted).toHaveLength(20);
  });

  it('on 404 (database not found) raises refused and keeps every row', async () => {
    fault.queue({ kind: 'status', status: 404, body: '{"error":"database not found: \\"db\\""}' });
    outbox.append(...rows(3));
    start();
    await until('drained', () => outbox.depth() === 0);
    expect(events.map((e) => e.kind)).toEqual(['refused', 'recovered']);
    expect(events[0]).toMatchObject({
      code: 'LG_SINK_REFUSED',
      message: 'HTTP 404: database not found: "db"',
    });
    expect(fault.accepted).toHaveLength(3);
  });

  it('times a stalled request out and sends it again', async () => {
    fault.queue({ kind: 'stall' });
    outbox.append(...rows(3));
    const t0 = Date.now();
    start({}, createV1Writer({ url: fault.url, database: 'db', timeoutMs: 300 }));
    await until('drained', () => outbox.depth() === 0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(fault.requests.map((r) => r.action)).toEqual(['stall', 'accept']);
    expect(fault.accepted).toHaveLength(3);
  });

  it('stop() during a stall returns within its bound and acks nothing', async () => {
    fault.setDefault({ kind: 'stall' });
    outbox.append(...rows(3));
    const sink = start(
      { stopTimeoutMs: 200 },
      createV1Writer({ url: fault.url, database: 'db', timeoutMs: 60_000 }),
    );
    await until('request sent', () => fault.requests.length === 1);
    const t0 = Date.now();
    await sink.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(outbox.acked).toEqual([]);
    expect(outbox.depth()).toBe(3);
    expect(sink.status().state).toBe('stopped');
  });

  it('stop() lets a request in flight finish and acks what was delivered', async () => {
    let release: () => void = () => undefined;
    const slow: LineWriter = {
      target: 'slow',
      write: () =>
        new Promise((resolve) => {
          release = () => resolve({ ok: true });
        }),
    };
    outbox.append(...rows(3));
    const sink = start({ stopTimeoutMs: 2000 }, slow);
    await until('in flight', () => outbox.nextCalls === 1);
    const stopping = sink.stop();
    setTimeout(() => release(), 50);
    await stopping;
    expect(outbox.acked).toHaveLength(3);
  });

  it('survives an outbox that fails to ack: the batch comes again, nothing is lost', async () => {
    let failures = 1;
    const ack = outbox.ack.bind(outbox);
    outbox.ack = (batch) => {
      if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
      ack(batch);
    };
    const all = rows(5);
    outbox.append(...all);
    const sink = start();
    await until('drained', () => outbox.depth() === 0);
    expect(outbox.acked).toEqual(all);
    expect(firstAccepted()).toEqual(all.map(lineOf));
    expect(fault.requests).toHaveLength(2);
    expect(sink.status().lastError?.message).toBe('outbox: SQLITE_BUSY: database is locked');
  });

  it('notify() ends an idle wait at once', async () => {
    const sink = start({ idlePollMs: 60_000 });
    await until('idle', () => sink.status().state === 'idle');
    outbox.append(...rows(2));
    const t0 = Date.now();
    sink.notify();
    await until('drained', () => outbox.depth() === 0, 1000);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('replays a backlog back to back at far more than the ingest rate', async () => {
    outbox.append(...rows(50_000));
    const t0 = Date.now();
    start();
    await until('drained', () => outbox.depth() === 0, 20_000);
    const rate = 50_000 / ((Date.now() - t0) / 1000);
    expect(fault.requests).toHaveLength(10);
    // Nominal ingest of a small line is about 500 samples/s; replay must be ≥ 10× that.
    expect(rate).toBeGreaterThan(5000);
  });
});
