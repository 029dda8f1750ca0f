import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from './store.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';

/**
 * Deferred acks (Store `ackPersistMs`, sinks.ts): acks move the cursor in memory, `flush()`
 * writes the cursors at most that often, `close()` always. After a crash the rows acked since
 * the last write come again (never fewer): at-least-once, with fewer writes to the card.
 */
const t = tempStores();
afterEach(() => t.cleanup());

const written = (s: Store, sink: string) =>
  s.db.prepare('SELECT cursor FROM sink WHERE name = ?').pluck().get(sink) as number;

function fill(s: Store, from: number, n: number, clock: FakeClock): void {
  s.append(Array.from({ length: n }, (_, i) => sample('m', `p${(from + i) % 3}`, from + i, clock.t + i)));
  s.flush();
}

function drain(s: Store, sink: string): number[] {
  const out = s.outbox(sink);
  const seen: number[] = [];
  for (let b = out.next(7); b.rows.length > 0; b = out.next(7)) {
    for (const r of b.rows) if (r.kind === 'sample') seen.push(r.value as number);
    out.ack(b);
  }
  return seen;
}

describe('deferred sink acks', () => {
  it('keeps acks in memory between writes; every reader sees them; flush writes them when due', () => {
    const clock = new FakeClock();
    const dir = t.dir();
    const s = t.open(dir, { now: clock.now, ackPersistMs: 30_000 });
    s.registerSink('influx', { from: 'start' });
    fill(s, 0, 20, clock);
    expect(drain(s, 'influx')).toEqual([...Array(20).keys()]);
    expect(s.outbox('influx').depth()).toBe(0); // readers: the cursor in memory
    expect(s.stats().sinks[0]).toMatchObject({ name: 'influx', cursor: 20, depth: 0 });
    expect(written(s, 'influx')).toBe(0); // not on the card yet
    clock.advance(29_000);
    s.flush();
    expect(written(s, 'influx')).toBe(0);
    clock.advance(1_000);
    s.flush();
    expect(written(s, 'influx')).toBeGreaterThanOrEqual(20);
  });

  it('after a crash, the rows acked since the last write come again, none is skipped', () => {
    const clock = new FakeClock();
    const dir = t.dir();
    const s = t.open(dir, { now: clock.now, ackPersistMs: 30_000 });
    s.registerSink('influx', { from: 'start' });
    fill(s, 0, 10, clock);
    drain(s, 'influx');
    clock.advance(30_000);
    s.flush(); // rows 0..9 acked on the card
    fill(s, 10, 10, clock);
    expect(drain(s, 'influx')).toEqual([...Array(10).keys()].map((i) => 10 + i));
    s.db.close(); // a crash: no close(), the acks of 10..19 were in memory only

    const again = t.open(dir, { now: clock.now, ackPersistMs: 30_000 });
    expect(drain(again, 'influx')).toEqual([...Array(10).keys()].map((i) => 10 + i));
    again.close(); // close writes the cursor
    const third = t.open(dir, { now: clock.now, ackPersistMs: 30_000 });
    expect(third.outbox('influx').depth()).toBe(0);
  });

  it('writes the cursor before a live lane opens, and acks with a lane open at once', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now, ackPersistMs: 30_000 });
    s.registerSink('influx', { from: 'start' });
    fill(s, 0, 10, clock);
    drain(s, 'influx');
    fill(s, 10, 100, clock);
    const out = s.outbox('influx');
    expect(out.nextLive?.(10, 50).rows).toEqual([]); // opens a lane
    expect(written(s, 'influx')).toBeGreaterThanOrEqual(10);
    const replay = out.next(20);
    out.ack(replay);
    expect(written(s, 'influx')).toBe(Number(replay.rows.at(-1)?.key)); // with a lane: at once
  });
});
