import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventRow, SampleRow } from '../../core/outbox.js';
import {
  createLineEncoder,
  encodeEvent,
  encodeRow,
  encodeSample,
  type LineEncoderDeps,
  type SeriesTags,
} from './line-protocol.js';

const TAGS: Record<string, SeriesTags> = {
  'oven-1/temp_zone1': {
    site: 'Nhà máy Bình Dương',
    line: 'line-1',
    kind: 'dryer',
    role: 'temperature',
    unit: '°C',
  },
  'packer-2/run': { site: 'hcm', line: 'dây chuyền 2', kind: 'packer', role: 'run' },
  'packer-2/recipe': { site: 'hcm', line: 'l,2=x', kind: 'packer', unit: '' },
};
const deps: LineEncoderDeps = { tagsFor: (m, p) => TAGS[`${m}/${p}`] };

const sample = (over: Partial<SampleRow>): SampleRow => ({
  key: 'k',
  kind: 'sample',
  machine: 'oven-1',
  point: 'temp_zone1',
  value: 182.5,
  quality: 'good',
  ts: 1_700_000_000_123,
  ...over,
});

const event = (over: Partial<EventRow>): EventRow => ({
  key: 'e',
  kind: 'event',
  measurement: 'alarm',
  tags: {},
  fields: {},
  ts: 1_700_000_000_000,
  ...over,
});

describe('encodeSample (golden lines)', () => {
  it.each<[string, Partial<SampleRow>, string]>([
    [
      'a number, with Vietnamese and spaces escaped in tags',
      {},
      'telemetry,kind=dryer,line=line-1,machine=oven-1,point=temp_zone1,role=temperature,site=Nhà\\ máy\\ Bình\\ Dương,unit=°C value=182.5,quality="good" 1700000000123',
    ],
    [
      'an integer stays a float (no i suffix)',
      { value: 42 },
      'telemetry,kind=dryer,line=line-1,machine=oven-1,point=temp_zone1,role=temperature,site=Nhà\\ máy\\ Bình\\ Dương,unit=°C value=42,quality="good" 1700000000123',
    ],
    [
      'large and tiny numbers in shortest round-trip form',
      { value: 1e21, ts: 5 },
      'telemetry,kind=dryer,line=line-1,machine=oven-1,point=temp_zone1,role=temperature,site=Nhà\\ máy\\ Bình\\ Dương,unit=°C value=1e+21,quality="good" 5',
    ],
    [
      'a boolean in value_bool',
      { machine: 'packer-2', point: 'run', value: true, quality: 'uncertain' },
      'telemetry,kind=packer,line=dây\\ chuyền\\ 2,machine=packer-2,point=run,role=run,site=hcm value_bool=true,quality="uncertain" 1700000000123',
    ],
    [
      'a string in value_text with quotes, backslashes and a newline; commas/equals in tags; empty unit left out',
      { machine: 'packer-2', point: 'recipe', value: 'Bánh "đậu xanh" C:\\x\nv2' },
      'telemetry,kind=packer,line=l\\,2\\=x,machine=packer-2,point=recipe,site=hcm value_text="Bánh \\"đậu xanh\\" C:\\\\x v2",quality="good" 1700000000123',
    ],
    [
      'null (bad) keeps only quality',
      { value: null, quality: 'bad' },
      'telemetry,kind=dryer,line=line-1,machine=oven-1,point=temp_zone1,role=temperature,site=Nhà\\ máy\\ Bình\\ Dương,unit=°C quality="bad" 1700000000123',
    ],
    [
      'NaN is left out like null',
      { value: Number.NaN, quality: 'bad' },
      'telemetry,kind=dryer,line=line-1,machine=oven-1,point=temp_zone1,role=temperature,site=Nhà\\ máy\\ Bình\\ Dương,unit=°C quality="bad" 1700000000123',
    ],
    [
      'a point not in the config any more: machine and point tags only',
      { machine: 'old', point: 'x y', value: -Infinity, ts: 1.6 },
      'telemetry,machine=old,point=x\\ y quality="good" 2',
    ],
    [
      'backslashes: kept where unambiguous, "/" where a reader would see an escape',
      { machine: 'a\\b', point: 'c\\ d\\' },
      'telemetry,machine=a\\b,point=c/\\ d/ value=182.5,quality="good" 1700000000123',
    ],
  ])('%s', (_name, over, expected) => {
    expect(encodeSample(sample(over), deps)).toEqual({ ok: true, line: expected });
  });

  it('uses another measurement when asked', () => {
    const r = encodeSample(sample({ machine: 'm', point: 'p' }), { ...deps, measurement: 'plant data' });
    expect(r).toEqual({
      ok: true,
      line: 'plant\\ data,machine=m,point=p value=182.5,quality="good" 1700000000123',
    });
  });
});

describe('encodeEvent (golden lines)', () => {
  it('writes measurement, sorted tags and fields; numbers as floats', () => {
    const r = encodeEvent(
      event({
        measurement: 'alarm,state',
        tags: { machine: 'oven-1', severity: 'high', note: '' },
        fields: { message: 'Nhiệt độ lò quá cao = 250 °C', code: 17, acked: false, ratio: 0.5 },
      }),
    );
    expect(r).toEqual({
      ok: true,
      line: 'alarm\\,state,machine=oven-1,severity=high message="Nhiệt độ lò quá cao = 250 °C",code=17,acked=false,ratio=0.5 1700000000000',
    });
  });

  it('keeps = unescaped in a measurement but escapes it in keys', () => {
    expect(encodeEvent(event({ measurement: 'a=b', tags: { 'k=1': 'v=1' }, fields: { 'f 1': 1 } }))).toEqual({
      ok: true,
      line: 'a=b,k\\=1=v\\=1 f\\ 1=1 1700000000000',
    });
  });

  it.each<[string, Partial<EventRow>, RegExp]>([
    ['no fields', { fields: {} }, /no field/],
    ['only non-finite fields', { fields: { a: Number.NaN, b: Infinity } }, /no field/],
    ['empty measurement', { measurement: '', fields: { a: 1 } }, /empty measurement/],
    ['a comment line', { measurement: '#x', fields: { a: 1 } }, /"#"/],
    ['a leading tab (skipped by the server)', { measurement: '\tx', fields: { a: 1 } }, /starts with/],
    ['a time tag', { tags: { time: 'x' }, fields: { a: 1 } }, /"time" is reserved/],
    ['a time field', { fields: { time: 1 } }, /"time" is reserved/],
    ['a _field tag', { tags: { _field: 'x' }, fields: { a: 1 } }, /"_field" is reserved/],
    ['an empty field key', { fields: { '': 1 } }, /empty field key/],
    ['an empty tag key', { tags: { '': 'x' }, fields: { a: 1 } }, /empty tag key/],
    ['a timestamp that is not finite', { fields: { a: 1 }, ts: Number.NaN }, /timestamp/],
  ])('refuses %s', (_name, over, reason) => {
    const r = encodeEvent(event(over));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

// ─── An independent line-protocol reader, written from the InfluxDB 1.x reference ───────────
// Measurement: `\,` and `\ ` are escapes. Tag keys/values, field keys: `\,`, `\=`, `\ `.
// String fields: `\"` and `\\`. Any other backslash is a literal character.

interface Parsed {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  ts: number;
}

function parseLine(line: string): Parsed {
  let i = 0;
  const readName = (stops: string, escapable: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i] as string)) {
      const c = line[i] as string;
      const n = line[i + 1];
      if (c === '\\' && n !== undefined && escapable.includes(n)) {
        out += n;
        i += 2;
      } else {
        out += c;
        i += 1;
      }
    }
    return out;
  };
  const expectChar = (c: string) => {
    if (line[i] !== c) throw new Error(`expected ${JSON.stringify(c)} at ${i} in ${JSON.stringify(line)}`);
    i++;
  };
  const measurement = readName(', ', ', ');
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    i++;
    const key = readName('=', ',= ');
    expectChar('=');
    tags[key] = readName(', ', ',= ');
  }
  expectChar(' ');
  const fields: Record<string, number | boolean | string> = {};
  for (;;) {
    const key = readName('=', ',= ');
    expectChar('=');
    if (line[i] === '"') {
      i++;
      let s = '';
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error('unterminated string');
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          s += line[i + 1];
          i += 2;
        } else {
          s += line[i];
          i++;
        }
      }
      i++;
      fields[key] = s;
    } else {
      const start = i;
      while (i < line.length && line[i] !== ',' && line[i] !== ' ') i++;
      const raw = line.slice(start, i);
      if (raw === 'true' || raw === 'false') fields[key] = raw === 'true';
      else if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) fields[key] = Number(raw);
      else throw new Error(`bad field value ${raw}`);
    }
    if (line[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  expectChar(' ');
  const tsText = line.slice(i);
  if (!/^-?\d+$/.test(tsText)) throw new Error(`bad timestamp ${tsText}`);
  return { measurement, tags, fields, ts: Number(tsText) };
}

/** What the encoder promises to keep of a name or tag value (see line-protocol.ts). */
const keptName = (s: string) => s.replace(/[\r\n]/g, ' ').replace(/\\(?=[\\,= ]|$)/g, '/');
const keptString = (s: string) => s.replace(/[\r\n]/g, ' ');

/** Strings full of the characters that matter, plus any unicode. */
const nasty = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(' ', ',', '=', '"', '\\', '\n', '\r', '#', '\t', "'") },
    { weight: 3, arbitrary: fc.constantFrom('ệ', 'ư', 'đ', 'Ơ', 'ạ', 'Nhiệt độ', '°C', 'm³/h') },
    { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'z', '0', '9', '_', '-') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 24,
});
const nonEmpty = nasty.filter((s) => s.length > 0);
const key = nonEmpty.filter((s) => !['time', '_measurement', '_field'].includes(s));
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.boolean(),
  nasty,
);
const ts = fc.integer({ min: 0, max: 4_102_444_800_000 });

describe('round trip through an independent parser', () => {
  it('samples: every tag and value comes back', () => {
    fc.assert(
      fc.property(
        fc.record({
          machine: nonEmpty,
          point: nonEmpty,
          site: nasty,
          line: nasty,
          kind: nasty,
          role: nasty,
          unit: nasty,
          value: fc.oneof(value, fc.constant(null)),
          quality: fc.constantFrom('good', 'uncertain', 'bad' as const),
          ts,
        }),
        (r) => {
          const encoded = encodeSample(
            {
              key: 'k',
              kind: 'sample',
              machine: r.machine,
              point: r.point,
              value: r.value,
              quality: r.quality,
              ts: r.ts,
            },
            { tagsFor: () => ({ site: r.site, line: r.line, kind: r.kind, role: r.role, unit: r.unit }) },
          );
          if (!encoded.ok) throw new Error(encoded.reason);
          expect(encoded.line).not.toMatch(/[\r\n]/);
          const p = parseLine(encoded.line);
          expect(p.measurement).toBe('telemetry');
          const tags: Record<string, string> = { machine: keptName(r.machine), point: keptName(r.point) };
          for (const k of ['site', 'line', 'kind', 'role', 'unit'] as const)
            if (r[k] !== '') tags[k] = keptName(r[k]);
          expect(p.tags).toEqual(tags);
          const fields: Record<string, unknown> = { quality: r.quality };
          if (typeof r.value === 'number') fields.value = r.value === 0 ? 0 : r.value;
          if (typeof r.value === 'boolean') fields.value_bool = r.value;
          if (typeof r.value === 'string') fields.value_text = keptString(r.value);
          expect(p.fields).toEqual(fields);
          expect(p.ts).toBe(r.ts);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('events: measurement, tags and fields come back; unwritable ones are refused', () => {
    fc.assert(
      fc.property(
        nonEmpty,
        fc.dictionary(key, nasty, { maxKeys: 4 }),
        fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }),
        ts,
        (measurement, tags, fields, t) => {
          const encoded = encodeEvent({ key: 'e', kind: 'event', measurement, tags, fields, ts: t });
          if (/^[#\t\0]/.test(measurement)) {
            expect(encoded.ok).toBe(false);
            return;
          }
          // Two keys that differ only where the encoder normalises would collide; skip those.
          const names = [...Object.keys(tags), ...Object.keys(fields)].map(keptName);
          fc.pre(new Set(Object.keys(tags).map(keptName)).size === Object.keys(tags).length);
          fc.pre(new Set(Object.keys(fields).map(keptName)).size === Object.keys(fields).length);
          expect(names.length).toBeGreaterThan(0);
          if (!encoded.ok) throw new Error(encoded.reason);
          const p = parseLine(encoded.line);
          expect(p.measurement).toBe(keptName(measurement));
          const wantTags: Record<string, string> = {};
          for (const [k, v] of Object.entries(tags)) if (v !== '') wantTags[keptName(k)] = keptName(v);
          expect(p.tags).toEqual(wantTags);
          const wantFields: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(fields)) {
            wantFields[keptName(k)] = typeof v === 'string' ? keptString(v) : v === 0 ? 0 : v;
          }
          expect(p.fields).toEqual(wantFields);
          expect(p.ts).toBe(t);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves names without special characters untouched', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !/[\\\r\n\t\0#]/.test(s) && s !== ''),
        (s) => {
          const encoded = encodeEvent({
            key: 'e',
            kind: 'event',
            measurement: s,
            tags: { t: s },
            fields: { f: s },
            ts: 1,
          });
          if (!encoded.ok) throw new Error(encoded.reason);
          const p = parseLine(encoded.line);
          expect([p.measurement, p.tags.t, p.fields.f]).toEqual([s, s, s]);
        },
      ),
    );
  });
});

describe('createLineEncoder (series prefixes kept)', () => {
  it('writes exactly what encodeRow writes, for the same series again and again', () => {
    const names = fc.constantFrom('m1', 'máy 2', 'a,b', 'x=y', '');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            machine: names,
            point: names,
            value: fc.oneof(value, fc.constant(null), fc.constant(Number.NaN)),
            quality: fc.constantFrom('good', 'uncertain', 'bad' as const),
            ts: fc.oneof(ts, fc.constant(Number.NaN)),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (rows) => {
          const deps: LineEncoderDeps = {
            tagsFor: (m, p) =>
              m === 'a,b' ? undefined : { site: 'Nhà máy 1', line: p, kind: 'k k', unit: '°C' },
          };
          const cached = createLineEncoder(deps);
          for (const r of rows) {
            const row: SampleRow = { key: '1', kind: 'sample', ...r };
            expect(cached(row)).toEqual(encodeRow(row, deps));
          }
        },
      ),
    );
  });
});
