import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '../../gateway/api/server.js';
import type { GatewayView } from '../../gateway/api/view.js';
import { LiveState } from '../../gateway/runtime/live-state.js';
import { tempStores } from '../../gateway/store/testdata/temp-store.js';
import type { PackerMachine, VacuumSealerMachine } from '../../simulators/machines/index.js';
import { testAuth } from '../helpers/auth.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { DayHarness } from './day-harness.js';

/**
 * A scripted production day (Monday 2 March 2026, Asia/Ho_Chi_Minh) through the real production
 * pipeline. Ground truth comes from the simulators' own models, counted by the test second by
 * second (each second moves a counter by at most a few units, so modular arithmetic is exact);
 * the gateway sees only 5-second polls of the registers, with everything that goes wrong.
 *
 *  06:00 both machines run. packer-1's 32-bit good counter starts 1500 below 2^32 (wraps ≈06:30),
 *        sealer-1's 16-bit cycle counter starts at 65530 (wraps in the first minutes).
 *  09:00–09:20 packer-1 fault 6 (bag jam).
 *  10:00–10:30 break: both held stopped (planned stop, no downtime).
 *  11:00–12:00 packer-1 unreachable (comm loss); it keeps packing.
 *  13:00 the gateway restarts.
 *  13:50–14:20 sealer-1 stopped: one stop across the shift change.
 *  14:00 packer-1's counters are reset to 0 at shift change.
 *  16:00 one poll of packer-1's good counter reads 3 too low (noise).
 *  18:00–18:30 break.  22:00 end of the last shift: both stop until the day ends (06:00).
 */
const CONFIG = `
site: { id: htx-test, name: HTX thử }
dashboard: { kiosk: true } # reads anonymous; changes need a signed-in user
lines: [{ id: rc, name: Dây chuyền cơm cháy }]
machines:
  - { id: packer-1, name: Máy đóng gói 1, line: rc, profile: packer-delta-dvp, connection: { type: tcp, host: 127.0.0.1, port: 1502 } }
  - { id: sealer-1, name: Máy hút chân không 1, line: rc, profile: vacuum-sealer-delta-dvp, connection: { type: tcp, host: 127.0.0.1, port: 1503 } }
production:
  timezone: Asia/Ho_Chi_Minh
  dayStartsAt: '06:00'
  shifts:
    - { id: ca1, name: { vi: Ca sáng, en: Morning }, start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] }
    - { id: ca2, name: { vi: Ca chiều, en: Afternoon }, start: '14:00', end: '22:00', breaks: [{ start: '18:00', end: '18:30' }] }
  products:
    - { id: cc-250, name: { vi: Cơm cháy 250 g, en: Rice crust 250 g }, packWeightG: 250, idealRatePerMin: 50, targetKg: { day: 9000, shift: 4500 } }
    - { id: tui-4, name: { vi: Mẻ 4 túi, en: Cycle of 4 bags }, packWeightKg: 1, idealRatePerMin: 2 }
  machines:
    packer-1: { product: cc-250 }
    sealer-1: { product: tui-4 }
  lines: { rc: { outputMachine: packer-1 } }
  reasons:
    - { code: jam, vi: Kẹt túi, en: Bag jam }
    - { code: no-material, vi: Thiếu nguyên liệu, en: No material }
  stopThresholdS: 120
  flushIntervalS: 60
`;

const VN = (hhmm: string, date = '2026-03-02') => Date.parse(`${date}T${hhmm}:00+07:00`);
const DAY_START = VN('06:00');
const DAY_END = VN('06:00', '2026-03-03');

const stores = tempStores();
afterEach(() => stores.cleanup());

interface Truth {
  good: number;
  reject: number;
}

function runDay() {
  const clock = new ManualClock(DAY_START);
  const store = stores.open(stores.dir());
  const h = new DayHarness(CONFIG, clock, store, [
    { id: 'packer-1', profile: 'packer-delta-dvp', seed: 7, initial: { good_count: 2 ** 32 - 1500 } },
    { id: 'sealer-1', profile: 'vacuum-sealer-delta-dvp', seed: 8, initial: { cycle_count: 65530 } },
  ]);
  const packer = h.machine('packer-1').model as PackerMachine;
  const sealer = h.machine('sealer-1').model as VacuumSealerMachine;
  // Ground truth per shift, counted from the models second by second.
  const truth: Record<string, { packer: Truth; sealer: Truth }> = {
    ca1: { packer: { good: 0, reject: 0 }, sealer: { good: 0, reject: 0 } },
    ca2: { packer: { good: 0, reject: 0 }, sealer: { good: 0, reject: 0 } },
  };
  let prev = { good: packer.good, rejects: packer.rejects, cycles: sealer.cycles };
  const both = (status: 'stopped' | null) => {
    packer.hold(status);
    sealer.hold(status);
  };
  const script: Record<number, () => void> = {
    [VN('09:00')]: () => packer.setFault(6),
    [VN('09:20')]: () => packer.setFault(null),
    [VN('10:00')]: () => both('stopped'),
    [VN('10:30')]: () => both(null),
    [VN('11:00')]: () => h.setOnline('packer-1', false),
    [VN('12:00')]: () => h.setOnline('packer-1', true),
    [VN('13:00')]: () => h.restart(),
    [VN('13:50')]: () => sealer.hold('stopped'),
    [VN('14:00')]: () => {
      packer.good = 0;
      packer.rejects = 0;
      prev = { ...prev, good: 0, rejects: 0 };
    },
    [VN('14:20')]: () => sealer.hold(null),
    [VN('16:00')]: () => {
      h.machine('packer-1').override.good_count = Number(h.machine('packer-1').image.get('good_count')) - 3;
    },
    [VN('18:00')]: () => both('stopped'),
    [VN('18:30')]: () => both(null),
    [VN('22:00')]: () => both('stopped'),
  };
  for (let t = DAY_START; t < DAY_END; t += 1000) {
    script[t]?.();
    if ((t - DAY_START) % 5000 === 0) h.poll();
    h.step();
    const shift = t < VN('14:00') ? 'ca1' : 'ca2';
    const tr = truth[shift];
    if (!tr) throw new Error('no shift');
    tr.packer.good += (packer.good - prev.good + 2 ** 32) % 2 ** 32;
    tr.packer.reject += (packer.rejects - prev.rejects + 2 ** 32) % 2 ** 32;
    tr.sealer.good += (sealer.cycles - prev.cycles + 65536) % 65536;
    prev = { good: packer.good, rejects: packer.rejects, cycles: sealer.cycles };
  }
  h.poll(); // the reading at 06:00 next day credits the last second's packs
  return { h, truth, packer, sealer };
}

describe('a scripted production day', () => {
  it('counts units and kg exactly and computes OEE as by hand', async () => {
    const { h, truth } = runDay();
    const svc = h.service;
    const daily = svc.daily('2026-03-02');
    const shifts = svc.shifts('2026-03-02');
    const p = daily.machines.find((r) => r.machine === 'packer-1');
    const s = daily.machines.find((r) => r.machine === 'sealer-1');
    const pShift = (id: string) =>
      shifts.shifts.find((x) => x.id === id)?.machines.find((r) => r.machine === 'packer-1');
    const sShift = (id: string) =>
      shifts.shifts.find((x) => x.id === id)?.machines.find((r) => r.machine === 'sealer-1');

    // The script really crossed a 32-bit and a 16-bit wrap (the models started below them).
    const tp = {
      good: (truth.ca1?.packer.good ?? 0) + (truth.ca2?.packer.good ?? 0),
      reject: (truth.ca1?.packer.reject ?? 0) + (truth.ca2?.packer.reject ?? 0),
    };
    const ts = (truth.ca1?.sealer.good ?? 0) + (truth.ca2?.sealer.good ?? 0);
    expect(tp.good).toBeGreaterThan(1500);
    expect(ts).toBeGreaterThan(6);

    // Units exact per shift (the 14:00 reset credits ca2 from 0; the 11:00–12:00 gap is credited at 12:00 in ca1).
    expect(pShift('ca1')).toMatchObject({ good: truth.ca1?.packer.good, reject: truth.ca1?.packer.reject });
    expect(pShift('ca2')).toMatchObject({ good: truth.ca2?.packer.good, reject: truth.ca2?.packer.reject });
    expect(sShift('ca1')?.good).toBe(truth.ca1?.sealer.good);
    expect(sShift('ca2')?.good).toBe(truth.ca2?.sealer.good);
    expect(p).toMatchObject({ good: tp.good, reject: tp.reject, product: 'cc-250', targetKg: 9000 });
    // kg to the gram: good packs × 250 g; sealer cycles × 1 kg.
    expect(Math.round((p?.kg ?? 0) * 1000)).toBe(tp.good * 250);
    expect(s?.kg).toBe(ts * 1);

    // Time, by hand. Planned = 2 shifts × (480 − 30 min break) = 900 min.
    // packer-1 down: fault 20 min + comm loss 60 min (unknown = down) = 80 min; run = 820 min.
    const MIN = 60;
    expect(p).toMatchObject({ plannedS: 900 * MIN, runS: 820 * MIN, downS: 80 * MIN });
    expect(pShift('ca1')).toMatchObject({ plannedS: 450 * MIN, runS: 370 * MIN, downS: 80 * MIN });
    expect(pShift('ca2')).toMatchObject({ plannedS: 450 * MIN, runS: 450 * MIN, downS: 0 });
    // sealer-1 down: 13:50–14:20 = 10 min in ca1 + 20 min in ca2.
    expect(sShift('ca1')).toMatchObject({ plannedS: 450 * MIN, downS: 10 * MIN });
    expect(sShift('ca2')).toMatchObject({ plannedS: 450 * MIN, downS: 20 * MIN });

    // OEE, by hand: A = 820/900; P = (good + reject) / (50/min × 820 min); Q = good / (good + reject).
    const A = 820 / 900;
    const P = (tp.good + tp.reject) / (50 * 820);
    const Q = tp.good / (tp.good + tp.reject);
    expect(p?.availability).toBeCloseTo(A, 4);
    expect(p?.performance).toBeCloseTo(P, 4);
    expect(p?.quality).toBeCloseTo(Q, 4);
    expect(p?.oee).toBeCloseTo(A * P * Q, 4);
    expect(p?.flags).toContain('comm-gap');
    // The line's output is packer-1's.
    expect(daily.lines[0]).toMatchObject({ line: 'rc', good: tp.good, kg: p?.kg });

    // Hours add up to the day.
    const hours = svc.hourly('packer-1', '2026-03-02').hours;
    expect(hours).toHaveLength(24);
    expect(hours.reduce((a, x) => a + x.good, 0)).toBe(tp.good);
    expect(hours.reduce((a, x) => a + x.runS, 0)).toBe(820 * MIN);

    // Stops: the fault (20 min) and the sealer's stop across the shift change (one stop, 30 min).
    const stops = svc.stops('2026-03-02').stops;
    expect(stops.map((x) => [x.machine, x.start, x.end, x.durationS, x.state])).toEqual([
      ['packer-1', VN('09:00'), VN('09:20'), 20 * MIN, 'fault'],
      ['sealer-1', VN('13:50'), VN('14:20'), 30 * MIN, 'stopped'],
    ]);

    // Event rows for the outbox: the day row carries the same figures.
    const dayRows = h.events.filter(
      (e) => e.measurement === 'production' && e.tags.period === 'day' && e.tags.machine === 'packer-1',
    );
    expect(dayRows.at(-1)?.fields).toMatchObject({ good: tp.good, kg: p?.kg, run_s: 820 * MIN });
    expect(dayRows.at(-1)?.ts).toBe(DAY_START);
    const states = h.events.filter((e) => e.measurement === 'machine_state' && e.tags.machine === 'packer-1');
    expect(
      states.some((e) => e.fields.state === 'fault' && e.fields.fault_code === 6 && e.ts === VN('09:00')),
    ).toBe(true);
    expect(states.some((e) => e.fields.state === 'offline' && e.ts === VN('11:00'))).toBe(true);

    // The API: stops, reasons (404 for an unknown stop or reason), split.
    const live = new LiveState();
    const signIn = testAuth(h.store.db);
    const view: GatewayView = {
      config: h.config,
      machineState: (id) => live.get(id),
      commStats: () => undefined,
      links: () => [],
      startedAt: 0,
      version: 'test',
      production: svc,
      auth: signIn.auth,
      audit: signIn.audit,
    };
    const app = buildApi(view, pino({ level: 'silent' }));
    const headers = await signIn.as(app, 'operator');
    const missing = await app.inject({
      headers,
      method: 'POST',
      url: '/api/production/stops/nope/reason',
      payload: { reason: 'jam' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      code: 'LG_NOT_FOUND',
      message: 'no stop "nope" (it may be shorter than the threshold, or the id is wrong)',
    });
    const fault = stops[0];
    const unknownReason = await app.inject({
      headers,
      method: 'POST',
      url: `/api/production/stops/${fault?.id}/reason`,
      payload: { reason: 'aliens' },
    });
    expect(unknownReason.statusCode).toBe(404);
    expect(unknownReason.json().message).toBe('unknown reason "aliens" (known: jam, no-material)');
    const split = await app.inject({
      headers,
      method: 'POST',
      url: `/api/production/stops/${fault?.id}/reason`,
      payload: { reason: 'jam', comment: 'túi kẹt ở hàm hàn', splitAt: VN('09:15') },
    });
    expect(split.statusCode).toBe(200);
    const after = (await app.inject('/api/production/stops?date=2026-03-02&machine=packer-1')).json();
    expect(
      after.stops.map((x: { durationS: number; reason: { code: string } | null }) => [
        x.durationS,
        x.reason?.code ?? null,
      ]),
    ).toEqual([
      [15 * MIN, 'jam'],
      [5 * MIN, null],
    ]);
    const all = (await app.inject('/api/production/stops?date=2026-03-02')).json();
    expect(
      all.byReason.map((x: { reason: { code: string } | null; count: number; durationS: number }) => [
        x.reason?.code ?? null,
        x.count,
        x.durationS,
      ]),
    ).toEqual([
      [null, 2, 35 * MIN],
      ['jam', 1, 15 * MIN],
    ]);
    const csv = (await app.inject('/api/production/daily.csv?date=2026-03-02')).body;
    expect(csv.split('\r\n')[0]).toBe(
      '\uFEFFdate,line,machine,name,product,good,reject,kg,targetKg,runS,downS,plannedS,availability,performance,quality,oee,flags',
    );
    expect(csv).toContain(
      `2026-03-02,rc,packer-1,Máy đóng gói 1,cc-250,${tp.good},${tp.reject},${p?.kg},9000,`,
    );
  }, 120_000);
});
