import { describe, expect, it } from 'vitest';
import { type Machine, machineState, productOf, RateMeter } from '../../dashboard/src/machine.js';

/** The board's pure helpers: a machine's state before the production part lands, and the rate. */
const machine = (over: Partial<Machine>, points: Partial<Machine['points'][number]>[] = []): Machine => ({
  id: 'm',
  name: 'M',
  kind: 'packer',
  line: 'l',
  online: true,
  offlineReason: null,
  lastPollTs: 0,
  comm: null,
  points: points.map((p, i) => ({
    name: `p${i}`,
    label: null,
    unit: null,
    role: null,
    value: null,
    quality: 'good',
    ts: 0,
    ...p,
  })),
  ...over,
});

describe('machineState', () => {
  it('prefers the production part state, else derives from online, fault and run', () => {
    expect(machineState(machine({ state: 'planned_stop', online: false }))).toBe('planned_stop');
    expect(machineState(machine({ online: false }))).toBe('offline');
    expect(machineState(machine({ online: null }))).toBe('unknown');
    expect(
      machineState(
        machine({}, [
          { role: 'fault', value: true },
          { role: 'run', value: true },
        ]),
      ),
    ).toBe('fault');
    expect(
      machineState(
        machine({}, [
          { role: 'fault', value: 0 },
          { role: 'run', value: false },
        ]),
      ),
    ).toBe('stopped');
    expect(machineState(machine({}, [{ role: 'run', value: 1 }]))).toBe('running');
  });
});

describe('productOf', () => {
  it('shows the product name in the language, else its id, else the recipe point', () => {
    const named = machine({
      product: 'cc-250',
      productName: { vi: 'Cơm cháy 250 g', en: 'Rice crust 250 g' },
    });
    expect(productOf(named, 'vi')).toBe('Cơm cháy 250 g');
    expect(productOf(named, 'en')).toBe('Rice crust 250 g');
    expect(productOf(machine({ product: 'cc-250', productName: null }), 'vi')).toBe('cc-250');
    expect(productOf(machine({}, [{ role: 'recipe', value: 3 }]), 'en')).toBe('3');
    expect(productOf(machine({}), 'vi')).toBeNull();
  });
});

describe('RateMeter', () => {
  it('gives units per minute over at least 20 s and restarts after a counter reset', () => {
    const r = new RateMeter();
    const at = (v: number, ts: number) => r.update([machine({}, [{ role: 'good_counter', value: v, ts }])]);
    at(100, 0);
    at(105, 10_000);
    expect(r.perMinute('m')).toBeNull();
    at(120, 30_000);
    expect(r.perMinute('m')).toBe(40);
    at(3, 40_000);
    expect(r.perMinute('m')).toBeNull();
  });
});
