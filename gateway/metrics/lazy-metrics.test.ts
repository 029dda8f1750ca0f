import { describe, expect, it } from 'vitest';
import { parsePrometheusText, promValue } from '../../tests/helpers/prom-text.js';
import { GatewayMetrics, type MetricsInputs } from './gateway-metrics.js';
import { LazyGatewayMetrics } from './lazy-metrics.js';

const inputs: MetricsInputs = {
  site: 'bench',
  version: '1.2.3',
  machines: () => [],
  online: () => undefined,
  commStats: () => undefined,
  latency: () => undefined,
  links: () => [],
  now: () => 1_700_000_000_000,
};

/** Counts the loads, and the metrics it created (to check they are stopped). */
function counting() {
  const made: GatewayMetrics[] = [];
  let loads = 0;
  class Spy extends GatewayMetrics {
    constructor(i: MetricsInputs) {
      super(i);
      made.push(this);
    }
  }
  return {
    made,
    loads: () => loads,
    load: async () => {
      loads++;
      return Spy;
    },
  };
}

describe('metrics loaded on the first scrape', () => {
  it('loads nothing until a scrape, then once, and renders what GatewayMetrics renders', async () => {
    const c = counting();
    const m = new LazyGatewayMetrics(inputs, c.load);
    m.start();
    m.provideActiveAlarms(() => [{ severity: 2, state: 'active_unack', count: 3 }]);
    expect(c.loads()).toBe(0);
    expect(m.isLoaded).toBe(false);
    const [a, b] = await Promise.all([m.render(), m.render()]);
    expect(c.loads()).toBe(1);
    expect(m.isLoaded).toBe(true);
    expect(a.contentType).toContain('text/plain');
    const families = parsePrometheusText(b.body);
    expect(promValue(families, 'linegate_info', { version: '1.2.3', site: 'bench' })).toBe(1);
    expect(promValue(families, 'linegate_alarms_active', { severity: '2', state: 'active_unack' })).toBe(3);
    // The event-loop monitor starts with the first scrape (it is reported from then on).
    expect(promValue(families, 'linegate_event_loop_delay_seconds', { quantile: '0.99' })).toBeDefined();
    m.provideActiveAlarms(() => [{ severity: 1, state: 'active_ack', count: 1 }]);
    const later = parsePrometheusText((await m.render()).body);
    expect(promValue(later, 'linegate_alarms_active', { severity: '1', state: 'active_ack' })).toBe(1);
    expect(c.loads()).toBe(1);
    m.stop();
    await expect(m.render()).rejects.toThrow('not running');
  });

  it('refuses to render before start, and a stop before any scrape loads nothing', async () => {
    const c = counting();
    const m = new LazyGatewayMetrics(inputs, c.load);
    await expect(m.render()).rejects.toThrow('not running');
    m.start();
    m.stop();
    await expect(m.render()).rejects.toThrow('not running');
    expect(c.loads()).toBe(0);
  });
});
