import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli-gateway.js';
import { influxqlRefs } from '../helpers/influxql-refs.js';

/**
 * The Grafana dashboards in deploy/grafana/ against the documented InfluxDB layout: the
 * telemetry table of gateway/sinks/influx/README.md and the event table of docs/operations.md.
 * Every query may name only documented measurements, fields in SELECT, tags or fields in WHERE,
 * tags in GROUP BY and WITH KEY.
 */
interface Layout {
  tags: Set<string>;
  fields: Set<string>;
}

function documentedLayout(): Map<string, Layout> {
  const layout = new Map<string, Layout>();
  const readme = readFileSync(join(ROOT, 'gateway/sinks/influx/README.md'), 'utf8');
  const telemetry: Layout = { tags: new Set(), fields: new Set() };
  for (const m of readme.matchAll(/^\| (tag|field) \| `(\w+)` \|/gm)) {
    (m[1] === 'tag' ? telemetry.tags : telemetry.fields).add(m[2] ?? '');
  }
  layout.set('telemetry', telemetry);
  const ops = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
  const table = ops.slice(ops.indexOf('| measurement | tags | fields |'));
  for (const m of table.matchAll(/^\| `(\w+)` \| ([\w, ]+) \| ([\w, ]+) \|$/gm)) {
    const list = (s: string | undefined) => new Set((s ?? '').split(',').map((x) => x.trim()));
    layout.set(m[1] ?? '', { tags: list(m[2]), fields: list(m[3]) });
  }
  return layout;
}

interface Panel {
  id: number;
  title: string;
  type: string;
  datasource?: { uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; query: string; rawQuery: boolean; datasource?: { uid?: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: string; datasource?: { uid?: string } }[] };
}

const dir = join(ROOT, 'deploy/grafana/dashboards');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const dashboards = files.map((f) => ({
  file: f,
  d: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard,
}));
const provisioning = parse(
  readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/linegate-influxdb.yaml'), 'utf8'),
) as {
  apiVersion: number;
  datasources: { uid: string; type: string; url: string; jsonData: { dbName: string } }[];
};
const GRAFANA_VARIABLES = new Set(['timeFilter', '__interval', '__interval_ms', '__range']);

describe('Grafana provisioning and dashboards', () => {
  const layout = documentedLayout();

  it('reads the documented layout', () => {
    expect([...layout.keys()].sort()).toEqual(
      ['alarm', 'gateway_event', 'machine_state', 'production', 'stop', 'telemetry'].sort(),
    );
    expect(layout.get('telemetry')?.tags).toEqual(
      new Set(['site', 'line', 'machine', 'kind', 'point', 'role', 'unit']),
    );
    expect(layout.get('production')?.fields.has('kg')).toBe(true);
  });

  it('provisions one InfluxDB data source whose uid every dashboard uses', () => {
    expect(provisioning.apiVersion).toBe(1);
    const [ds] = provisioning.datasources;
    expect(ds?.type).toBe('influxdb');
    expect(ds?.jsonData.dbName).toBeTruthy();
    const provider = parse(
      readFileSync(join(ROOT, 'deploy/grafana/provisioning/dashboards/linegate.yaml'), 'utf8'),
    ) as { providers: { type: string; options: { path: string } }[] };
    expect(provider.providers[0]?.type).toBe('file');
    for (const { file, d } of dashboards) {
      for (const p of d.panels) {
        expect(p.datasource?.uid, `${file} #${p.id}`).toBe(ds?.uid);
        for (const t of p.targets ?? []) expect(t.datasource?.uid ?? p.datasource?.uid).toBe(ds?.uid);
      }
      for (const v of d.templating.list) expect(v.datasource?.uid).toBe(ds?.uid);
    }
  });

  it('has the four dashboards, unique uids and panel ids, Vietnamese titles first', () => {
    expect(files.sort()).toEqual([
      'linegate-alarms.json',
      'linegate-kg-per-shift.json',
      'linegate-machine-states.json',
      'linegate-throughput.json',
    ]);
    expect(new Set(dashboards.map(({ d }) => d.uid)).size).toBe(dashboards.length);
    for (const { file, d } of dashboards) {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos, `${file} #${p.id}`).toBeDefined();
        expect(p.title, `${file} #${p.id}`).toMatch(/^[^—]*[àáảãạăâđèéêìíòóôơùúưỳýạ-ỹ][^—]* — [A-Za-z]/iu);
        expect(p.targets?.length, `${file} #${p.id}`).toBeGreaterThan(0);
      }
    }
  });

  it('queries only documented measurements, fields and tags', () => {
    const problems: string[] = [];
    for (const { file, d } of dashboards) {
      const defined = new Set(d.templating.list.map((v) => v.name));
      const queries = [
        ...d.panels.flatMap((p) =>
          (p.targets ?? []).map((t) => ({ where: `${file} #${p.id} ${t.refId}`, q: t.query })),
        ),
        ...d.templating.list.map((v) => ({ where: `${file} $${v.name}`, q: v.query })),
      ];
      for (const { where, q } of queries) {
        const r = influxqlRefs(q);
        if (r.measurements.length === 0) problems.push(`${where}: no FROM "measurement"`);
        for (const m of r.measurements) {
          const l = layout.get(m);
          if (!l) {
            problems.push(`${where}: unknown measurement ${m}`);
            continue;
          }
          for (const f of r.selected) if (!l.fields.has(f)) problems.push(`${where}: ${m} has no field ${f}`);
          for (const n of r.where)
            if (!l.fields.has(n) && !l.tags.has(n)) problems.push(`${where}: ${m} has no tag or field ${n}`);
          for (const t of [...r.groupBy, ...r.tagKeys])
            if (!l.tags.has(t)) problems.push(`${where}: ${m} has no tag ${t}`);
        }
        for (const v of r.variables)
          if (!defined.has(v) && !GRAFANA_VARIABLES.has(v))
            problems.push(`${where}: undefined variable $${v}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the reference check catches a wrong query', () => {
    const r = influxqlRefs(
      `SELECT sum("kg") AS "total", "reason" FROM "stop" WHERE "line" =~ /^$line$/ AND "x" = 'a "b"' GROUP BY time(1h), "reason" fill(0)`,
    );
    expect(r).toMatchObject({
      measurements: ['stop'],
      selected: ['kg', 'reason'],
      where: ['line', 'x'],
      groupBy: ['reason'],
      variables: ['line'],
    });
    const stop = layout.get('stop');
    expect(stop?.tags.has('reason')).toBe(false); // a field: GROUP BY "reason" would be refused
  });
});
