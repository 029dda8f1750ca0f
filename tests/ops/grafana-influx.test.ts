import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../gateway/core/outbox.js';
import { encodeRow } from '../../gateway/sinks/influx/line-protocol.js';
import { ROOT } from '../helpers/cli-gateway.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from '../peers/influxdb.js';
import { requirePeer } from '../peers/require-peer.js';

/**
 * Every query of every dashboard in deploy/grafana/ run against a real InfluxDB 1.6.7 holding
 * rows written by the gateway's own line encoder in the documented layout (telemetry samples
 * and event rows): no query may fail, and each must return data — a tag filtered as a field
 * or a misspelt name returns nothing.
 */
const ok = requirePeer('influxdb', influxdbAvailable);

const SITE = 'htx-test';
const tags = (machine: string) => ({ site: SITE, line: 'line-1', machine });

function rows(now: number): OutboxRow[] {
  const out: OutboxRow[] = [];
  let n = 0;
  const ev = (
    measurement: string,
    t: Record<string, string>,
    fields: Record<string, number | string>,
    ts: number,
  ) => out.push({ key: String(n++), kind: 'event', measurement, tags: t, fields, ts });
  const hour = 3_600_000;
  const start = Math.floor((now - 6 * hour) / hour) * hour;
  for (let i = 0; i < 6 * 60; i++) {
    out.push({
      key: String(n++),
      kind: 'sample',
      machine: 'packer-1',
      point: 'count',
      value: i * 12,
      quality: 'good',
      ts: start + i * 60_000,
    });
  }
  for (let h = 0; h < 6; h++) {
    const base = { good: 700, reject: 7, kg: 140, run_s: 3300, down_s: 300, planned_s: 3600 };
    const oee = { availability: 0.92, performance: 0.95, quality: 0.99, oee: 0.86 };
    ev(
      'production',
      { ...tags('packer-1'), period: 'hour', product: 'banh-dau-xanh' },
      { ...base, ...oee },
      start + h * hour,
    );
  }
  // One shift that is the whole day: the shift and day rows carry the same totals.
  const shiftTotals = {
    good: 4200,
    reject: 42,
    kg: 840,
    run_s: 19800,
    down_s: 1800,
    planned_s: 21600,
    availability: 0.92,
    performance: 0.95,
    quality: 0.99,
    oee: 0.86,
  };
  ev(
    'production',
    { ...tags('packer-1'), period: 'shift', shift: 'ca-1', product: 'banh-dau-xanh' },
    shiftTotals,
    start,
  );
  ev('production', { ...tags('packer-1'), period: 'day' }, shiftTotals, start);
  ev(
    'machine_state',
    { ...tags('packer-1'), kind: 'packer' },
    { state: 'running', previous: 'idle' },
    start + 60_000,
  );
  ev(
    'machine_state',
    { ...tags('packer-1'), kind: 'packer' },
    { state: 'fault', previous: 'running', fault_code: 12, fault_text: 'Kẹt màng' },
    start + 2 * hour,
  );
  ev(
    'machine_state',
    { ...tags('packer-1'), kind: 'packer' },
    { state: 'running', previous: 'fault' },
    start + 2 * hour + 600_000,
  );
  ev('stop', tags('packer-1'), { duration_s: 600, state: 'fault', reason: 'film-jam' }, start + 2 * hour);
  for (const [event, state] of [
    ['activate', 'active_unack'],
    ['ack', 'active_ack'],
    ['return', 'normal'],
  ] as const) {
    ev(
      'alarm',
      { ...tags('packer-1'), rule: 'film-jam', severity: '2' },
      {
        event,
        state,
        message: 'Kẹt màng',
        message_en: 'Film jam',
        value: 1,
        limit: 0,
        unit: '',
        actor: 'an',
        comment: '',
      },
      start + 2 * hour + out.length * 1000,
    );
  }
  return out;
}

function substitute(q: string): string {
  return q
    .replace(/\$timeFilter/g, 'time > now() - 1d')
    .replace(/\$__interval/g, '1m')
    .replace(/\$site/g, SITE)
    .replace(/\$line/g, 'line-1')
    .replace(/\$machine/g, 'packer-1');
}

describe.skipIf(!ok)('Grafana dashboards against InfluxDB 1.6.7', () => {
  let influx: InfluxdbServer;

  beforeAll(async () => {
    influx = await startInfluxdb();
    const tagsFor = () => ({ site: SITE, line: 'line-1', kind: 'packer', role: 'good_counter' });
    const lines = rows(Date.now()).map((r) => {
      const e = encodeRow(r, { tagsFor });
      if (!e.ok) throw new Error(e.reason);
      return e.line;
    });
    const res = await fetch(`${influx.url}/write?db=${influx.database}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    expect(res.status, await res.text()).toBe(204);
  });

  afterAll(async () => {
    await influx?.close();
  });

  const dir = join(ROOT, 'deploy/grafana/dashboards');
  const queries = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        panels: { id: number; targets: { query: string }[] }[];
        templating: { list: { name: string; query: string }[] };
      };
      return [
        ...d.panels.flatMap((p) => p.targets.map((t) => [`${f} #${p.id}`, t.query] as const)),
        ...d.templating.list.map((v) => [`${f} $${v.name}`, v.query] as const),
      ];
    });

  it.each(queries)('%s runs and returns data', async (_name, query) => {
    const result = await influx.query(substitute(query));
    expect(result.length, substitute(query)).toBeGreaterThan(0);
  });
});
