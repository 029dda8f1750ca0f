import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/helpers/wait.js';
import type { Outbox, OutboxBatch, SampleRow } from '../core/outbox.js';
import type { LineWriter, WriteResult } from '../sinks/types.js';
import { series } from '../store/testdata/temp-store.js';
import { RunningSink } from './running-sink.js';
import { storeSinkHarness } from './testdata/store-sink.js';

/**
 * maxInFlight 2 over the store outbox: the next full batch of samples is sent while the one
 * before is answered. The answers are given by the test, in any order: acks must stay in
 * outbox order (a later batch only after every earlier one), and a failure of the earlier
 * batch sends the later one again after it. A scripted writer: no server answers on command.
 */
const { log, encode, t, running } = storeSinkHarness();

const BATCH = 10;
const lineValue = (line: string) => Number(/ value=([^,]+),/.exec(line)?.[1]);

interface Request {
  readonly values: number[];
  answer(result: WriteResult): void;
}

/** Every request waits until the test answers it; counts how many were in flight at most. */
function manualWriter() {
  const requests: Request[] = [];
  const delivered: number[] = [];
  let open = 0;
  let maxOpen = 0;
  const writer: LineWriter = {
    target: 'manual',
    write(lines, signal): Promise<WriteResult> {
      open++;
      maxOpen = Math.max(maxOpen, open);
      const values = lines.map(lineValue);
      return new Promise<WriteResult>((resolve) => {
        const answer = (result: WriteResult) => {
          open--;
          if (result.ok) delivered.push(...values);
          resolve(result);
        };
        signal?.addEventListener('abort', () => answer({ ok: false, kind: 'retry', message: 'aborted' }));
        requests.push({ values, answer });
      });
    },
  };
  return { writer, requests, delivered, maxOpen: () => maxOpen };
}

/** Records every ack as [first value, last value] of its batch. */
function ackLog(outbox: Outbox) {
  const acks: [number, number][] = [];
  const value = (b: OutboxBatch, i: number) => (b.rows.at(i) as SampleRow).value as number;
  const wrapped: Outbox = {
    sink: outbox.sink,
    next: (n) => outbox.next(n),
    nextAfter: (after, n) => outbox.nextAfter?.(after, n) ?? { sink: outbox.sink, rows: [] },
    ack: (b) => {
      acks.push([value(b, 0), value(b, -1)]);
      outbox.ack(b);
    },
    quarantine: (b, k, r) => outbox.quarantine(b, k, r),
    depth: () => outbox.depth(),
    oldestUnsentTs: () => outbox.oldestUnsentTs(),
  };
  return { wrapped, acks };
}

function start(outbox: Outbox, writer: LineWriter, maxInFlight: 1 | 2 = 2) {
  const s = new RunningSink({
    outbox,
    encode,
    writer,
    log,
    batchSize: BATCH,
    idlePollMs: 10,
    random: () => 0,
    backoff: { baseMs: 1, maxMs: 1 },
    stopTimeoutMs: 50,
    maxInFlight,
  });
  running.push(s);
  s.start();
  return s;
}

function filled(rows: number) {
  const store = t.open(t.dir());
  const out = store.registerSink('influx', { from: 'start' });
  store.append(series('m', 'p', rows, 0));
  store.flush();
  return { store, out };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const ok: WriteResult = { ok: true };

describe('RunningSink with two requests in flight', () => {
  it('acks in outbox order when the later request is answered first', async () => {
    const { out } = filled(3 * BATCH);
    const w = manualWriter();
    const { wrapped, acks } = ackLog(out);
    start(wrapped, w.writer);
    await waitFor(() => w.requests.length === 2);
    expect(w.requests.map((r) => r.values)).toEqual([range(0, 10), range(10, 20)]);
    w.requests[1]?.answer(ok); // the later batch first
    await new Promise((r) => setTimeout(r, 30));
    expect(acks).toEqual([]); // not before the earlier one
    expect(out.depth()).toBe(30);
    w.requests[0]?.answer(ok);
    await waitFor(() => acks.length === 2);
    expect(acks).toEqual([
      [0, 9],
      [10, 19],
    ]);
    await waitFor(() => w.requests.length === 3);
    w.requests[2]?.answer(ok);
    await waitFor(() => out.depth() === 0);
    expect(acks).toEqual([
      [0, 9],
      [10, 19],
      [20, 29],
    ]);
    expect(w.maxOpen()).toBe(2);
  });

  it('a failure of the earlier batch sends the later one again after it, acks in order', async () => {
    const { out } = filled(3 * BATCH);
    const w = manualWriter();
    const { wrapped, acks } = ackLog(out);
    start(wrapped, w.writer);
    await waitFor(() => w.requests.length === 2);
    w.requests[1]?.answer(ok); // 10..19 delivered …
    w.requests[0]?.answer({ ok: false, kind: 'retry', message: 'HTTP 503', status: 503 }); // … 0..9 not
    await waitFor(() => w.requests.length === 3);
    expect(w.requests[2]?.values).toEqual(range(0, 10)); // the first unacked batch again
    expect(acks).toEqual([]);
    w.requests[2]?.answer(ok);
    // The later batch goes again, after the resend of the earlier one (order of arrival kept).
    await waitFor(() => w.requests.length >= 4);
    expect(w.requests[3]?.values).toEqual(range(10, 20));
    expect(acks).toEqual([[0, 9]]);
    // B went cleanly again, so the last batch may be sent alongside it.
    await waitFor(() => w.requests.length === 5);
    expect(w.requests[4]?.values).toEqual(range(20, 30));
    w.requests[4]?.answer(ok);
    w.requests[3]?.answer(ok);
    await waitFor(() => out.depth() === 0);
    expect(w.requests).toHaveLength(5);
    expect(acks).toEqual([
      [0, 9],
      [10, 19],
      [20, 29],
    ]);
    // In the order answered: 10..19 early, 0..9 resent, then 10..19 again after it (and 20..29).
    expect(w.delivered).toEqual([...range(10, 20), ...range(0, 10), ...range(20, 30), ...range(10, 20)]);
  });

  it('uses the early answer of a later batch: 400 quarantines its named line, the rest goes again', async () => {
    const { store, out } = filled(2 * BATCH + 5);
    const w = manualWriter();
    const { wrapped, acks } = ackLog(out);
    start(wrapped, w.writer);
    await waitFor(() => w.requests.length === 2);
    w.requests[0]?.answer(ok);
    w.requests[1]?.answer({
      ok: false,
      kind: 'bad-lines',
      lines: [3],
      message: 'unable to parse',
    });
    await waitFor(() => w.requests.length === 3);
    expect(w.requests[2]?.values).toEqual(range(10, 20).filter((v) => v !== 13));
    w.requests[2]?.answer(ok);
    await waitFor(() => w.requests.length === 4);
    w.requests[3]?.answer(ok);
    await waitFor(() => out.depth() === 0);
    expect(acks).toEqual([
      [0, 9],
      [10, 19],
      [20, 24],
    ]);
    expect(store.db.prepare('SELECT count(*) FROM quarantine').pluck().get()).toBe(1);
  });

  it('keeps one request in flight for batches with events, and with maxInFlight 1', async () => {
    for (const withEvents of [true, false]) {
      const store = t.open(t.dir());
      const out = store.registerSink('influx', { from: 'start' });
      for (let k = 0; k < 3; k++) {
        // With events: one in every batch (an event may be rewritten by a later row).
        if (withEvents)
          store.appendEvents([{ measurement: 'alarm', tags: { machine: 'm' }, fields: { v: k }, ts: k }]);
        store.append(series('m', 'p', withEvents ? BATCH - 1 : BATCH, k * 100_000, 1000, k * 100));
        store.flush();
      }
      const w = manualWriter();
      const s = start(out, w.writer, withEvents ? 2 : 1);
      let answered = 0;
      await waitFor(() => {
        while (answered < w.requests.length) w.requests[answered++]?.answer(ok);
        return out.depth() === 0;
      });
      expect(answered).toBe(3);
      expect(w.maxOpen()).toBe(1);
      await s.stop();
    }
  });
});
