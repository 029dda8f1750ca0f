import { afterEach, describe, expect, it } from 'vitest';
import { tempStores } from '../store/testdata/temp-store.js';
import { alarmEventRow } from './event-row.js';

const t = tempStores();
afterEach(() => t.cleanup());

const event = {
  id: 7,
  ts: 1_795_750_034_506,
  alarm: 'fryer-1.oil_too_hot',
  machine: 'fryer-1',
  line: 'rice-crust',
  rule: 'oil_too_hot',
  severity: 2 as const,
  event: 'ack' as const,
  state: 'active_ack' as const,
  message: { vi: 'Máy chiên 1: Dầu quá nóng: 195,2 °C', en: 'Fryer 1: Oil too hot: 195.2 °C' },
  value: 195.2,
  limit: 190,
  unit: '°C',
  actor: 'kythuat',
  comment: 'đã giảm lửa',
};

describe('alarm outbox row (the agreed `alarm` contract)', () => {
  it('has the contract tags and fields, and leaves absent values out', () => {
    expect(alarmEventRow('htx', event)).toEqual({
      measurement: 'alarm',
      tags: { site: 'htx', line: 'rice-crust', machine: 'fryer-1', rule: 'oil_too_hot', severity: '2' },
      fields: {
        event: 'ack',
        state: 'active_ack',
        message: 'Máy chiên 1: Dầu quá nóng: 195,2 °C',
        message_en: 'Fryer 1: Oil too hot: 195.2 °C',
        value: 195.2,
        limit: 190,
        unit: '°C',
        actor: 'kythuat',
        comment: 'đã giảm lửa',
      },
      ts: 1_795_750_034_506,
    });
    const bare = alarmEventRow('htx', { ...event, value: null, limit: null, unit: null, comment: null });
    expect(Object.keys(bare.fields).sort()).toEqual(['actor', 'event', 'message', 'message_en', 'state']);
  });

  it('is accepted by the store and reaches every sink in order', () => {
    const s = t.open(t.dir());
    const out = s.registerSink('influx', { from: 'start' });
    s.appendEvents([
      alarmEventRow('htx', event),
      alarmEventRow('htx', { ...event, event: 'return', comment: null }),
    ]);
    s.flush();
    const rows = out.next(10).rows;
    expect(rows.map((r) => (r.kind === 'event' ? [r.measurement, r.fields.event] : null))).toEqual([
      ['alarm', 'ack'],
      ['alarm', 'return'],
    ]);
  });
});
