import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, promValue } from '../../tests/helpers/prom-text.js';
import type { MessageStats } from '../core/source.js';
import { CommStatsTracker } from '../runtime/comm-stats.js';
import type { SinkStatus } from '../runtime/running-sink.js';
import type { StoreStats } from '../store/index.js';
import { GatewayMetrics, type MetricsInputs } from './gateway-metrics.js';
import { parseProcIo } from './proc-io.js';

const NOW = 1_700_000_000_000;

function storeStats(over: Partial<StoreStats> = {}): StoreStats {
  return {
    path: '/data/store.db',
    fileBytes: 4096,
    walBytes: 1024,
    usedBytes: 5000,
    maxBytes: 1 << 30,
    overCap: false,
    fsAvailBytes: null,
    capBytes: 1 << 30,
    rawRows: 12,
    eventRows: 3,
    quarantineRows: 1,
    series: 2,
    sinks: [
      {
        name: 'influx',
        cursor: 5,
        depth: 7,
        oldestUnsentTs: NOW - 90_000,
        dropped: { shed: 4, retention: 2, ram: 0 },
        quarantined: 1,
      },
    ],
    shed: 9,
    droppedMemory: 3,
    writer: {
      pendingSamples: 5,
      pendingEvents: 0,
      full: false,
      lastFlushAt: null,
      lastFlushMs: null,
      lastFlushRows: 0,
      droppedFromMemory: 0,
      lastError: null,
    },
    ...over,
  };
}

const sink: SinkStatus = {
  sink: 'influx',
  target: 'http://127.0.0.1:8086',
  state: 'backing-off',
  queueDepth: 7,
  oldestUnsentTs: NOW - 90_000,
  lastError: null,
  lastSuccessTs: null,
  pointsSent: 100,
  linesQuarantined: 1,
  retries: 2,
  requests: 10,
};

function harness() {
  const stats = new CommStatsTracker();
  const mqtt: MessageStats = {
    messages: 10,
    accepted: 7,
    rejected: { bad_json: 2, stale_ts: 1 },
    lastMessageTs: NOW,
    lastRejected: null,
  };
  const machines = [
    { id: 'dryer-1', line: 'l1' },
    { id: 'packer-1', line: 'l1' },
  ];
  const inputs: MetricsInputs = {
    site: 'htx-test',
    version: '0.1.0',
    machines: () => machines,
    online: (id) => (id === 'dryer-1' ? false : undefined),
    commStats: (id) => (id === 'dryer-1' ? stats.snapshot() : mqtt),
    latency: (id) => (id === 'dryer-1' ? stats.latencyHistogram() : undefined),
    links: () => [{ id: 'tcp:127.0.0.1:502', open: false }],
    storage: () => ({ store: storeStats(), sinks: [sink] }),
    now: () => NOW,
  };
  return { stats, inputs, machines };
}

let metrics: GatewayMetrics | null = null;
afterEach(() => {
  metrics?.stop();
  metrics = null;
});

async function scrape(m: GatewayMetrics) {
  const r = await m.render();
  expect(r.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(r.body);
}

describe('GatewayMetrics', () => {
  it('reports devices, store, sinks and the process as valid Prometheus text', async () => {
    const h = harness();
    h.stats.record('ok', 3, NOW);
    h.stats.record('ok', 40, NOW);
    h.stats.record('exception', 7, NOW, { code: 'LG_MODBUS_EXCEPTION', message: 'x' });
    h.stats.record('timeout', 300, NOW, { code: 'LG_MODBUS_TIMEOUT', message: 'x' });
    h.stats.record('error', 0, NOW, { code: 'LG_MODBUS_IO', message: 'x' });
    metrics = new GatewayMetrics(h.inputs);
    metrics.start();
    const f = await scrape(metrics);
    const v = (name: string, labels: Record<string, string> = {}) => promValue(f, name, labels);
    expect(v('linegate_info', { site: 'htx-test', version: '0.1.0' })).toBe(1);
    expect(v('linegate_machine_online', { machine: 'dryer-1', line: 'l1' })).toBe(0);
    expect(v('linegate_machine_online', { machine: 'packer-1' })).toBeUndefined();
    expect(v('linegate_poll_requests_total', { machine: 'dryer-1' })).toBe(5);
    expect(v('linegate_poll_errors_total', { machine: 'dryer-1', kind: 'timeout' })).toBe(1);
    expect(v('linegate_poll_errors_total', { machine: 'dryer-1', kind: 'exception' })).toBe(1);
    expect(v('linegate_poll_errors_total', { machine: 'dryer-1', kind: 'other' })).toBe(1);
    expect(v('linegate_poll_requests_total', { machine: 'packer-1' })).toBeUndefined();
    // Answered requests (ok + exception) are in the histogram: 3 ms, 7 ms, 40 ms.
    expect(v('linegate_poll_latency_seconds_count', { machine: 'dryer-1' })).toBe(3);
    expect(v('linegate_poll_latency_seconds_bucket', { machine: 'dryer-1', le: '0.005' })).toBe(1);
    expect(v('linegate_poll_latency_seconds_bucket', { machine: 'dryer-1', le: '0.01' })).toBe(2);
    expect(v('linegate_poll_latency_seconds_bucket', { machine: 'dryer-1', le: '0.05' })).toBe(3);
    expect(v('linegate_poll_latency_seconds_sum', { machine: 'dryer-1' })).toBeCloseTo(0.05, 6);
    expect(v('linegate_mqtt_messages_total', { machine: 'packer-1', result: 'rejected' })).toBe(3);
    expect(v('linegate_mqtt_rejected_total', { machine: 'packer-1', reason: 'bad_json' })).toBe(2);
    expect(v('linegate_link_open', { link: 'tcp:127.0.0.1:502' })).toBe(0);
    expect(v('linegate_outbox_depth_rows', { sink: 'influx' })).toBe(7);
    expect(v('linegate_outbox_oldest_unsent_age_seconds', { sink: 'influx' })).toBe(90);
    expect(v('linegate_sink_up', { sink: 'influx', state: 'backing-off' })).toBe(0);
    expect(v('linegate_samples_dropped_total', { reason: 'shed' })).toBe(9);
    expect(v('linegate_samples_dropped_total', { reason: 'memory' })).toBe(3);
    expect(v('linegate_sink_rows_lost_total', { sink: 'influx', reason: 'retention' })).toBe(2);
    expect(v('linegate_store_bytes', { kind: 'used' })).toBe(5000);
    expect(v('linegate_store_rows', { table: 'raw' })).toBe(12);
    expect(v('linegate_process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(v('linegate_heap_bytes', { kind: 'used' })).toBeGreaterThan(0);
    expect(v('linegate_event_loop_delay_seconds', { quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    expect(f.get('linegate_disk_written_bytes_total')?.type).toBe('counter');
    expect(f.get('linegate_poll_latency_seconds')?.type).toBe('histogram');
    // Every counter follows the naming rule.
    for (const fam of f.values()) if (fam.type === 'counter') expect(fam.name).toMatch(/_total$/);
  });

  it('moves when a device fails and forgets a removed machine', async () => {
    const h = harness();
    metrics = new GatewayMetrics(h.inputs);
    metrics.start();
    h.stats.record('ok', 3, NOW);
    const before = await scrape(metrics);
    expect(promValue(before, 'linegate_poll_errors_total', { machine: 'dryer-1', kind: 'timeout' })).toBe(0);
    h.stats.record('timeout', 300, NOW, { code: 'LG_MODBUS_TIMEOUT', message: 'x' });
    h.stats.record('timeout', 300, NOW, { code: 'LG_MODBUS_TIMEOUT', message: 'x' });
    const after = await scrape(metrics);
    expect(promValue(after, 'linegate_poll_errors_total', { machine: 'dryer-1', kind: 'timeout' })).toBe(2);
    h.machines.splice(0, 1);
    const removed = await scrape(metrics);
    expect(promValue(removed, 'linegate_poll_requests_total', { machine: 'dryer-1' })).toBeUndefined();
    expect(promValue(removed, 'linegate_poll_latency_seconds_count', { machine: 'dryer-1' })).toBeUndefined();
  });

  it('lets another part add its values: the active-alarms hook and addGauge', async () => {
    const h = harness();
    metrics = new GatewayMetrics(h.inputs);
    metrics.start();
    let before = await scrape(metrics);
    expect(before.get('linegate_alarms_active')?.samples).toEqual([]);
    metrics.provideActiveAlarms(() => [{ severity: 2, state: 'active_unack', count: 3 }]);
    let n = 0;
    metrics.addGauge({ name: 'linegate_test_value', help: 'test', read: (emit) => emit({}, ++n) });
    before = await scrape(metrics);
    expect(promValue(before, 'linegate_alarms_active', { severity: '2', state: 'active_unack' })).toBe(3);
    expect(promValue(before, 'linegate_test_value')).toBe(1);
  });

  it('without a store, store metrics are empty families, not errors', async () => {
    const h = harness();
    metrics = new GatewayMetrics({ ...h.inputs, storage: undefined });
    metrics.start();
    const f = await scrape(metrics);
    expect(f.get('linegate_outbox_depth_rows')?.samples).toEqual([]);
  });

  it('two gateways in one process keep separate registries', async () => {
    const a = new GatewayMetrics(harness().inputs);
    const b = new GatewayMetrics({ ...harness().inputs, site: 'other' });
    a.start();
    b.start();
    try {
      expect(promValue(await scrape(a), 'linegate_info', { site: 'htx-test' })).toBe(1);
      expect(promValue(await scrape(b), 'linegate_info', { site: 'htx-test' })).toBeUndefined();
    } finally {
      a.stop();
      b.stop();
    }
  });
});

describe('strict Prometheus text reader (tests/helpers/prom-text.ts)', () => {
  it('refuses what breaks the format', () => {
    const ok = '# HELP a_total x\n# TYPE a_total counter\na_total{m="x"} 1\n';
    expect(parsePrometheusText(ok).get('a_total')?.samples[0]?.value).toBe(1);
    const bad = [
      'a_total 1\n', // no TYPE
      '# TYPE a gauge\na{m="x} 1\n', // unterminated label
      '# TYPE a gauge\na 1x\n', // bad value
      '# TYPE a gauge\na 1\na 2\n', // duplicate series
      '# TYPE a gauge\na 1', // no final newline
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', // +Inf != count
    ];
    for (const b of bad) expect(() => parsePrometheusText(b), b).toThrow();
  });
});

describe('parseProcIo', () => {
  it('reads write_bytes from /proc/self/io text', () => {
    const text =
      'rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n';
    expect(parseProcIo(text)).toEqual({ writeBytes: 8192, readBytes: 4096 });
    expect(parseProcIo('rchar: 1\n')).toBeNull();
  });
});
