import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlarmEngine } from './engine.js';
import { machine, rule, type TempAlarmDb, tempAlarmDb } from './testdata/fixtures.js';

/**
 * Model-based test of the lifecycle: random sequences of value changes, time passing (fake
 * timers drive the engine's own tick), ack, shelve / unshelve, shelve expiry and restarts
 * (stop, close the database, reopen, start). After every command the engine's state, as the API
 * would show it, equals the model's, and every operator command left exactly one audit record.
 *
 * The model is written independently of lifecycle.ts: a table over the displayed state.
 */
const T0 = Date.UTC(2026, 10, 27, 1, 0, 0);
const LIMIT = 100;
const DEADBAND = 5;
const ON_DELAY = 2000;
const ID = 'm1.temp_high';
const R = rule({
  id: 'temp_high',
  kind: 'high',
  point: 'temp',
  limit: LIMIT,
  deadband: DEADBAND,
  onDelayMs: ON_DELAY,
  unit: '°C',
});

type Shown = 'normal' | 'active_unack' | 'active_ack' | 'returned_unack' | 'shelved';

interface Model {
  now: number;
  raw: boolean;
  rawSince: number;
  cond: boolean;
  shown: Shown;
  /** What the alarm shows when a shelve ends is decided by the process then. */
  shelvedUntil: number | null;
  audits: number;
}

interface Real {
  t: TempAlarmDb;
  engine: AlarmEngine;
}

function setCondition(m: Model, cond: boolean): void {
  if (cond === m.cond) return;
  m.cond = cond;
  if (m.shown === 'shelved') return;
  if (cond) m.shown = 'active_unack';
  else if (m.shown === 'active_unack') m.shown = 'returned_unack';
  else if (m.shown === 'active_ack') m.shown = 'normal';
}

function endShelve(m: Model): void {
  m.shelvedUntil = null;
  m.shown = m.cond ? 'active_unack' : 'normal';
}

function check(m: Model, r: Real): void {
  expect(r.engine.get(ID)?.state).toBe(m.shown);
  expect(r.engine.get(ID)?.shelvedUntil).toBe(m.shelvedUntil);
  expect(r.t.audit.list({ action: 'alarm.', limit: 5000 }).length).toBe(m.audits);
}

class SetValue implements fc.Command<Model, Real> {
  constructor(readonly v: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.engine.samples([{ machine: 'm1', point: 'temp', value: this.v, ts: m.now, quality: 'good' }]);
    const raw = m.raw ? this.v > LIMIT - DEADBAND : this.v > LIMIT;
    if (raw !== m.raw) m.rawSince = m.now;
    m.raw = raw;
    if (!raw) setCondition(m, false);
    else if (m.now - m.rawSince >= ON_DELAY) setCondition(m, true);
    check(m, r);
  }
  toString = () => `value(${this.v})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly seconds: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    for (let i = 0; i < this.seconds; i++) {
      vi.advanceTimersByTime(1000);
      m.now += 1000;
      if (m.shelvedUntil !== null && m.shelvedUntil <= m.now) endShelve(m);
      if (m.raw && m.now - m.rawSince >= ON_DELAY) setCondition(m, true);
    }
    check(m, r);
  }
  toString = () => `advance(${this.seconds}s)`;
}

class Ack implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    const res = r.engine.ack(ID, 'kythuat', 'đã kiểm tra');
    const ackable = m.shown === 'active_unack' || m.shown === 'returned_unack';
    expect(res.ok).toBe(ackable);
    if (m.shown === 'active_unack') m.shown = 'active_ack';
    else if (m.shown === 'returned_unack') m.shown = 'normal';
    m.audits++;
    check(m, r);
  }
  toString = () => 'ack';
}

class Shelve implements fc.Command<Model, Real> {
  constructor(readonly minutes: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    expect(r.engine.shelve(ID, this.minutes, 'kythuat', 'cảm biến hỏng').ok).toBe(true);
    m.shown = 'shelved';
    m.shelvedUntil = m.now + this.minutes * 60_000;
    m.audits++;
    check(m, r);
  }
  toString = () => `shelve(${this.minutes}min)`;
}

class Unshelve implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    const res = r.engine.unshelve(ID, 'kythuat');
    expect(res.ok).toBe(m.shelvedUntil !== null);
    if (m.shelvedUntil !== null) endShelve(m);
    m.audits++;
    check(m, r);
  }
  toString = () => 'unshelve';
}

class Restart implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    r.engine.stop();
    r.t.reopen();
    r.engine = start(r.t);
    check(m, r);
  }
  toString = () => 'restart';
}

function start(t: TempAlarmDb): AlarmEngine {
  const e = t.engine({ machines: [machine('m1', [R])] });
  e.start();
  e.status({ machine: 'm1', online: true, ts: Date.now() });
  return e;
}

const commands = [
  fc.constantFrom(50, 96, 97, 103, 120).map((v) => new SetValue(v)),
  fc.integer({ min: 1, max: 90 }).map((s) => new Advance(s)),
  fc.constant(new Ack()),
  fc.constantFrom(1, 2).map((min) => new Shelve(min)),
  fc.constant(new Unshelve()),
  fc.constant(new Restart()),
];

describe('alarm lifecycle (model-based)', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      now: T0,
      toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the engine matches the model after every command, across restarts', () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 60 }), (cmds) => {
        vi.setSystemTime(T0);
        const t = tempAlarmDb();
        try {
          const real: Real = { t, engine: start(t) };
          const model: Model = {
            now: T0,
            raw: false,
            rawSince: T0,
            cond: false,
            shown: 'normal',
            shelvedUntil: null,
            audits: 0,
          };
          fc.modelRun(() => ({ model, real }), cmds);
          real.engine.stop();
        } finally {
          vi.clearAllTimers();
          t.cleanup();
        }
      }),
      { numRuns: 150 },
    );
  });
});
