/**
 * The v2 write API end to end against a real VictoriaMetrics (it speaks `/api/v2/write`):
 * rows from an in-memory outbox through the running sink and the v2 writer, exported back
 * and compared. VictoriaMetrics names a series `<measurement>_<field>`, keeps numbers and
 * booleans (1/0), and has no string values, so text fields are checked against InfluxDB
 * (tests/influx-v1.test.ts), not here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow, OutboxRow, SampleRow } from '../gateway/core/outbox.js';
import { RunningSink } from '../gateway/runtime/running-sink.js';
import { createLineEncoder, type SeriesTags } from '../gateway/sinks/influx/line-protocol.js';
import { createV2Writer } from '../gateway/sinks/influx/v2-writer.js';
import { MemoryOutbox } from '../gateway/sinks/memory-outbox.js';
import { requirePeer } from './peers/require-peer.js';
import {
  startVictoria,
  type VictoriaServer,
  type VmSeries,
  victoriaAvailable,
} from './peers/victoria-metrics.js';

const ok = requirePeer('victoria-metrics', victoriaAvailable);

let vm: VictoriaServer | undefined;
beforeAll(async () => {
  if (ok) vm = await startVictoria();
});
afterAll(async () => {
  await vm?.kill();
});

function server(): VictoriaServer {
  if (!vm) throw new Error('victoria-metrics did not start');
  return vm;
}

const SERIES: Record<string, SeriesTags> = {
  'lò sấy 1/nhiệt_độ': {
    site: 'Nhà máy Long An',
    line: 'Dây chuyền 1, "A"=x',
    kind: 'dryer',
    role: 'temperature',
    unit: '°C',
  },
  'lò sấy 1/chạy': { site: 'Nhà máy Long An', line: 'Dây chuyền 1, "A"=x', kind: 'dryer', role: 'run' },
  'cân 2/khối_lượng': { site: 'Nhà máy Long An', line: 'line\\2', kind: 'packer', unit: 'g' },
};
const tagsFor = (machine: string, point: string) => SERIES[`${machine}/${point}`];

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
    // VictoriaMetrics keeps 12 significant digits: values with few digits compare exactly.
    s('lò sấy 1', 'nhiệt_độ', i % 97 === 0 ? null : 150 + (i % 300) / 10, i % 97 === 0 ? 'bad' : 'good');
    s('lò sấy 1', 'chạy', i % 7 !== 0);
    s('cân 2', 'khối_lượng', 500 + (i % 13) * 0.25);
    if (i % 25 === 0) {
      const e: EventRow = {
        key: `alarm/${i}`,
        kind: 'event',
        measurement: 'alarm',
        tags: { machine: 'lò sấy 1', severity: 'cao' },
        fields: { code: i, message: 'Nhiệt độ quá cao' },
        ts,
      };
      rows.push(e);
    }
  }
  return rows;
}

function labels(row: SampleRow, name: string): Record<string, string> {
  const t = tagsFor(row.machine, row.point);
  const out: Record<string, string> = { __name__: name, machine: row.machine, point: row.point };
  for (const k of ['site', 'line', 'kind', 'role', 'unit'] as const) if (t?.[k]) out[k] = t[k] as string;
  return out;
}

/** Series as export gives them, keyed by their sorted labels. */
function keyed(series: readonly VmSeries[]): Map<string, { values: number[]; timestamps: number[] }> {
  const map = new Map<string, { values: number[]; timestamps: number[] }>();
  for (const s of series) {
    const key = JSON.stringify(Object.entries(s.metric).sort(([a], [b]) => a.localeCompare(b)));
    const entry = map.get(key) ?? { values: [], timestamps: [] };
    entry.values.push(...s.values);
    entry.timestamps.push(...s.timestamps);
    map.set(key, entry);
  }
  return map;
}

function expectedSeries(rows: readonly SampleRow[]): Map<string, { values: number[]; timestamps: number[] }> {
  const map = new Map<string, { values: number[]; timestamps: number[] }>();
  for (const row of rows) {
    if (row.value === null || typeof row.value === 'string') continue;
    const name = typeof row.value === 'boolean' ? 'telemetry_value_bool' : 'telemetry_value';
    const key = JSON.stringify(Object.entries(labels(row, name)).sort(([a], [b]) => a.localeCompare(b)));
    const entry = map.get(key) ?? { values: [], timestamps: [] };
    entry.values.push(typeof row.value === 'boolean' ? Number(row.value) : row.value);
    entry.timestamps.push(row.ts);
    map.set(key, entry);
  }
  return map;
}

describe.skipIf(!ok)('v2 writer + running sink into VictoriaMetrics', () => {
  it('writes rows that export back exactly (numbers, booleans, tags with Vietnamese and escapes)', async () => {
    const outbox = new MemoryOutbox('influx-v2');
    const rows = dataset(2000, Date.UTC(2026, 2, 1));
    outbox.append(...rows);
    const writer = createV2Writer({
      url: server().url,
      org: 'linegate',
      bucket: 'plant',
      token: 'not-checked',
    });
    const sink = new RunningSink({
      outbox,
      encode: createLineEncoder({ tagsFor }),
      writer,
      log: pino({ level: 'silent' }),
      idlePollMs: 20,
    });
    sink.start();
    const deadline = Date.now() + 15_000;
    while (outbox.depth() > 0) {
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(sink.status())}`);
      await sleep(20);
    }
    await sink.stop();
    expect(sink.status()).toMatchObject({ pointsSent: rows.length, retries: 0, requests: 2 });

    await server().flush();
    const samples = rows.filter((r): r is SampleRow => r.kind === 'sample');
    const got = keyed(await server().export('{__name__=~"telemetry_value(_bool)?"}'));
    const want = expectedSeries(samples);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, series] of want) expect(got.get(key), key).toEqual(series);

    const codes = await server().export('{__name__="alarm_code"}');
    const events = rows.filter((r): r is EventRow => r.kind === 'event');
    expect(codes).toEqual([
      {
        metric: { __name__: 'alarm_code', machine: 'lò sấy 1', severity: 'cao' },
        values: events.map((e) => e.fields.code),
        timestamps: events.map((e) => e.ts),
      },
    ]);
  });

  it('answers 204 to a bad line (it only logs and counts it), so the writer sees success', async () => {
    const invalid = async () =>
      Number(
        (await server().metrics()).match(/^vm_rows_invalid_total\{type="influx"\} (\d+)$/m)?.[1] ??
          Number.NaN,
      );
    const before = await invalid();
    const writer = createV2Writer({ url: server().url, bucket: 'plant' });
    expect(await writer.write(['ok_line v=1 1000', 'bad_line v= 2000'])).toEqual({ ok: true });
    // It answers before it parses: the count goes up a moment later.
    const deadline = Date.now() + 5000;
    while ((await invalid()) < before + 1 && Date.now() < deadline) await sleep(50);
    expect(await invalid()).toBe(before + 1);
    await server().flush();
    expect((await server().export('{__name__="ok_line_v"}')).map((s) => s.values)).toEqual([[1]]);
  });
});
