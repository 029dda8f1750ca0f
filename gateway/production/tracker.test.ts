import { describe, expect, it } from 'vitest';
import { normaliseProduction } from '../../config/production.js';
import type { Sample } from '../core/sample.js';
import { Calendar } from './calendar.js';
import { kpiRow, sumTotals } from './kpi.js';
import { rolesOf } from './roles.js';
import { MachineTracker, type OpenStop, type StateChange } from './tracker.js';

const VN = (hhmm: string, date = '2026-03-02') => Date.parse(`${date}T${hhmm}:00+07:00`);
const MIN = 60_000;

const production = normaliseProduction(
  {
    dayStartsAt: '06:00',
    shifts: [
      { id: 'ca1', start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] },
      { id: 'ca2', start: '14:00', end: '22:00' },
    ],
    products: [
      { id: 'p250', name: { vi: 'Gói 250 g', en: '250 g pack' }, packWeightG: 250, idealRatePerMin: 10 },
      { id: 'bare', name: { vi: 'Chưa có khối lượng', en: 'No weight' }, idealRatePerMin: 10 },
    ],
    stopThresholdS: 120,
  },
  'Asia/Ho_Chi_Minh',
);

function harness(product = 'p250', start = VN('06:00'), withReject = true) {
  const states: StateChange[] = [];
  const stops: { stop: OpenStop; event: string }[] = [];
  const points = [
    { name: 'running', role: 'run' as const },
    { name: 'good', role: 'good_counter' as const, counterBits: 16 as const },
    ...(withReject ? [{ name: 'reject', role: 'reject_counter' as const, counterBits: 16 as const }] : []),
  ];
  const t = new MachineTracker(
    {
      machine: 'm1',
      roles: rolesOf(points),
      calendar: new Calendar(production),
      faultCodes: {},
      stateCodes: {},
      noise: 5,
      idleAfterMs: 5 * MIN,
      stopThresholdMs: 2 * MIN,
      listener: { state: (c) => states.push(c), stop: (s, event) => stops.push({ stop: { ...s }, event }) },
    },
    start,
  );
  t.product = production.products.find((p) => p.id === product) ?? null;
  let good = 100;
  let reject = 0;
  const poll = (ts: number, run: boolean, packs = 0, rejects = 0) => {
    good = (good + packs) % 65536;
    reject = (reject + rejects) % 65536;
    const s: Sample[] = [
      { machine: 'm1', point: 'running', value: run, ts, quality: 'good' },
      { machine: 'm1', point: 'good', value: good, ts, quality: 'good' },
      ...(withReject
        ? [{ machine: 'm1', point: 'reject', value: reject, ts, quality: 'good' as const }]
        : []),
    ];
    t.observe(s);
  };
  /** Runs from `from` to `to` making `perMin` packs a minute, polled every minute. */
  const run = (from: number, to: number, perMin: number) => {
    for (let ts = from; ts <= to; ts += MIN) poll(ts, true, ts === from ? 0 : perMin);
  };
  const stopped = (from: number, to: number) => {
    for (let ts = from; ts < to; ts += MIN) poll(ts, false);
  };
  const totals = (shift?: string) =>
    sumTotals(
      [...t.buckets.values()].filter((b) => shift === undefined || b.shift === shift).map((b) => b.totals),
    );
  return { t, states, stops, poll, run, stopped, totals, setRaw: (g: number) => (good = g) };
}

describe('MachineTracker', () => {
  it('keeps one stop across a break and counts only the unplanned part as downtime', () => {
    const h = harness();
    h.run(VN('06:00'), VN('09:50'), 10);
    h.stopped(VN('09:50'), VN('10:40'));
    h.run(VN('10:40'), VN('11:00'), 10);
    const closed = h.stops.filter((s) => s.event === 'close');
    expect(closed).toHaveLength(1);
    expect(closed[0]?.stop).toMatchObject({
      start: VN('09:50'),
      end: VN('10:40'),
      downMs: 20 * MIN,
      state: 'stopped',
    });
    const ca1 = h.totals('ca1');
    expect(ca1.downMs).toBe(20 * MIN);
    expect(ca1.plannedMs).toBe(5 * 60 * MIN - 30 * MIN);
    expect(ca1.runMs).toBe(ca1.plannedMs - 20 * MIN);
    expect(h.states.map((s) => s.state)).toEqual([
      'running',
      'stopped',
      'planned_stop',
      'stopped',
      'running',
    ]);
  });

  it('splits the downtime of a stop that spans two shifts between them', () => {
    const h = harness('p250', VN('13:00'));
    h.run(VN('13:00'), VN('13:50'), 10);
    h.stopped(VN('13:50'), VN('14:20'));
    h.run(VN('14:20'), VN('14:30'), 10);
    const closed = h.stops.filter((s) => s.event === 'close');
    expect(closed).toHaveLength(1);
    expect(closed[0]?.stop.downMs).toBe(30 * MIN);
    expect(h.totals('ca1').downMs).toBe(10 * MIN);
    expect(h.totals('ca2').downMs).toBe(20 * MIN);
    expect(h.totals('ca2').good).toBe(100);
  });

  it('does not count a small backwards jump as a reset', () => {
    const h = harness();
    h.run(VN('07:00'), VN('07:10'), 10); // 100 packs
    h.setRaw(h.totals().good + 100 - 3); // the counter reads 3 less
    h.poll(VN('07:11'), true);
    h.poll(VN('07:12'), true, 10); // 7 above the mark
    expect(h.totals().good).toBe(107);
    expect(h.t.steps.noise).toBe(1);
    expect(h.t.steps.reset).toBeUndefined();
  });

  it('flags a product without a pack weight and shows no kg instead of 0', () => {
    const h = harness('bare');
    h.run(VN('07:00'), VN('07:30'), 10);
    const row = kpiRow(h.totals(), { targetKg: null, canWeigh: h.t.canWeigh(), hasCounter: true });
    expect(row.good).toBe(300);
    expect(row.kg).toBeNull();
    expect(row.flags).toContain('no-pack-weight');
  });

  it('turns a running machine whose counter stands still into idle, and back', () => {
    const h = harness('p250', VN('07:00'));
    h.run(VN('07:00'), VN('07:10'), 10);
    for (let ts = VN('07:11'); ts <= VN('07:20'); ts += MIN) h.poll(ts, true);
    h.poll(VN('07:21'), true, 10);
    const changes = h.states.filter((s) => s.ts > VN('07:00')).map((s) => [s.state, s.ts]);
    expect(changes).toEqual([
      ['idle', VN('07:15')],
      ['running', VN('07:21')],
    ]);
    expect(h.totals().downMs).toBe(6 * MIN);
  });

  it('computes kg to the gram and credits a counter gap once after a comm loss', () => {
    const h = harness('p250', VN('07:00'));
    h.run(VN('07:00'), VN('07:10'), 10);
    h.t.setOnline(VN('07:10') + 1, false);
    h.setRaw(100 + 100 + 600); // produced 600 packs while unreachable
    h.poll(VN('08:10'), true);
    const tot = h.totals();
    expect(tot.good).toBe(800 - 100);
    expect(tot.mg).toBe(700 * 250 * 1000);
    expect(tot.offlineMs).toBe(60 * MIN - 1);
    expect(kpiRow(tot, { targetKg: null, canWeigh: true, hasCounter: true }).flags).toContain('comm-gap');
  });
});

describe('a night shift across midnight', () => {
  it('books the hours after midnight to the production day and shift the night began in', () => {
    const night = normaliseProduction(
      {
        dayStartsAt: '06:00',
        shifts: [
          { id: 'ngay', start: '06:00', end: '22:00' },
          { id: 'dem', start: '22:00', end: '06:00', breaks: [{ start: '02:00', end: '02:30' }] },
        ],
        products: [{ id: 'p', name: { vi: 'P', en: 'P' }, packWeightG: 100, idealRatePerMin: 10 }],
      },
      'Asia/Ho_Chi_Minh',
    );
    const start = VN('21:00');
    const t = new MachineTracker(
      {
        machine: 'm1',
        roles: rolesOf([
          { name: 'running', role: 'run' },
          { name: 'good', role: 'good_counter', counterBits: 16 },
        ]),
        calendar: new Calendar(night),
        faultCodes: {},
        stateCodes: {},
        noise: 5,
        idleAfterMs: 5 * MIN,
        stopThresholdMs: 2 * MIN,
        listener: { state: () => {}, stop: () => {} },
      },
      start,
    );
    t.product = night.products[0] ?? null;
    let good = 0;
    for (let ts = start; ts <= VN('07:00', '2026-03-03'); ts += MIN) {
      good += ts === start ? 0 : 10;
      t.observe([
        { machine: 'm1', point: 'running', value: true, ts, quality: 'good' },
        { machine: 'm1', point: 'good', value: good % 65536, ts, quality: 'good' },
      ]);
    }
    const sum = (pred: (b: { day: string; shift: string }) => boolean) =>
      sumTotals([...t.buckets.values()].filter(pred).map((b) => b.totals));
    const dem = sum((b) => b.day === '2026-03-02' && b.shift === 'dem');
    // 22:00–06:00 = 480 min of packing at 10/min; the break is planned stop but the machine ran
    // through it, so its 30 min count as planned too.
    expect(dem.good).toBe(4800);
    expect(dem.mg).toBe(4800 * 100 * 1000);
    expect(dem.runMs).toBe(480 * MIN);
    expect(dem.plannedMs).toBe(480 * MIN);
    expect(sum((b) => b.day === '2026-03-02' && b.shift === 'ngay').good).toBe(600);
    expect(sum((b) => b.day === '2026-03-03').good).toBe(600);
    // The hour 01:00–02:00 on 3 March is an hour of production day 2 March.
    const oneAm = [...t.buckets.values()].find((b) => b.hourStart === VN('01:00', '2026-03-03'));
    expect(oneAm?.day).toBe('2026-03-02');
  });
});
