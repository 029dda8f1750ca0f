import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../core/outbox.js';
import { encodeSparkplugRow } from './encode-sparkplug.js';
import { groupSparkplugLines } from './group-sparkplug.js';
import { decodeSparkplug, SparkplugSession } from './sparkplug.js';

/** Sparkplug B session rules, encoding and grouping (pure; the Mosquitto test is tests/mqtt-sparkplug.test.ts). */
const NOW = Date.UTC(2026, 10, 27, 3, 0, 0);
const num = (v: unknown) => (typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber());
const session = () =>
  new SparkplugSession({ groupId: 'coop', edgeNodeId: 'htx' }, { historicalAfterMs: 60_000, now: () => NOW });
const deps = { prefix: 'coop', site: 'htx', seriesOf: () => ({ line: 'pack' }) };
const sample = (
  machine: string,
  point: string,
  value: number | boolean | string,
  ts: number,
  key = '1',
): OutboxRow => ({
  kind: 'sample',
  key,
  machine,
  point,
  value,
  quality: 'good',
  ts,
});
const lineOf = (row: OutboxRow) => {
  const r = encodeSparkplugRow(row, deps);
  if (!r.ok) throw new Error(r.reason);
  return r.line;
};

describe('SparkplugSession', () => {
  it('NBIRTH with bdSeq and Rebirth at seq 0; the will carries the same bdSeq; bdSeq moves per session', () => {
    const s = session();
    s.nextSession();
    const will = s.will();
    expect(will.topic).toBe('spBv1.0/coop/NDEATH/htx');
    const [nbirth] = s.births();
    expect(nbirth?.topic).toBe('spBv1.0/coop/NBIRTH/htx');
    const p = decodeSparkplug(nbirth?.payload ?? Buffer.alloc(0));
    expect(num(p.seq)).toBe(0);
    expect(p.metrics?.map((m) => m.name)).toEqual(['bdSeq', 'Node Control/Rebirth']);
    const bd = num(p.metrics?.[0]?.value);
    expect(num(decodeSparkplug(will.payload).metrics?.[0]?.value)).toBe(bd);
    s.nextSession();
    expect(num(decodeSparkplug(s.will().payload).metrics?.[0]?.value)).toBe((bd + 1) % 256);
  });

  it('births a device before its first DDATA and again for a new metric or type; seq wraps at 256', () => {
    const s = session();
    s.nextSession();
    s.births();
    const first = s.data('packer-1', [{ name: 'w', value: 250, ts: NOW }]);
    expect(first.map((m) => m.topic)).toEqual([
      'spBv1.0/coop/DBIRTH/htx/packer-1',
      'spBv1.0/coop/DDATA/htx/packer-1',
    ]);
    expect(first.map((m) => num(decodeSparkplug(m.payload).seq))).toEqual([1, 2]);
    expect(s.data('packer-1', [{ name: 'w', value: 251, ts: NOW }]).map((m) => m.kind)).toEqual(['data']);
    const more = s.data('packer-1', [{ name: 'run', value: true, ts: NOW }]);
    expect(more.map((m) => m.kind)).toEqual(['birth', 'data']);
    const birth = decodeSparkplug(more[0]?.payload ?? Buffer.alloc(0));
    expect(birth.metrics?.map((m) => [m.name, m.type, m.value])).toEqual([
      ['w', 'Double', 251],
      ['run', 'Boolean', true],
    ]);
    expect(s.data('packer-1', [{ name: 'w', value: 'jam', ts: NOW }]).map((m) => m.kind)).toEqual([
      'birth',
      'data',
    ]);
    let last = 0;
    for (let i = 0; i < 300; i++)
      last = num(
        decodeSparkplug(
          s.data('packer-1', [{ name: 'run', value: i % 2 === 0, ts: NOW }])[0]?.payload ?? Buffer.alloc(0),
        ).seq,
      );
    expect(last).toBe((2 + 1 + 2 + 2 + 300) % 256);
    // A rebirth (NCMD) restarts at seq 0 and births every known device with its latest values.
    const again = s.births();
    expect(again.map((m) => m.topic)).toEqual([
      'spBv1.0/coop/NBIRTH/htx',
      'spBv1.0/coop/DBIRTH/htx/packer-1',
    ]);
    expect(num(decodeSparkplug(again[1]?.payload ?? Buffer.alloc(0)).seq)).toBe(1);
  });

  it('marks late values is_historical, keeps a null value null, bad quality in the Quality property', () => {
    const s = session();
    s.nextSession();
    s.births();
    const [, data] = s.data('d', [
      { name: 'old', value: 1, ts: NOW - 120_000 },
      { name: 'new', value: null, ts: NOW },
      { name: 'bad', value: 0, ts: NOW, q: 0 },
    ]);
    const m = decodeSparkplug(data?.payload ?? Buffer.alloc(0)).metrics ?? [];
    expect(m[0]).toMatchObject({ name: 'old', isHistorical: true });
    expect(num(m[0]?.timestamp)).toBe(NOW - 120_000);
    expect(m[1]).toMatchObject({ name: 'new', value: null });
    expect(m[2]?.properties?.Quality).toMatchObject({ type: 'Int32', value: 0 });
    expect(s.isRebirth(Buffer.from('not protobuf'))).toBe(false);
  });
});

describe('Sparkplug encoding and grouping', () => {
  it('samples and machine state become DDATA metrics in order; alarms stay JSON on their topic', () => {
    const s = session();
    s.nextSession();
    s.births();
    const lines = [
      lineOf(sample('packer-1', 'w', 250, NOW, '1')),
      lineOf(sample('packer-1', 'w', 251, NOW + 1, '2')),
      lineOf({
        kind: 'event',
        key: '3',
        measurement: 'alarm',
        tags: { site: 'htx', line: 'pack', machine: 'packer-1', rule: 'jam', severity: '2' },
        fields: { event: 'activate', state: 'active_unack', message: 'Kẹt bao' },
        ts: NOW + 2,
      }),
      lineOf({
        kind: 'event',
        key: '4',
        measurement: 'machine_state',
        tags: { site: 'htx', line: 'pack', machine: 'packer-1', kind: 'packer' },
        fields: { state: 'fault', previous: 'running', fault_code: 7 },
        ts: NOW + 3,
      }),
      lineOf(sample('packer/2', 'w', Number.NaN, NOW + 4, '5')),
    ];
    const msgs = groupSparkplugLines(lines, s, { maxMetrics: 100, qos: 1 });
    expect(msgs.map((m) => [m.topic, m.qos, m.rows])).toEqual([
      ['spBv1.0/coop/DBIRTH/htx/packer-1', 0, 0],
      ['spBv1.0/coop/DDATA/htx/packer-1', 1, 2],
      ['coop/htx/pack/packer-1/alarms', undefined, 1],
      ['spBv1.0/coop/DBIRTH/htx/packer-1', 0, 0],
      ['spBv1.0/coop/DDATA/htx/packer-1', 1, 2],
      ['spBv1.0/coop/DBIRTH/htx/packer_2', 0, 0],
      ['spBv1.0/coop/DDATA/htx/packer_2', 1, 1],
    ]);
    const state = decodeSparkplug(msgs[4]?.payload as Buffer).metrics ?? [];
    expect(state.map((m) => [m.name, m.value])).toEqual([
      ['state', 'fault'],
      ['fault_code', 7],
    ]);
    expect(decodeSparkplug(msgs[6]?.payload as Buffer).metrics?.[0]).toMatchObject({
      name: 'w',
      value: null,
    });
    expect(JSON.parse(String(msgs[2]?.payload))).toMatchObject({ rule: 'jam', event: 'activate', id: '3' });
  });

  it('splits a long run at maxMetrics and refuses a broken line', () => {
    const s = session();
    s.nextSession();
    s.births();
    const lines = Array.from({ length: 5 }, (_, i) => lineOf(sample('m', 'p', i, NOW + i, String(i))));
    expect(groupSparkplugLines(lines, s, { maxMetrics: 2, qos: 0 }).map((m) => m.rows)).toEqual([0, 2, 2, 1]);
    expect(() => groupSparkplugLines(['P\u0000broken'], s, { maxMetrics: 2, qos: 0 })).toThrow(/Sparkplug/);
  });
});
