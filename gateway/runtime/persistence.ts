import type { Logger } from 'pino';
import type { LinegateConfig } from '../../config/types.js';
import type { Sample } from '../core/sample.js';
import type { SeriesTags } from '../sinks/influx/index.js';
import { createEncoder, createWriter, SINK_MAX_IN_FLIGHT } from '../sinks/registry.js';
import { AuditLog } from '../store/audit.js';
import { Store, type StoreStats } from '../store/index.js';
import { StoreRunner } from '../store/store-runner.js';
import type { EventBus } from './event-bus.js';
import { RunningSink, type SinkEvent, type SinkStatus } from './running-sink.js';
import { storePersist } from './store-persist.js';

/**
 * The local store and the sinks that forward from it. Every sample on the bus is appended
 * (committed about once a second by the store runner); each sink reads its own cursor over the
 * store, so an outage of InfluxDB or a power cut loses nothing that was committed.
 *
 * Calling rules: `startPersistence()` once, after the bus exists and before the sources start;
 * `stop()` once, after the sources have stopped: it flushes everything buffered, stops the sinks
 * (the request in flight finishes or is abandoned unacked) and closes the database.
 */
export interface Persistence {
  readonly store: Store;
  /** The append-only audit trail, in the same database file. */
  readonly audit: AuditLog;
  /** Durable write for sources that acknowledge (MQTT QoS 1): committed when it returns. */
  persist(samples: readonly Sample[]): void;
  sinks(): SinkStatus[];
  storeStats(): StoreStats;
  /**
   * Hot reload: series tags follow the new config; sinks added are started (new cursor, per
   * `from`), sinks removed are stopped (their cursor stays, as after a restart without them),
   * sinks changed are restarted on the same cursor. The store stays open; nothing buffered is
   * touched. Never concurrently with `stop()`.
   */
  reconfigure(config: LinegateConfig): Promise<void>;
  stop(): Promise<void>;
}

function tagsLookup(config: LinegateConfig): (machine: string, point: string) => SeriesTags | undefined {
  const byMachine = new Map(config.machines.map((m) => [m.id, m]));
  return (machine, point) => {
    const m = byMachine.get(machine);
    if (!m) return undefined;
    const p = (m.points as readonly { name: string; role?: string; unit?: string }[]).find(
      (x) => x.name === point,
    );
    return {
      site: config.site.id,
      line: m.line,
      kind: m.kind,
      ...(p?.role ? { role: p.role } : {}),
      ...(p?.unit ? { unit: p.unit } : {}),
    };
  };
}

export interface PersistenceDeps {
  readonly bus: EventBus;
  readonly log: Logger;
  /**
   * Machines whose samples reach the store through `persist()` before they reach the bus
   * (acknowledging sources: MQTT). The bus listener skips them so nothing is stored twice.
   */
  readonly persistedBySource?: ReadonlySet<string>;
}

export function startPersistence(config: LinegateConfig, deps: PersistenceDeps): Persistence {
  const log = deps.log.child({ part: 'store' });
  const store = Store.open({
    dataDir: config.dataDir,
    log,
    retention: { rawRetentionMs: config.store.rawRetentionMs, maxBytes: config.store.maxBytes },
    raw: config.store.raw,
    ackPersistMs: config.store.ackPersistMs,
    ...(config.store.ramTier ? { ramTier: config.store.ramTier } : {}),
  });
  const event = (kind: string, message: string, extra: Record<string, string | number> = {}) =>
    store.appendEvents([
      {
        measurement: 'gateway_event',
        tags: { site: config.site.id, kind },
        fields: { message, ...extra },
        ts: Date.now(),
      },
    ]);
  if (store.recovered) {
    log.error({ recovered: store.recovered }, 'the database was corrupt: moved aside, a fresh one started');
    event(
      'store-recovered',
      `corrupt database moved to ${store.recovered.movedTo}: ${store.recovered.reason}`,
    );
  }
  const audit = AuditLog.open(store.db);
  let tagsFor = tagsLookup(config);
  const encoderContext = {
    site: config.site.id,
    tagsFor: (machine: string, point: string) => tagsFor(machine, point),
  };
  const startSink = (c: LinegateConfig['sinks'][number]) => {
    const outbox = store.registerSink(c.id, { from: c.from });
    return new RunningSink({
      outbox,
      encode: createEncoder(c, encoderContext),
      writer: createWriter(c, encoderContext),
      batchSize: c.batchSize,
      maxInFlight: SINK_MAX_IN_FLIGHT[c.type],
      log: deps.log.child({ sink: c.id }),
      onEvent: (e: SinkEvent) => {
        const level = e.kind === 'recovered' ? 'info' : 'warn';
        deps.log[level]({ sink: e.sink, kind: e.kind, status: e.status, count: e.count }, e.message);
        event(`sink-${e.kind}`, e.message, { sink: e.sink });
      },
    });
  };
  let sinkConfigs = config.sinks;
  let running = config.sinks.map(startSink);
  const runner = new StoreRunner(store, {
    flushIntervalMs: config.store.flushIntervalMs,
    log,
    onFlush: () => {
      for (const s of running) s.notify();
    },
  });
  const owner = {};
  const skip = deps.persistedBySource ?? new Set<string>();
  deps.bus.on('samples', owner, (samples) => {
    store.append(skip.size === 0 ? samples : samples.filter((s) => !skip.has(s.machine)));
  });
  runner.start();
  for (const s of running) s.start();
  log.info({ path: store.path, sinks: config.sinks.map((s) => s.id) }, 'store open');
  let stopped = false;
  return {
    store,
    audit,
    persist: storePersist(store),
    sinks: () => running.map((s) => s.status()),
    storeStats: () => store.stats(),
    async reconfigure(next) {
      tagsFor = tagsLookup(next);
      const before = new Map(sinkConfigs.map((c, i) => [c.id, { c, sink: running[i] }]));
      const kept = new Set<string>();
      const nextRunning: RunningSink[] = [];
      const stopping: Promise<void>[] = [];
      for (const c of next.sinks) {
        const old = before.get(c.id);
        if (old?.sink && JSON.stringify(old.c) === JSON.stringify(c)) {
          nextRunning.push(old.sink);
          kept.add(c.id);
        } else {
          if (old?.sink) {
            kept.add(c.id);
            await old.sink.stop(); // the same outbox: stop before the new one reads it
          }
          const s = startSink(c);
          s.start();
          nextRunning.push(s);
        }
      }
      for (const [id, old] of before) if (!kept.has(id) && old.sink) stopping.push(old.sink.stop());
      await Promise.all(stopping);
      running = nextRunning;
      sinkConfigs = next.sinks;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      deps.bus.removeListeners(owner);
      runner.stop();
      await Promise.all(running.map((s) => s.stop()));
      const { unwritten } = store.close();
      if (unwritten > 0) log.error({ unwritten }, 'samples could not be written at stop');
      log.info('store closed');
    },
  };
}
