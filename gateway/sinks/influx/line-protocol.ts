/**
 * Outbox rows → InfluxDB line protocol, one line per row. Pure: no I/O, no clock.
 *
 * Escaping follows the InfluxDB 1.x line protocol reference ("Special characters"):
 *   measurement                          escape `,` and space
 *   tag keys, tag values, field keys     escape `,`, `=` and space
 *   string field values                  in double quotes; escape `"` and `\`
 * What the spec cannot carry is decided here, and checked against InfluxDB 1.6.7 and
 * VictoriaMetrics (see README.md, "Data layout"):
 *   - CR and LF: a line ends at a newline in every element, so each CR or LF becomes a space.
 *     (1.6.7 accepts a raw LF inside a quoted string, VictoriaMetrics splits the line there.)
 *   - A backslash in a name or tag value is kept as is, except where a reader would take it for
 *     an escape: before `\`, `,`, `=`, space, or at the end. There 1.6.7 keeps `\\` as two
 *     characters while VictoriaMetrics and 2.x read it as one, and `\` + escaped comma cannot
 *     be written at all, so such a backslash becomes `/`.
 *   - Numbers are always floats (no `i` suffix), so a field never changes type; NaN and
 *     ±Infinity have no line protocol form and are left out like null.
 */

import type { EventRow, OutboxRow, SampleRow } from '../../core/outbox.js';
import type { EncodeResult, RowEncoder } from '../types.js';
import { createBodyEncoder } from './body-encoder.js';
import { createLineTemplate } from './line-template.js';
import { SeriesCache } from './series-cache.js';

/** The series tags a sample row does not carry; main.ts builds the lookup from the config. */
export interface SeriesTags {
  readonly site: string;
  readonly line: string;
  /** The machine's kind (dryer, packer, fryer…). */
  readonly kind?: string;
  /** The point's role (temperature, good_counter, run…), when it has one. */
  readonly role?: string;
  readonly unit?: string;
}

export interface LineEncoderDeps {
  /** Tags for a point; undefined for a point no longer in the config (still written). */
  readonly tagsFor: (machine: string, point: string) => SeriesTags | undefined;
  /** Measurement of sample rows; default `telemetry`. */
  readonly measurement?: string;
}

export const TELEMETRY_MEASUREMENT = 'telemetry';

/** Field key of a sample's value, by value type (InfluxDB fixes a field's type per measurement). */
export const VALUE_FIELDS = { number: 'value', boolean: 'value_bool', string: 'value_text' } as const;

/**
 * Keys InfluxDB refuses: 1.x drops points with a `time` tag or field ("invalid tag key"),
 * 2.x reserves `_measurement` and `_field`.
 */
const RESERVED_KEYS = new Set(['time', '_measurement', '_field']);

const NEWLINE = /\r|\n/g;

/** A backslash that a reader would take for an escape, in names and tag values. */
function fixBackslashes(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      out += next === undefined || next === '\\' || next === ',' || next === '=' || next === ' ' ? '/' : c;
    } else {
      out += c;
    }
  }
  return out;
}

/** What a name or tag value becomes before escaping (see the header comment). */
export function normaliseName(text: string): string {
  return fixBackslashes(text.replace(NEWLINE, ' '));
}

/** Measurement: escape commas and spaces. */
export function escapeMeasurement(name: string): string {
  return normaliseName(name).replace(/[, ]/g, (c) => `\\${c}`);
}

/** Tag keys, tag values and field keys: escape commas, equals signs and spaces. */
export function escapeKey(text: string): string {
  return normaliseName(text).replace(/[,= ]/g, (c) => `\\${c}`);
}

/** String field value, quotes included: escape backslashes and double quotes. */
export function quoteString(text: string): string {
  return `"${text.replace(NEWLINE, ' ').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A field value, or undefined when line protocol has no form for it (null, NaN, ±Infinity). */
export function formatFieldValue(value: number | boolean | string | null): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return quoteString(value);
  // JavaScript's shortest round-trip form (1e+21, 5e-324…) is what Go's ParseFloat reads back.
  return Number.isFinite(value) ? String(value) : undefined;
}

type Encoded = { ok: true; text: string } | { ok: false; reason: string };

function encodeTags(tags: Readonly<Record<string, string | undefined>>): Encoded {
  let text = '';
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key];
    // An empty tag value is no tag (InfluxDB: "missing tag value"), so it is left out.
    if (value === undefined || value === '') continue;
    if (key === '') return { ok: false, reason: 'empty tag key' };
    if (RESERVED_KEYS.has(key)) return { ok: false, reason: `tag key "${key}" is reserved by InfluxDB` };
    text += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  return { ok: true, text };
}

function encodeFields(fields: readonly (readonly [string, number | boolean | string | null])[]): Encoded {
  const parts: string[] = [];
  for (const [key, value] of fields) {
    const formatted = formatFieldValue(value);
    if (formatted === undefined) continue;
    if (key === '') return { ok: false, reason: 'empty field key' };
    if (RESERVED_KEYS.has(key)) return { ok: false, reason: `field key "${key}" is reserved by InfluxDB` };
    parts.push(`${escapeKey(key)}=${formatted}`);
  }
  // InfluxDB needs at least one field per line.
  if (parts.length === 0) return { ok: false, reason: 'no field with a value' };
  return { ok: true, text: parts.join(',') };
}

function encodeMeasurement(name: string): Encoded {
  if (name === '') return { ok: false, reason: 'empty measurement' };
  // A line that starts with `#` is a comment: the server would skip it and answer 204.
  if (name.startsWith('#')) return { ok: false, reason: 'measurement starts with "#"' };
  // 1.x skips leading tabs and NULs before the measurement, so the name would change.
  if (/^[\t\0]/.test(name)) return { ok: false, reason: 'measurement starts with a tab or NUL' };
  return { ok: true, text: escapeMeasurement(name) };
}

function timestamp(ts: number): string | undefined {
  return Number.isFinite(ts) ? String(Math.round(ts)) : undefined;
}

function line(measurement: Encoded, tags: Encoded, fields: Encoded, ts: number): EncodeResult {
  if (!measurement.ok) return { ok: false, reason: measurement.reason };
  if (!tags.ok) return { ok: false, reason: tags.reason };
  if (!fields.ok) return { ok: false, reason: fields.reason };
  const t = timestamp(ts);
  if (t === undefined) return { ok: false, reason: `timestamp ${ts} is not a finite number` };
  return { ok: true, line: `${measurement.text}${tags.text} ${fields.text} ${t}` };
}

/** The part of a sample's line before the fields: measurement and the series' tags. */
function seriesPrefix(row: SampleRow, deps: LineEncoderDeps): Encoded {
  const series = deps.tagsFor(row.machine, row.point);
  const measurement = encodeMeasurement(deps.measurement ?? TELEMETRY_MEASUREMENT);
  if (!measurement.ok) return measurement;
  const tags = encodeTags({
    site: series?.site,
    line: series?.line,
    machine: row.machine,
    kind: series?.kind,
    point: row.point,
    role: series?.role,
    unit: series?.unit,
  });
  return tags.ok ? { ok: true, text: `${measurement.text}${tags.text}` } : tags;
}

const QUALITY_TEXT: Readonly<Record<SampleRow['quality'], string>> = {
  good: '"good"',
  uncertain: '"uncertain"',
  bad: '"bad"',
};

/** The rest of a sample's line after its series prefix (the field keys need no escaping). */
function sampleLine(prefix: Encoded, row: SampleRow): EncodeResult {
  if (!prefix.ok) return { ok: false, reason: prefix.reason };
  const t = timestamp(row.ts);
  if (t === undefined) return { ok: false, reason: `timestamp ${row.ts} is not a finite number` };
  const quality = QUALITY_TEXT[row.quality] ?? quoteString(String(row.quality));
  const formatted = formatFieldValue(row.value);
  if (formatted === undefined) return { ok: true, line: `${prefix.text} quality=${quality} ${t}` };
  const key = VALUE_FIELDS[typeof row.value as 'number' | 'boolean' | 'string'];
  return { ok: true, line: `${prefix.text} ${key}=${formatted},quality=${quality} ${t}` };
}

/**
 * A sample: `telemetry,kind=…,line=…,machine=…,point=…,role=…,site=…,unit=… value=21.5,quality="good" <ms>`.
 * A null or non-finite value leaves only the `quality` field, so the line is still valid and
 * the bad reading stays visible.
 */
export function encodeSample(row: SampleRow, deps: LineEncoderDeps): EncodeResult {
  return sampleLine(seriesPrefix(row, deps), row);
}

/** An event: measurement, tags and fields as the row carries them (numbers as floats). */
export function encodeEvent(row: EventRow): EncodeResult {
  return line(
    encodeMeasurement(row.measurement),
    encodeTags(row.tags),
    encodeFields(Object.entries(row.fields)),
    row.ts,
  );
}

export function encodeRow(row: OutboxRow, deps: LineEncoderDeps): EncodeResult {
  return row.kind === 'sample' ? encodeSample(row, deps) : encodeEvent(row);
}

/**
 * The encoder a running sink takes: `createLineEncoder({ tagsFor })`, with `.batch` for whole
 * batches (body-encoder.ts). Same lines as `encodeRow`,
 * but the measurement + tags part of each series is built once and kept (escaping every tag
 * of every row was most of a replay's CPU time): `tagsFor` must answer the same for a series
 * during the encoder's life (the config is fixed for a run).
 */
export function createLineEncoder(deps: LineEncoderDeps): RowEncoder {
  const prefixes = new SeriesCache<Encoded>();
  const encode = (row: OutboxRow): EncodeResult => {
    if (row.kind !== 'sample') return encodeEvent(row);
    const prefix = prefixes.get(row.machine, row.point, () => seriesPrefix(row, deps));
    return sampleLine(prefix, row);
  };
  // A whole batch as one body (body-encoder.ts): what a running sink uses.
  const batch = createBodyEncoder({ prefix: (row) => seriesPrefix(row, deps), encodeRow: encode });
  // The same lines rendered by the store in SQL, when the outbox can (store/outbox-render.ts).
  const template = createLineTemplate(
    (machine, point) =>
      seriesPrefix({ kind: 'sample', key: '', machine, point, value: null, quality: 'good', ts: 0 }, deps),
    VALUE_FIELDS,
  );
  return Object.assign(encode, { batch, template });
}
