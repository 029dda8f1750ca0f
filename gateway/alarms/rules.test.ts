import { describe, expect, it } from 'vitest';
import { evaluate } from './rules.js';
import { rule } from './testdata/fixtures.js';
import { type AlarmRule, type EvalInput, type EvalState, INITIAL_EVAL } from './types.js';

const T0 = Date.UTC(2026, 10, 27, 1, 0, 0);
const input = (value: number | boolean | null, ts: number, extra: Partial<EvalInput> = {}): EvalInput => ({
  sample: value === null ? null : { value, quality: 'good', ts },
  running: null,
  online: true,
  ...extra,
});

/** Feeds values at 1 Hz; returns the number of activations (inactive → active edges). */
function run(r: AlarmRule, values: readonly (number | null)[], extra: Partial<EvalInput> = {}) {
  let st: EvalState = INITIAL_EVAL;
  let activations = 0;
  let firstAt: number | null = null;
  values.forEach((v, i) => {
    const now = T0 + i * 1000;
    const next = evaluate(r, st, input(v, now, extra), now).state;
    if (next.active && !st.active) {
      activations++;
      firstAt ??= i;
    }
    st = next;
  });
  return { activations, firstAt, state: st };
}

describe('high / low limits', () => {
  const hi = rule({ id: 'oil_hot', kind: 'high', point: 't', limit: 190, deadband: 2 });

  it('a value oscillating ±0.5 % around the limit at 1 Hz gives one activation with a deadband', () => {
    const values = Array.from({ length: 600 }, (_, i) => 190 * (1 + (i % 2 === 0 ? 0.005 : -0.005)));
    expect(run(hi, values).activations).toBe(1);
    // Without a deadband the same signal chatters: one activation per period.
    expect(run({ ...hi, deadband: 0 }, values).activations).toBe(300);
  });

  it('returns only below limit − deadband', () => {
    const r = run(hi, [191, 189, 188.5, 187.9]);
    expect(r.activations).toBe(1);
    expect(r.state.active).toBe(false);
    expect(run(hi, [191, 189, 188.5]).state.active).toBe(true);
  });

  it('2 s spikes against a 5 s on-delay never alarm', () => {
    const r5 = { ...hi, onDelayMs: 5000 };
    const spikes = Array.from({ length: 300 }, (_, i) => (i % 10 < 2 ? 200 : 150));
    expect(run(r5, spikes).activations).toBe(0);
  });

  it('a sustained excursion alarms within the on-delay', () => {
    const r5 = { ...hi, onDelayMs: 5000 };
    const values = [150, 150, ...Array.from({ length: 20 }, () => 200)];
    const r = run(r5, values);
    expect(r.activations).toBe(1);
    expect(r.firstAt).toBe(2 + 5); // crossed at index 2, active 5 s later
  });

  it('off-delay holds the alarm through short dips', () => {
    const r = { ...hi, deadband: 0, offDelayMs: 3000 };
    expect(run(r, [200, 150, 150, 200, 150, 150]).state.active).toBe(true);
    expect(run(r, [200, 150, 150, 150, 150]).state.active).toBe(false);
  });

  it('low limits mirror high limits; a bad sample neither raises nor clears', () => {
    const lo = rule({ id: 'vac', kind: 'low', point: 'p', limit: -80, deadband: 1 });
    expect(run(lo, [-90, -81, -79.5]).state.active).toBe(true);
    expect(run(lo, [-90, -81, -78.9]).state.active).toBe(false);
    let st = evaluate(hi, INITIAL_EVAL, input(200, T0), T0).state;
    st = evaluate(
      hi,
      st,
      { sample: { value: 0, quality: 'bad', ts: T0 + 1 }, running: null, online: true },
      T0 + 1,
    ).state;
    expect(st.active).toBe(true);
  });
});

describe('discrete, fault code, rate, frozen, jam, comm loss', () => {
  it('fault code non-zero → active, with the text from the table', () => {
    const r = rule({
      id: 'fault',
      kind: 'fault_code',
      point: 'fc',
      codes: { '3': { vi: 'Kẹt màng', en: 'Film jam' } },
    });
    const a = evaluate(r, INITIAL_EVAL, input(3, T0), T0);
    expect(a.state.active).toBe(true);
    expect(a.text).toEqual({ vi: 'Kẹt màng', en: 'Film jam' });
    expect(evaluate(r, a.state, input(0, T0 + 1000), T0 + 1000).state.active).toBe(false);
  });

  it('state equals', () => {
    const r = rule({ id: 'estop', kind: 'state_equals', point: 'estop_ok', equals: false });
    expect(evaluate(r, INITIAL_EVAL, input(false, T0), T0).state.active).toBe(true);
    expect(evaluate(r, INITIAL_EVAL, input(true, T0), T0).state.active).toBe(false);
  });

  it('rate of change per minute', () => {
    const r = rule({ id: 'roc', kind: 'rate_of_change', point: 't', limit: 10 });
    expect(run(r, [100, 100.1, 100.2]).activations).toBe(0); // 6 °C/min
    expect(run(r, [100, 101]).activations).toBe(1); // 60 °C/min
  });

  it('frozen value while running; not while stopped', () => {
    const r = rule({ id: 'frozen', kind: 'frozen', point: 't', forMs: 10_000, tolerance: 0.01 });
    const flat = Array.from({ length: 15 }, () => 170);
    expect(run(r, flat, { running: true }).firstAt).toBe(10);
    expect(run(r, flat, { running: false }).activations).toBe(0);
    const moving = Array.from({ length: 30 }, (_, i) => 170 + (i % 3) * 0.2);
    expect(run(r, moving, { running: true }).activations).toBe(0);
  });

  it('jam: counter not moving while running', () => {
    const r = rule({ id: 'jam', kind: 'jam', point: 'count', forMs: 5000 });
    const counting = Array.from({ length: 20 }, (_, i) => i);
    expect(run(r, counting, { running: true }).activations).toBe(0);
    const stuck = [...counting.slice(0, 5), ...Array.from({ length: 10 }, () => 4)];
    expect(run(r, stuck, { running: true }).firstAt).toBe(4 + 5);
  });

  it('comm loss follows the online flag, with its on-delay', () => {
    const r = rule({ id: 'comm', kind: 'comm_loss', onDelayMs: 2000 });
    let st = evaluate(r, INITIAL_EVAL, input(null, T0, { online: false }), T0).state;
    expect(st.active).toBe(false);
    st = evaluate(r, st, input(null, T0 + 2000, { online: false }), T0 + 2000).state;
    expect(st.active).toBe(true);
    st = evaluate(r, st, input(null, T0 + 3000, { online: true }), T0 + 3000).state;
    expect(st.active).toBe(false);
  });
});
