import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MQTT_DEFAULTS, type MqttMachineConfig } from '../../../config/types.js';
import type { Sample } from '../../core/sample.js';
import { RateLimitedWarn, REJECT_REASONS, type RejectReason } from './hygiene.js';
import { Ingest } from './ingest.js';

const NOW = Date.parse('2026-11-26T07:00:00Z');

const machine: MqttMachineConfig = {
  protocol: 'mqtt',
  id: 'packer-1',
  name: 'Máy đóng gói 1',
  kind: 'packer',
  line: 'pack',
  profile: null,
  connection: {
    type: 'mqtt',
    source: 'broker',
    topic: 'htx/pack/packer-1/telemetry',
    offlineAfterMs: 60_000,
  },
  payload: { timestamp: { path: 'ts', format: 'unix_ms' } },
  points: [
    { name: 'temp', path: 'data.temp', type: 'number', scale: 1, offset: 0, unit: '°C' },
    { name: 'run', path: 'run', type: 'boolean', scale: 1, offset: 0 },
    { name: 'recipe', path: 'recipe', type: 'string', scale: 1, offset: 0 },
  ],
  faultCodes: {},
  stateCodes: {},
};

function ingest() {
  const persisted: Sample[] = [];
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => logs.push(JSON.parse(l)) });
  const i = new Ingest(
    [machine],
    { ...MQTT_DEFAULTS, maxPayloadBytes: 2048, maxDepth: 6, maxKeys: 50 },
    {
      log,
      persist: (s) => persisted.push(...s),
      emit: () => undefined,
      now: () => NOW,
    },
  );
  return { i, persisted, logs };
}

const TOPIC = 'htx/pack/packer-1/telemetry';
const ok = (extra: object = {}) =>
  JSON.stringify({ ts: NOW - 1000, data: { temp: 151.5 }, run: true, ...extra });
const nest = (n: number): string => (n === 0 ? '1' : `{"a":${nest(n - 1)}}`);

/** Every class of bad payload, with the reason it must be counted under. */
const TABLE: [string, RejectReason, Buffer | string, string?][] = [
  ['a payload over maxPayloadBytes', 'too_large', ok({ pad: 'x'.repeat(4000) })],
  ['bytes that are not UTF-8', 'not_utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ['cut-short JSON', 'malformed_json', '{"ts": 1, "data": {"temp": 1'],
  ['not JSON at all', 'malformed_json', 'temp=151.5'],
  ['bare NaN (not JSON)', 'malformed_json', '{"data":{"temp":NaN}}'],
  ['an empty payload', 'malformed_json', ''],
  ['nesting deeper than maxDepth', 'too_deep', nest(300)],
  [
    'more keys than maxKeys',
    'too_many_keys',
    JSON.stringify(Object.fromEntries(Array.from({ length: 80 }, (_, k) => [`k${k}`, k]))),
  ],
  ['a JSON array at the top', 'not_object', '[1,2,3]'],
  ['a JSON number at the top', 'not_object', '42'],
  ['a __proto__ key', 'forbidden_key', `{"ts":${NOW},"__proto__":{"polluted":true},"run":true}`],
  ['a nested constructor key', 'forbidden_key', ok({ data: { temp: 1, constructor: { prototype: 1 } } })],
  [
    'a __proto__ key spelt with \\u escapes',
    'forbidden_key',
    `{"ts":${NOW},"\\u005f_proto__":{"x":1},"run":true}`,
  ],
  ['a prototype key spelt with \\u escapes', 'forbidden_key', `{"ts":${NOW},"data":{"\\u0070rototype":1}}`],
  ['a number as text', 'wrong_type', ok({ data: { temp: '151.5' } })],
  ['a boolean as text', 'wrong_type', ok({ run: 'true' })],
  ['an object where a number goes', 'wrong_type', ok({ data: { temp: { v: 1 } } })],
  ['a number where text goes', 'wrong_type', ok({ recipe: 7 })],
  ['"NaN" as text', 'not_finite', ok({ data: { temp: 'NaN' } })],
  ['"Infinity" as text', 'not_finite', ok({ data: { temp: '-Infinity' } })],
  ['1e999 (Infinity once parsed)', 'not_finite', `{"ts":${NOW},"data":{"temp":1e999}}`],
  ['none of the points', 'no_known_fields', JSON.stringify({ ts: NOW, other: 1 })],
  ['no timestamp', 'ts_invalid', JSON.stringify({ data: { temp: 1 } })],
  ['a timestamp as text', 'ts_invalid', JSON.stringify({ ts: 'yesterday', data: { temp: 1 } })],
  ['a timestamp 10 minutes ahead', 'ts_future', JSON.stringify({ ts: NOW + 600_000, data: { temp: 1 } })],
  [
    'a timestamp in seconds read as ms (1970)',
    'ts_too_old',
    JSON.stringify({ ts: Math.floor(NOW / 1000), data: { temp: 1 } }),
  ],
  ['an unknown device', 'unknown_device', ok(), 'htx/pack/packer-9/telemetry'],
];

describe('payload hygiene: every bad payload is counted by reason and never stored', () => {
  it.each(TABLE)('%s → %s', (_name, reason, payload, topic) => {
    const { i, persisted } = ingest();
    const a = i.prepare(
      'broker',
      topic ?? TOPIC,
      typeof payload === 'string' ? Buffer.from(payload) : payload,
    );
    expect(a).toBeNull();
    expect(persisted).toEqual([]);
    expect(i.rejectedByReason()).toEqual({ [reason]: 1 });
    if (reason !== 'unknown_device') expect(i.machineStats('packer-1')?.lastRejected?.reason).toBe(reason);
  });

  it('covers every reason the gateway has', () => {
    expect(new Set(TABLE.map((t) => t[1]))).toEqual(new Set(REJECT_REASONS));
  });

  it('stores a good payload with its own timestamp, skipping absent and null fields', () => {
    const { i, persisted } = ingest();
    const a = i.prepare(
      'broker',
      TOPIC,
      Buffer.from(JSON.stringify({ ts: NOW - 5000, data: { temp: 150 }, run: 1, recipe: null })),
    );
    expect(a).not.toBeNull();
    i.commit('broker', a ? [a] : []);
    expect(persisted).toEqual([
      { machine: 'packer-1', point: 'temp', value: 150, ts: NOW - 5000, quality: 'good' },
      { machine: 'packer-1', point: 'run', value: true, ts: NOW - 5000, quality: 'good' },
    ]);
    expect(i.machineStats('packer-1')).toMatchObject({ messages: 1, accepted: 1, rejected: {} });
  });

  it('never throws and never stores, whatever the bytes (10 000 random payloads)', () => {
    const { i, persisted } = ingest();
    let x = 12345;
    const rnd = () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x / 0x7fffffff;
    };
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"ts"',
      ':',
      ',',
      '"data"',
      '"temp"',
      'NaN',
      '1e999',
      '"__proto__"',
      'true',
      '-',
      '0',
      '"x"',
    ];
    for (let k = 0; k < 10_000; k++) {
      const text = Array.from(
        { length: Math.floor(rnd() * 30) },
        () => pieces[Math.floor(rnd() * pieces.length)],
      ).join('');
      expect(() => i.prepare('broker', TOPIC, Buffer.from(text))).not.toThrow();
    }
    expect(persisted).toEqual([]);
  });

  it('logs each reason at most once per interval, then says how many were left out', () => {
    const lines: Record<string, unknown>[] = [];
    const w = new RateLimitedWarn(10_000, (f) => lines.push(f));
    for (let t = 0; t < 25_000; t += 100) w.warn('x:wrong_type', t, { reason: 'wrong_type' }, 'refused');
    expect(lines).toEqual([
      { reason: 'wrong_type' },
      { reason: 'wrong_type', suppressed: 99 },
      { reason: 'wrong_type', suppressed: 99 },
    ]);
  });
});
