import Database from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import type { Sample } from '../core/sample.js';
import type { StoreEvent } from '../store/sample-writer.js';
import { ProductionEngine } from './engine.js';
import { ProductionRepo } from './repo.js';

const config = loadConfigText(
  `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines:
  - { id: a, name: A, kind: packer, line: l, connection: { type: tcp, host: h },
      points: [{ name: run, area: coil, address: 0, type: bool, role: run },
               { name: good, area: holding, address: 0, type: uint16, role: good_counter, counterBits: 16 },
               { name: recipe, area: holding, address: 1, type: uint16, role: recipe }] }
production:
  shifts: [{ id: ca1, start: '06:00', end: '18:00' }]
  products:
    - { id: p100, name: { vi: Gói 100 g, en: 100 g }, packWeightG: 100, idealRatePerMin: 10 }
    - { id: p500, name: { vi: Gói 500 g, en: 500 g }, packWeightG: 500, idealRatePerMin: 10 }
  machines: { a: { product: p100, recipes: { '7': p500 } } }
  flushIntervalS: 60
  idleAfterS: 300
`,
  'engine.yaml',
  { env: {} },
);
const VN = (hhmm: string) => Date.parse(`2026-03-02T${hhmm}:00+07:00`);

describe('ProductionEngine', () => {
  it('takes the product from the recipe register and writes contract event rows on flush', () => {
    const events: StoreEvent[] = [];
    const engine = new ProductionEngine({
      config,
      repo: ProductionRepo.open(new Database(':memory:')),
      appendEvents: (rows) => events.push(...rows),
      log: pino({ level: 'silent' }),
    });
    engine.start(VN('07:00'));
    let good = 0;
    const poll = (ts: number, n: number, recipe: number) => {
      good += n;
      const s: Sample[] = [
        { machine: 'a', point: 'run', value: true, ts, quality: 'good' },
        { machine: 'a', point: 'good', value: good, ts, quality: 'good' },
        { machine: 'a', point: 'recipe', value: recipe, ts, quality: 'good' },
      ];
      engine.samples(s);
    };
    poll(VN('07:00'), 0, 3);
    poll(VN('07:01'), 10, 3); // 10 × 100 g
    poll(VN('07:02'), 0, 7); // the operator loads recipe 7 on the HMI
    poll(VN('07:03'), 10, 7); // 10 × 500 g
    engine.tick(VN('07:03'));
    engine.flush(VN('07:03'), { events: true });
    expect(engine.trackers.get('a')?.product?.id).toBe('p500');
    const day = events.filter((e) => e.measurement === 'production' && e.tags.period === 'day');
    expect(day).toHaveLength(1);
    expect(day[0]).toMatchObject({
      tags: { site: 's', line: 'l', machine: 'a', period: 'day', product: 'p500' },
      fields: { good: 20, reject: 0, kg: 6, run_s: 180, down_s: 0, planned_s: 180 },
      ts: VN('06:00'),
    });
    const shift = events.find((e) => e.measurement === 'production' && e.tags.period === 'shift');
    expect(shift?.tags.shift).toBe('ca1');
    const hour = events.find((e) => e.measurement === 'production' && e.tags.period === 'hour');
    expect(hour?.ts).toBe(VN('07:00'));
    expect(hour?.tags.shift).toBeUndefined();
    const state = events.find((e) => e.measurement === 'machine_state');
    expect(state).toMatchObject({
      tags: { site: 's', line: 'l', machine: 'a', kind: 'packer' },
      fields: { state: 'running', previous: 'offline' },
    });
  });
});
