/**
 * End to end against a real InfluxDB 1.6.7: the v1 writer's classification of its real
 * answers, then rows from an in-memory outbox through the running sink, queried back with
 * InfluxQL (the `influx` package) and compared exactly.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow, OutboxRow, SampleRow } from '../gateway/core/outbox.js';
import { RunningSink } from '../gateway/runtime/running-sink.js';
import { createLineEncoder, type SeriesTags } from '../gateway/sinks/influx/line-protocol.js';
import { createV1Writer } from '../gateway/sinks/influx/v1-writer.js';
import { createV2Writer } from '../gateway/sinks/influx/v2-writer.js';
import { MemoryOutbox } from '../gateway/sinks/memory-outbox.js';
import type { LineWriter, RowEncoder } from '../gateway/sinks/types.js';
import { type InfluxdbServer, type InfluxRow, influxdbAvailable, startInfluxdb } from './peers/influxdb.js';
import { requirePeer } from './peers/require-peer.js';

const ok = requirePeer('influxdb', influxdbAvailable);
const log = pino({ level: 'silent' });

let influx: InfluxdbServer | undefined;
const sinks: RunningSink[] = [];

beforeAll(async () => {
  if (ok) influx = await startInfluxdb({ database: 'linegate' });
});
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.stop()));
  await influx?.close();
});

function server(): InfluxdbServer {
  if (!influx) throw new Error('influxd did not start');
  return influx;
}

async function createDatabase(name: string): Promise<void> {
  await server().client.createDatabase(name);
}

async function drain(
  outbox: MemoryOutbox,
  encode: RowEncoder,
  writer: LineWriter,
  timeoutMs = 15_000,
): Promise<RunningSink> {
  const sink = new RunningSink({
    outbox,
    encode,
    writer,
    log,
    idlePollMs: 20,
    backoff: { baseMs: 50, maxMs: 500 },
  });
  sinks.push(sink);
  sink.start();
  const deadline = Date.now() + timeoutMs;
  while (outbox.depth() > 0) {
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(sink.status())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await sink.stop();
  return sink;
}

describe.skipIf(!ok)('what InfluxDB 1.6.7 answers, as the v1 writer classifies it', () => {
  it('names the unparsable lines, also one that swallows the next through an open quote', async () => {
    await createDatabase('answers');
    const writer = createV1Writer({ url: server().url, database: 'answers' });
    const lines = ['m,a=1 v=1 1000', 'm,a=1 v= 2000', 'm,a=1 v=3 3000', 'm v="x 4000', 'm,a=1 v=5 5000'];
    expect(await writer.write(lines)).toEqual({
      ok: false,
      kind: 'bad-lines',
      lines: [1, 3],
      message:
        "HTTP 400: partial write: unable to parse 'm,a=1 v= 2000': missing field value\nunable to parse 'm v=\"x 4000\nm,a=1 v=5 5000': unbalanced quotes dropped=0",
    });
    // The good lines were written with the 400 (a partial write); the swallowed one was not.
    const rows = await server().client.query('SELECT v FROM m', { database: 'answers', precision: 'ms' });
    expect(rows.map((r) => (r as unknown as { v: number }).v)).toEqual([1, 3]);
  });

  it('names no line for a field type conflict, but gives measurement and field', async () => {
    const writer = createV1Writer({ url: server().url, database: 'answers' });
    expect(await writer.write(['c,t=a f=1 1000'])).toEqual({ ok: true });
    expect(await writer.write(['c,t=a f=2 2000', 'c,t=b f="two" 2000', 'c,t=a f=3 3000'])).toEqual({
      ok: false,
      kind: 'bad-lines',
      lines: [1],
      message:
        'HTTP 400: partial write: field type conflict: input field "f" on measurement "c" is type string, already exists as type float dropped=1',
    });
  });

  it('says only how many points were beyond the retention policy', async () => {
    await server().client.createRetentionPolicy('short', {
      database: 'answers',
      duration: '1h',
      replication: 1,
    });
    const writer = createV1Writer({ url: server().url, database: 'answers', retentionPolicy: 'short' });
    const now = Date.now();
    expect(await writer.write([`r v=1 ${now - 86_400_000}`, `r v=2 ${now}`])).toEqual({
      ok: false,
      kind: 'bad-lines',
      lines: [],
      message: 'HTTP 400: partial write: points beyond retention policy dropped=1',
    });
    expect(await writer.write([`r v=1 ${now - 86_400_000}`])).toMatchObject({
      kind: 'bad-lines',
      lines: [0],
    });
  });

  it('404 for a database that does not exist, and for the v2 API it lacks', async () => {
    expect(await createV1Writer({ url: server().url, database: 'nope' }).write(['m v=1 1'])).toEqual({
      ok: false,
      kind: 'fatal',
      status: 404,
      message: 'HTTP 404: database not found: "nope"',
    });
    expect(await createV2Writer({ url: server().url, bucket: 'answers' }).write(['m v=1 1'])).toEqual({
      ok: false,
      kind: 'fatal',
      status: 404,
      message: 'HTTP 404: 404 page not found',
    });
  });
});

describe.skipIf(!ok)('InfluxDB 1.6.7 with authentication on', () => {
  let secured: InfluxdbServer | undefined;
  beforeAll(async () => {
    secured = await startInfluxdb({ database: 'secured', admin: { username: 'gw', password: 'mật khẩu' } });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('takes Basic auth, and answers 401 to a wrong or missing password', async () => {
    const url = secured?.url ?? '';
    const lines = ['m v=1 1000'];
    const good = createV1Writer({ url, database: 'secured', username: 'gw', password: 'mật khẩu' });
    expect(await good.write(lines)).toEqual({ ok: true });
    expect(
      await createV1Writer({ url, database: 'secured', username: 'gw', password: 'x' }).write(lines),
    ).toEqual({
      ok: false,
      kind: 'auth',
      status: 401,
      message: 'HTTP 401: authorization failed',
    });
    expect(await createV1Writer({ url, database: 'secured' }).write(lines)).toEqual({
      ok: false,
      kind: 'auth',
      status: 401,
      message: 'HTTP 401: unable to parse authentication credentials',
    });
  });
});

// ─── The data set: a few thousand rows with Vietnamese text and every escaping case ─────────

const SERIES: Record<string, SeriesTags> = {
  'oven-1/temp': {
    site: 'Nhà máy Bình Dương',
    line: 'Dây chuyền 1, "A"=x',
    kind: 'dryer',
    role: 'temperature',
    unit: '°C',
  },
  'oven-1/run': { site: 'Nhà máy Bình Dương', line: 'Dây chuyền 1, "A"=x', kind: 'dryer', role: 'run' },
  'đóng gói 2/recipe': { site: 'Nhà máy Bình Dương', line: 'line\\2', kind: 'packer', role: 'recipe' },
  'đóng gói 2/weight': { site: 'Nhà máy Bình Dương', line: 'line\\2', kind: 'packer', unit: 'g' },
};
const tagsFor = (machine: string, point: string) => SERIES[`${machine}/${point}`];
const encode = createLineEncoder({ tagsFor });

const RECIPES = [
  'Bánh đậu xanh',
  'Chả giò "đặc biệt"',
  'C:\\recipes\\new',
  'a, b = c',
  'xuống\ndòng',
  'trailing\\',
  '  spaces  ',
  '',
];

function dataset(n: number, t0: number): OutboxRow[] {
  const rows: OutboxRow[] = [];
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * 1000;
    const s = (
      machine: string,
      point: string,
      value: SampleRow['value'],
      quality: SampleRow['quality'] = 'good',
    ) => rows.push({ key: `${machine}/${point}/${i}`, kind: 'sample', machine, point, value, quality, ts });
    s('oven-1', 'temp', i % 97 === 0 ? null : 150 + Math.sin(i / 10) * 30, i % 97 === 0 ? 'bad' : 'good');
    s('oven-1', 'run', i % 7 !== 0);
    s('đóng gói 2', 'recipe', RECIPES[i % RECIPES.length] ?? '', i % 5 === 0 ? 'uncertain' : 'good');
    s('đóng gói 2', 'weight', i % 50 === 0 ? Number.NaN : 500 + (i % 13) * 0.1);
    if (i % 20 === 0) {
      const event: EventRow = {
        key: `alarm/${i}`,
        kind: 'event',
        measurement: 'alarm',
        tags: { machine: 'oven-1', severity: i % 40 === 0 ? 'cao' : 'thấp', state: 'đang hoạt động' },
        fields: {
          message: `Nhiệt độ lò quá cao (${i} °C), "kiểm tra" \\ quạt`,
          code: i,
          acked: i % 40 === 0,
        },
        ts,
      };
      rows.push(event);
    }
  }
  return rows;
}

/** A sample row as InfluxQL `SELECT *` gives it back (null where a column has no value). */
function expectedTelemetry(row: SampleRow): Record<string, unknown> {
  const tags = tagsFor(row.machine, row.point);
  const v = row.value;
  const finite = typeof v === 'number' && Number.isFinite(v);
  return {
    time: row.ts,
    site: tags?.site ?? null,
    line: (tags?.line ?? '').replace(/\\$/, '/') || null,
    machine: row.machine,
    kind: tags?.kind ?? null,
    point: row.point,
    role: tags?.role ?? null,
    unit: tags?.unit ?? null,
    value: finite ? v : null,
    value_bool: typeof v === 'boolean' ? v : null,
    value_text: typeof v === 'string' ? v.replace(/\n/g, ' ') : null,
    quality: row.quality,
  };
}

function asPlain(row: InfluxRow, columns: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { time: row.time.getTime() };
  for (const c of columns) out[c] = row[c] ?? null;
  return out;
}

const byTimeThenSeries = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  (a.time as number) - (b.time as number) ||
  String(a.machine).localeCompare(String(b.machine)) ||
  String(a.point).localeCompare(String(b.point));

describe.skipIf(!ok)('v1 writer + running sink into InfluxDB 1.6.7', () => {
  it('writes a few thousand rows that come back exactly', async () => {
    const outbox = new MemoryOutbox('influx-v1');
    const rows = dataset(1000, Date.UTC(2026, 0, 1));
    outbox.append(...rows);
    const sink = await drain(outbox, encode, createV1Writer({ url: server().url, database: 'linegate' }));
    expect(outbox.quarantined).toEqual([]);
    expect(sink.status()).toMatchObject({ pointsSent: rows.length, retries: 0, linesQuarantined: 0 });

    const columns = [
      'site',
      'line',
      'machine',
      'kind',
      'point',
      'role',
      'unit',
      'value',
      'value_bool',
      'value_text',
      'quality',
    ];
    const got = (await server().query('SELECT * FROM telemetry')).map((r) => asPlain(r, columns));
    const want = rows.filter((r): r is SampleRow => r.kind === 'sample').map(expectedTelemetry);
    expect(got.length).toBe(want.length);
    expect(got.sort(byTimeThenSeries)).toEqual(want.sort(byTimeThenSeries));

    const alarms = await server().query('SELECT * FROM alarm');
    const events = rows.filter((r): r is EventRow => r.kind === 'event');
    expect(
      alarms.map((r) => asPlain(r, ['machine', 'severity', 'state', 'message', 'code', 'acked'])),
    ).toEqual(events.map((e) => ({ time: e.ts, ...e.tags, ...e.fields })));
  });

  it('quarantines only the lines the real server refuses, and delivers the others', async () => {
    await createDatabase('poison');
    const outbox = new MemoryOutbox('influx-poison');
    const rows = dataset(500, Date.UTC(2026, 1, 1)).filter((r): r is SampleRow => r.kind === 'sample');
    outbox.append(...rows);
    // Break a few lines after encoding (an encoder bug, as far as the server can tell).
    const broken = new Set(['oven-1/temp/3', 'đóng gói 2/weight/251', 'oven-1/run/499']);
    const breaking: RowEncoder = (row) => {
      const r = encode(row);
      return r.ok && broken.has(row.key)
        ? { ok: true, line: r.line.replace(/ (value\w*)=[^,]*/, ' $1=') }
        : r;
    };
    const sink = await drain(outbox, breaking, createV1Writer({ url: server().url, database: 'poison' }));
    expect(outbox.quarantined.map((q) => q.row.key).sort()).toEqual([...broken].sort());
    expect(outbox.quarantined[0]?.reason).toMatch(
      /^HTTP 400: partial write: unable to parse '.*': missing field value/,
    );
    expect(sink.status()).toMatchObject({ linesQuarantined: 3, pointsSent: rows.length - 3 });
    const got = await server().client.query('SELECT count(quality) FROM telemetry', {
      database: 'poison',
    });
    expect((got[0] as unknown as { count: number }).count).toBe(rows.length - 3);
  });

  it('finds the rows beyond the retention policy by splitting, and delivers the others', async () => {
    await createDatabase('retention');
    await server().client.createRetentionPolicy('day', {
      database: 'retention',
      duration: '1d',
      replication: 1,
    });
    const now = Date.now();
    const old = dataset(300, now - 3 * 86_400_000).filter((r) => r.kind === 'sample');
    const fresh = dataset(300, now - 3_600_000).filter((r) => r.kind === 'sample');
    const outbox = new MemoryOutbox('influx-retention');
    outbox.append(...old, ...fresh);
    let requests = 0;
    const writer = createV1Writer({ url: server().url, database: 'retention', retentionPolicy: 'day' });
    const counting: LineWriter = {
      target: writer.target,
      write: (lines, signal) => {
        requests++;
        return writer.write(lines, signal);
      },
    };
    await drain(outbox, encode, counting);
    expect(outbox.quarantined.map((q) => q.row.key)).toEqual(old.map((r) => r.key));
    expect(outbox.quarantined[0]?.reason).toBe(
      `HTTP 400: partial write: points beyond retention policy dropped=${old.length}`,
    );
    expect(requests).toBe(3);
    const got = await server().client.query('SELECT count(quality) FROM "day".telemetry', {
      database: 'retention',
    });
    expect((got[0] as unknown as { count: number }).count).toBe(fresh.length);
  });
});
