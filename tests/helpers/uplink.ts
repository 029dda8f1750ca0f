import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach } from 'vitest';
import type { MqttUplinkSinkConfig } from '../../config/types.js';
import { RunningSink } from '../../gateway/runtime/running-sink.js';
import { createEncoder, createWriter } from '../../gateway/sinks/registry.js';
import { Store } from '../../gateway/store/index.js';
import { closeClients, configFrom } from './mqtt.js';

/**
 * The uplink tests' gateway side: the real store (SQLite outbox), the registry's encoder and
 * writer for a config with an `mqtt-uplink` sink (two packers on line `pack`), and the runner
 * that InfluxDB sinks use.
 */
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
export const PREFIX = 'coop';
export const SITE_ID = 'htx-test';

export function uplinkConfig(url: string, clientId: string, extra = ''): MqttUplinkSinkConfig {
  const config = configFrom(`
site: { id: ${SITE_ID}, name: HTX thử }
lines: [{ id: pack, name: Đóng gói }]
machines:
  - id: packer-1
    name: Máy 1
    kind: packer
    line: pack
    connection: { type: mqtt, source: lan, topic: 'x/packer-1' }
    points: [{ name: w, path: w, type: number, unit: g }]
  - id: packer-2
    name: Máy 2
    kind: packer
    line: pack
    connection: { type: mqtt, source: lan, topic: 'x/packer-2' }
    points: [{ name: w, path: w, type: number, unit: g }]
mqtt:
  clients: [{ id: lan, url: 'mqtt://127.0.0.1:1', clientId: unused }]
sinks:
  - id: central
    type: mqtt-uplink
    url: ${url}
    clientId: ${clientId}
    prefix: ${PREFIX}
    timeoutMs: 2000
    batchSize: 300
    samplesPerMessage: 40
${extra}`);
  const c = config.sinks[0];
  if (c?.type !== 'mqtt-uplink') throw new Error('no uplink sink');
  return c;
}

export interface Gateway {
  readonly store: Store;
  readonly sink: RunningSink;
  /** Samples n in [from, to) alternating between the two packers, plus a state row every 50 (packer-1, -2, -1…). */
  append(from: number, to: number): void;
  stop(): Promise<void>;
}

export function startGateway(dataDir: string, c: MqttUplinkSinkConfig): Gateway {
  const store = Store.open({ dataDir, log });
  const ctx = { site: SITE_ID, tagsFor: () => ({ site: SITE_ID, line: 'pack', unit: 'g' }) };
  const sink = new RunningSink({
    outbox: store.registerSink(c.id, { from: 'start' }),
    encode: createEncoder(c, ctx),
    writer: createWriter(c, ctx),
    log,
    batchSize: c.batchSize,
    idlePollMs: 20,
    backoff: { baseMs: 50, maxMs: 400 },
    slowRetryMs: 300,
  });
  sink.start();
  const t0 = Date.now();
  return {
    store,
    sink,
    append(from, to) {
      for (let n = from; n < to; n++) {
        const machine = `packer-${(n % 2) + 1}`;
        store.append([{ machine, point: 'w', value: n, quality: 'good', ts: t0 + n }]);
        if (n % 50 === 0)
          store.appendEvents([
            {
              measurement: 'machine_state',
              tags: { site: SITE_ID, line: 'pack', machine: `packer-${((n / 50) % 2) + 1}`, kind: 'packer' },
              fields: { state: n % 100 === 0 ? 'running' : 'idle', previous: 'stopped', n },
              ts: t0 + n,
            },
          ]);
      }
      store.flush();
      sink.notify();
    },
    async stop() {
      await sink.stop();
      store.close();
    },
  };
}

/** First occurrences (a resend after a lost PUBACK may repeat), which must be 0..n-1 in order. */
export function firsts<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  return values.filter((v) => !seen.has(v) && seen.add(v) !== undefined);
}
export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Temp data dirs and gateways of one test file, cleaned up by hooks registered here: the
 * gateways and MQTT clients after each test, the dirs after the file.
 */
export function uplinkTestState(dirPrefix: string): { tempDir(): string; gateways: Gateway[] } {
  const dirs: string[] = [];
  const gateways: Gateway[] = [];
  afterEach(async () => {
    await closeClients();
    await Promise.all(gateways.splice(0).map((g) => g.stop().catch(() => undefined)));
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    gateways,
    tempDir() {
      const d = mkdtempSync(join(tmpdir(), dirPrefix));
      dirs.push(d);
      return d;
    },
  };
}
