import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GatewayMetrics } from '../../gateway/metrics/gateway-metrics.js';
import { CommStatsTracker } from '../../gateway/runtime/comm-stats.js';
import { ROOT } from '../helpers/cli-gateway.js';
import { parsePrometheusText } from '../helpers/prom-text.js';

/**
 * What /metrics exposes, what docs/operations.md lists, and what the alert rules in
 * deploy/prometheus/ use must be the same names: a metric renamed in code fails here.
 */
async function exposedFamilies(): Promise<Set<string>> {
  const stats = new CommStatsTracker();
  stats.record('ok', 3, 0);
  const m = new GatewayMetrics({
    site: 's',
    version: 'v',
    machines: () => [
      { id: 'a', line: 'l' },
      { id: 'b', line: 'l' },
    ],
    online: () => true,
    commStats: (id) =>
      id === 'a'
        ? stats.snapshot()
        : { messages: 1, accepted: 1, rejected: {}, lastMessageTs: null, lastRejected: null },
    latency: (id) => (id === 'a' ? stats.latencyHistogram() : undefined),
    links: () => [],
    now: Date.now,
  });
  m.start();
  try {
    return new Set(parsePrometheusText((await m.render()).body).keys());
  } finally {
    m.stop();
  }
}

function documentedFamilies(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('| metric | type | labels | meaning |'));
  return new Set([...section.matchAll(/^\| `(linegate_\w+)` \|/gm)].map((x) => x[1] ?? ''));
}

describe('metric names: code, docs and alert rules agree', () => {
  it('docs/operations.md lists exactly the metric families /metrics exposes', async () => {
    expect([...documentedFamilies()].sort()).toEqual([...(await exposedFamilies())].sort());
  });

  it('every alert rule names exposed metrics and has an expression and a summary', async () => {
    const exposed = await exposedFamilies();
    const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/linegate-rules.yml'), 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; annotations: { summary: string } }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThan(5);
    for (const r of all) {
      expect(r.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(r.annotations.summary.length, r.alert).toBeGreaterThan(0);
      for (const name of r.expr.match(/\blinegate_\w+/g) ?? []) {
        const family = name.replace(/_(bucket|sum|count)$/, '');
        expect(exposed.has(family) || exposed.has(name), `${r.alert}: ${name}`).toBe(true);
      }
    }
  });
});
