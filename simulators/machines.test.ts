import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMachine, DryerMachine, type MachineModel, QUIET } from './machines/index.js';
import { RegisterImage } from './register-image.js';
import { findProfile } from './sim-profile.js';

const DEVICES = join(import.meta.dirname, '..', 'devices');
const MINUTE = 60_000;

function build(profileId: string, seed = 7, initial: Record<string, number> = {}, behaviour = QUIET) {
  const profile = findProfile(profileId, [DEVICES]);
  const image = new RegisterImage(profile.points);
  const model = createMachine({ profile, image, seed, behaviour, initial });
  return { profile, image, model };
}

/** Step like the plant does: 200 ms ticks. */
function run(model: MachineModel, ms: number, tick = 200): void {
  for (let t = 0; t < ms; t += tick) model.step(tick);
}

const num = (image: RegisterImage, name: string): number => image.getNumber(name, Number.NaN);

const PROFILES = [
  'tea-dryer-autonics-tk4',
  'tea-roaster-delta-dvp',
  'rice-crust-fryer-delta-dvp-e5cc',
  'vacuum-sealer-delta-dvp',
  'packer-delta-dvp',
  'rice-former-s7-1200',
  'checkweigher-delta-dvp-laumas',
  'energy-meter-eastron-sdm120',
];

describe.each(PROFILES)('%s', (id) => {
  it('is deterministic: same seed and steps give the same registers, another seed does not', () => {
    const behaviour = { faultRatePerHour: 4, stopRatePerHour: 2, idleRatePerHour: 2 };
    const a = build(id, 42, {}, behaviour);
    const b = build(id, 42, {}, behaviour);
    const c = build(id, 43, {}, behaviour);
    for (let i = 0; i < 3000; i++) {
      a.model.step(200);
      b.model.step(200);
      c.model.step(200);
    }
    expect(a.image.snapshot()).toEqual(b.image.snapshot());
    expect(a.image.readRegisters('holding', 0, 0x2000)).toEqual(b.image.readRegisters('holding', 0, 0x2000));
    expect(a.image.snapshot()).not.toEqual(c.image.snapshot());
  });

  it('writes every point of its profile, and only state codes from the profile’s table', () => {
    const { profile, image, model } = build(
      id,
      3,
      {},
      { faultRatePerHour: 6, stopRatePerHour: 3, idleRatePerHour: 3 },
    );
    const stateName = profile.points.find((p) => p.role === 'state_code')?.name;
    const seen = new Set<number>();
    for (let i = 0; i < 2 * 60 * 60 * 5; i++) {
      model.step(200);
      if (stateName) seen.add(num(image, stateName));
    }
    expect(profile.points.map((p) => p.name).filter((n) => !image.written().has(n))).toEqual([]);
    for (const code of seen) expect([0, ...profile.stateCodes]).toContain(code);
  });

  it('raises and clears a scripted fault through its role points', () => {
    const { profile, image, model } = build(id);
    const role = (r: string) => profile.points.find((p) => p.role === r)?.name;
    run(model, 5000);
    model.setFault(2);
    model.step(200);
    expect(model.status).toBe('fault');
    const run1 = role('run');
    if (run1) expect(num(image, run1)).toBe(0);
    const fault = role('fault');
    if (fault) expect(image.get(fault)).toBe(true);
    const code = role('fault_code');
    if (code) expect(num(image, code)).toBe(2);
    const state = role('state_code');
    if (state) expect(num(image, state)).toBe(9);
    model.setFault(0);
    model.step(200);
    expect(model.status).toBe('running');
    if (run1) expect(num(image, run1)).toBe(1);
    if (code) expect(num(image, code)).toBe(0);
  });
});

describe('behaviour', () => {
  it('dryer heats toward the set point and the TK dP flip rescales PV', () => {
    const { image, model } = build('tea-dryer-autonics-tk4', 1, { pv: 30, sv: 95 });
    run(model, 19 * MINUTE); // the first batch change (20 min) would dip the air temperature
    expect(num(image, 'pv')).toBeGreaterThan(90);
    expect(num(image, 'pv')).toBeLessThan(97);
    expect(num(image, 'heating_mv')).toBeGreaterThan(0);
    const raw = image.readRegisters('input', 0x03e8, 1)[0] ?? 0;
    expect(raw).toBeGreaterThan(900); // 0.1 °C counts
    expect(model).toBeInstanceOf(DryerMachine);
    (model as DryerMachine).setDecimalPoint(0);
    expect(image.readRegisters('input', 0x03e8, 2)[1]).toBe(0);
    expect(image.readRegisters('input', 0x03e8, 1)[0]).toBeLessThan(100); // whole degrees
  });

  it('roaster counts a batch every ~12 minutes with the drum turning', () => {
    const { image, model } = build('tea-roaster-delta-dvp');
    run(model, 61 * MINUTE);
    expect(num(image, 'batch_count')).toBe(5);
    expect(num(image, 'drum_speed')).toBeGreaterThan(25);
    expect(num(image, 'drive_frequency')).toBeGreaterThan(40);
  });

  it('fryer oil dips when a basket goes in and recovers', () => {
    const { image, model } = build('rice-crust-fryer-delta-dvp-e5cc', 5, { oil_temperature: 175 });
    const temps: number[] = [];
    let baskets = num(image, 'basket_count');
    let dipSeen = false;
    for (let i = 0; i < (20 * MINUTE) / 200; i++) {
      model.step(200);
      const t = num(image, 'oil_temperature');
      const now = num(image, 'basket_count');
      if (now !== baskets) {
        const before = temps.at(-1) ?? t;
        if (before - t > 8) dipSeen = true;
        baskets = now;
      }
      temps.push(t);
    }
    expect(baskets).toBeGreaterThanOrEqual(6);
    expect(dipSeen).toBe(true);
    expect(Math.max(...temps.slice(-50))).toBeGreaterThan(170);
  });

  it('sealer cycle counter wraps from 65535 to 0 within the first minutes', () => {
    const { image, model } = build('vacuum-sealer-delta-dvp');
    expect(num(image, 'cycle_count')).toBe(65530);
    let wrappedAt = -1;
    let last = 65530;
    let minPressure = 2000;
    for (let t = 0; t < 5 * MINUTE; t += 200) {
      model.step(200);
      const c = num(image, 'cycle_count');
      minPressure = Math.min(minPressure, num(image, 'vacuum_pressure'));
      if (c < last && wrappedAt < 0) wrappedAt = t;
      last = c;
    }
    expect(wrappedAt).toBeGreaterThan(0);
    expect(wrappedAt).toBeLessThan(5 * MINUTE);
    expect(last).toBeGreaterThanOrEqual(1);
    expect(minPressure).toBeLessThan(6);
    expect(image.readRegisters('holding', 0x10d2, 1)[0]).toBe(last);
  });

  it('packer makes 40–60 packs/min with ~1–2 % rejects and wraps its 32-bit counter', () => {
    const { image, model } = build('packer-delta-dvp', 9, { good_count: 2 ** 32 - 100, reject_count: 0 });
    run(model, 60 * MINUTE);
    const good = num(image, 'good_count');
    const rejects = num(image, 'reject_count');
    const made = good + 100 + rejects; // good wrapped past 2^32
    expect(good).toBeLessThan(10_000);
    expect(made / 60).toBeGreaterThan(40);
    expect(made / 60).toBeLessThan(60);
    expect(rejects / made).toBeGreaterThan(0.005);
    expect(rejects / made).toBeLessThan(0.03);
    expect(num(image, 'speed')).toBeGreaterThan(35);
    expect(Math.abs(num(image, 'last_pack_weight') - 250)).toBeLessThan(5);
  });

  it('rice former and checkweigher keep their counters consistent', () => {
    const former = build('rice-former-s7-1200', 2, { good_count: 0, reject_count: 0 });
    run(former.model, 30 * MINUTE);
    const made = num(former.image, 'good_count') + num(former.image, 'reject_count');
    expect(made).toBeGreaterThan(500);
    expect(former.image.get('product_name')).toBe('COM NAM 100G');

    const cw = build('checkweigher-delta-dvp-laumas', 4);
    run(cw.model, 10 * MINUTE);
    const total = num(cw.image, 'total_count');
    expect(total).toBe(num(cw.image, 'good_count') + num(cw.image, 'reject_count'));
    expect(num(cw.image, 'reject_count')).toBe(num(cw.image, 'under_count') + num(cw.image, 'over_count'));
    expect(Math.abs(num(cw.image, 'last_weight') - 250)).toBeLessThan(10);
  });

  it('energy meter integrates power into kWh', () => {
    const { image, model } = build('energy-meter-eastron-sdm120', 1, { import_energy: 100 });
    run(model, 60 * MINUTE);
    const kwh = num(image, 'import_energy') - 100;
    expect(kwh).toBeGreaterThan(1);
    expect(kwh).toBeLessThan(5);
    expect(num(image, 'voltage')).toBeGreaterThan(215);
  });

  it('random faults use codes from the profile’s table and clear again', () => {
    const { profile, image, model } = build('packer-delta-dvp', 11, {}, { ...QUIET, faultRatePerHour: 20 });
    const codes = new Set<number>();
    for (let t = 0; t < 3 * 60 * MINUTE; t += 200) {
      model.step(200);
      codes.add(num(image, 'fault_code'));
    }
    expect(codes.size).toBeGreaterThan(2);
    for (const c of codes) expect([0, ...profile.faultCodes]).toContain(c);
  });
});
