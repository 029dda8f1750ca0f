import { describe, expect, it } from 'vitest';
import type { EventRow, OutboxRow, SampleRow } from '../../core/outbox.js';
import { encodeUplinkRow, type UplinkEncoderDeps } from './encode.js';
import { groupUplinkLines } from './group.js';

const deps: UplinkEncoderDeps = {
  prefix: 'coop/ha-giang',
  site: 'htx-tan-cuong',
  seriesOf: (machine, point) =>
    machine === 'dryer-1'
      ? { line: 'line-1', ...(point === 'temp_zone1' ? { unit: '°C' } : {}) }
      : machine === 'packer/2'
        ? { line: 'pack' }
        : undefined,
};

const T = 1_700_000_000_123;
const sample = (
  key: string,
  machine: string,
  point: string,
  value: SampleRow['value'],
  quality: SampleRow['quality'] = 'good',
): SampleRow => ({
  key,
  kind: 'sample',
  machine,
  point,
  value,
  quality,
  ts: T,
});
const event = (
  key: string,
  measurement: string,
  tags: Record<string, string>,
  fields: EventRow['fields'],
): EventRow => ({
  key,
  kind: 'event',
  measurement,
  tags,
  fields,
  ts: T,
});

/** Golden: row → `kind \0 topic \0 payload`, shown with ` | ` for the NULs. */
const golden: [string, OutboxRow, string][] = [
  [
    'a numeric sample with its unit',
    sample('1', 'dryer-1', 'temp_zone1', 182.5),
    'T | coop/ha-giang/htx-tan-cuong/line-1/dryer-1/telemetry | {"point":"temp_zone1","value":182.5,"unit":"°C","quality":"good","ts":1700000000123,"id":"1"}',
  ],
  [
    'a boolean sample, no unit',
    sample('2', 'dryer-1', 'run', true),
    'T | coop/ha-giang/htx-tan-cuong/line-1/dryer-1/telemetry | {"point":"run","value":true,"quality":"good","ts":1700000000123,"id":"2"}',
  ],
  [
    'NaN as null, quality kept; / in a machine id made a single level',
    sample('3', 'packer/2', 'weight', Number.NaN, 'bad'),
    'T | coop/ha-giang/htx-tan-cuong/pack/packer_2/telemetry | {"point":"weight","value":null,"quality":"bad","ts":1700000000123,"id":"3"}',
  ],
  [
    'a machine no longer in the config',
    sample('4', 'old+1', 'x', 'Bánh "đậu xanh"'),
    'T | coop/ha-giang/htx-tan-cuong/_unknown/old_1/telemetry | {"point":"x","value":"Bánh \\"đậu xanh\\"","quality":"good","ts":1700000000123,"id":"4"}',
  ],
  [
    'machine_state: retained, on …/state',
    event(
      '5',
      'machine_state',
      { site: 'htx-tan-cuong', line: 'line-1', machine: 'dryer-1', kind: 'dryer' },
      {
        state: 'fault',
        previous: 'running',
        fault_code: 17,
        fault_text: 'Quá nhiệt',
      },
    ),
    'R | coop/ha-giang/htx-tan-cuong/line-1/dryer-1/state | {"kind":"dryer","state":"fault","previous":"running","fault_code":17,"fault_text":"Quá nhiệt","ts":1700000000123,"id":"5"}',
  ],
  [
    'alarm on …/alarms, not retained; Infinity left out',
    event(
      '6',
      'alarm',
      { site: 's', line: 'line-1', machine: 'dryer-1', rule: 'temp_high', severity: '3' },
      {
        event: 'activate',
        state: 'active_unack',
        message: 'Nhiệt độ lò quá cao',
        value: 191,
        limit: Number.POSITIVE_INFINITY,
      },
    ),
    'M | coop/ha-giang/htx-tan-cuong/line-1/dryer-1/alarms | {"rule":"temp_high","severity":"3","event":"activate","state":"active_unack","message":"Nhiệt độ lò quá cao","value":191,"ts":1700000000123,"id":"6"}',
  ],
  [
    'production on …/production, line from the config when the row has none',
    event(
      '7',
      'production',
      { site: 's', machine: 'dryer-1', period: 'hour' },
      { good: 120, reject: 3, kg: 61.2, oee: 0.81 },
    ),
    'M | coop/ha-giang/htx-tan-cuong/line-1/dryer-1/production | {"period":"hour","good":120,"reject":3,"kg":61.2,"oee":0.81,"ts":1700000000123,"id":"7"}',
  ],
  [
    'a stop row goes to the gateway events',
    event(
      '8',
      'stop',
      { site: 's', line: 'line-1', machine: 'dryer-1' },
      { duration_s: 300, state: 'stopped', reason: '' },
    ),
    'M | coop/ha-giang/htx-tan-cuong/gateway/events | {"measurement":"stop","tags":{"site":"s","line":"line-1","machine":"dryer-1"},"fields":{"duration_s":300,"state":"stopped","reason":""},"ts":1700000000123,"id":"8"}',
  ],
  [
    'a gateway event (no machine)',
    event('9', 'gateway_event', { site: 's', kind: 'sink-recovered' }, { message: 'ok' }),
    'M | coop/ha-giang/htx-tan-cuong/gateway/events | {"measurement":"gateway_event","tags":{"site":"s","kind":"sink-recovered"},"fields":{"message":"ok"},"ts":1700000000123,"id":"9"}',
  ],
];

describe('uplink encoder (golden)', () => {
  it.each(golden)('%s', (_name, row, expected) => {
    const r = encodeUplinkRow(row, deps);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.line.split('\u0000').join(' | ')).toBe(expected);
  });

  it('refuses an event whose timestamp is not finite', () => {
    const r = encodeUplinkRow(
      { ...event('1', 'alarm', { machine: 'dryer-1' }, { a: 1 }), ts: Number.NaN },
      deps,
    );
    expect(r).toEqual({ ok: false, reason: 'timestamp NaN is not finite' });
  });
});

describe('grouping lines into messages', () => {
  const enc = (row: OutboxRow) => {
    const r = encodeUplinkRow(row, deps);
    if (!r.ok) throw new Error(r.reason);
    return r.line;
  };

  it('merges a run of one machine’s samples into one array and keeps the order around other lines', () => {
    const lines = [
      enc(sample('1', 'dryer-1', 'run', true)),
      enc(sample('2', 'dryer-1', 'run', false)),
      enc(sample('3', 'packer/2', 'w', 1)),
      enc(event('4', 'machine_state', { line: 'line-1', machine: 'dryer-1' }, { state: 'idle' })),
      enc(sample('5', 'dryer-1', 'run', true)),
    ];
    const msgs = groupUplinkLines(lines, 200);
    expect(msgs.map((m) => [m.topic.split('/').slice(-2).join('/'), m.rows, m.retain])).toEqual([
      ['dryer-1/telemetry', 2, false],
      ['packer_2/telemetry', 1, false],
      ['dryer-1/state', 1, true],
      ['dryer-1/telemetry', 1, false],
    ]);
    expect(JSON.parse(String(msgs[0]?.payload ?? '')).map((s: { id: string }) => s.id)).toEqual(['1', '2']);
    expect(JSON.parse(String(msgs[2]?.payload ?? ''))).toMatchObject({ state: 'idle', id: '4' });
  });

  it('caps the samples per message', () => {
    const lines = Array.from({ length: 5 }, (_, i) => enc(sample(String(i), 'dryer-1', 'run', true)));
    expect(groupUplinkLines(lines, 2).map((m) => m.rows)).toEqual([2, 2, 1]);
  });

  it('throws on a line that is not an uplink line', () => {
    expect(() => groupUplinkLines(['telemetry value=1'], 10)).toThrow(/not an uplink line/);
  });
});
