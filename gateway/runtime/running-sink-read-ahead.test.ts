import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/helpers/wait.js';
import type { Outbox, SampleRow } from '../core/outbox.js';
import type { LineWriter, WriteResult } from '../sinks/types.js';
import { series } from '../store/testdata/temp-store.js';
import { RunningSink } from './running-sink.js';
import { storeSinkHarness } from './testdata/store-sink.js';

/**
 * Read-ahead (Outbox.nextAfter, the store's outbox): while a full batch is in flight the sink
 * reads and encodes the next one. Order, exactly-once acks, failures and stop must be as without.
 */
const { log, encode, t, running } = storeSinkHarness();

/** Values of the lines (`value=N`), in the order the writer accepted them. */
const lineValue = (line: string) => Number(/ value=([^,]+),/.exec(line)?.[1]);

interface Script {
  /** Request numbers (1-based) answered with a retryable failure. */
  fail?: ReadonlySet<number>;
  /** Request number that hangs until aborted. */
  hang?: number;
}

function scriptedWriter(script: Script) {
  const delivered: number[] = [];
  let requests = 0;
  const writer: LineWriter = {
    target: 'scripted',
    async write(lines, signal): Promise<WriteResult> {
      const n = ++requests;
      await new Promise((r) => setTimeout(r, 2));
      if (n === script.hang) {
        await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
        return { ok: false, kind: 'retry', message: 'aborted' };
      }
      if (script.fail?.has(n)) return { ok: false, kind: 'retry', message: 'HTTP 503', status: 503 };
      for (const l of lines) delivered.push(lineValue(l));
      return { ok: true };
    },
  };
  return { writer, delivered, requests: () => requests };
}

function counting(outbox: Outbox) {
  const calls = { nextAfter: 0 };
  const wrapped: Outbox = {
    sink: outbox.sink,
    next: (n) => outbox.next(n),
    nextAfter: (after, n) => {
      calls.nextAfter++;
      return outbox.nextAfter?.(after, n) ?? { sink: outbox.sink, rows: [] };
    },
    ack: (b) => outbox.ack(b),
    quarantine: (b, k, r) => outbox.quarantine(b, k, r),
    depth: () => outbox.depth(),
    oldestUnsentTs: () => outbox.oldestUnsentTs(),
  };
  return { wrapped, calls };
}

function sinkFor(outbox: Outbox, writer: LineWriter, over: { encode?: typeof encode } = {}) {
  const s = new RunningSink({
    outbox,
    encode: over.encode ?? encode,
    writer,
    log,
    batchSize: 1000,
    idlePollMs: 10,
    random: () => 0,
    backoff: { baseMs: 1, maxMs: 1 },
    stopTimeoutMs: 50,
  });
  running.push(s);
  return s;
}

const TOTAL = 10_500;

describe('RunningSink read-ahead over the store outbox', () => {
  it('delivers every row once, in order, across retried requests, using read-ahead', async () => {
    const store = t.open(t.dir());
    const out = store.registerSink('influx', { from: 'start' });
    store.append(series('m', 'p', TOTAL, 0));
    store.flush();
    const w = scriptedWriter({ fail: new Set([3, 4, 8]) });
    const { wrapped, calls } = counting(out);
    sinkFor(wrapped, w.writer).start();
    await waitFor(() => out.depth() === 0);
    expect(w.delivered).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    expect(calls.nextAfter).toBeGreaterThan(0);
    expect(w.requests()).toBe(11 + 3);
  });

  it('a stop while a request hangs acks nothing more; the next start resends from there', async () => {
    const store = t.open(t.dir());
    const out = store.registerSink('influx', { from: 'start' });
    store.append(series('m', 'p', TOTAL, 0));
    store.flush();
    const w = scriptedWriter({ hang: 4 });
    const s = sinkFor(out, w.writer);
    s.start();
    await waitFor(() => w.requests() >= 4);
    await s.stop();
    expect(w.delivered).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    const cursorRow = out.next(1).rows[0] as SampleRow;
    expect(cursorRow.value).toBe(3000); // the hung batch and its read-ahead were not acked
    const again = scriptedWriter({});
    sinkFor(out, again.writer).start();
    await waitFor(() => out.depth() === 0);
    expect(again.delivered).toEqual(Array.from({ length: TOTAL - 3000 }, (_, i) => 3000 + i));
  });

  it('rows a read-ahead batch cannot encode are quarantined, the rest delivered', async () => {
    const store = t.open(t.dir());
    const out = store.registerSink('influx', { from: 'start' });
    store.append(series('m', 'p', TOTAL, 0));
    store.flush();
    const bad = new Set([1500, 2999, 7000]);
    const picky: typeof encode = (row) =>
      row.kind === 'sample' && bad.has(row.value as number) ? { ok: false, reason: 'no' } : encode(row);
    const w = scriptedWriter({});
    sinkFor(out, w.writer, { encode: picky }).start();
    await waitFor(() => out.depth() === 0);
    expect(w.delivered).toEqual(Array.from({ length: TOTAL }, (_, i) => i).filter((v) => !bad.has(v)));
    expect(store.db.prepare('SELECT count(*) FROM quarantine').pluck().get()).toBe(3);
  });
});
