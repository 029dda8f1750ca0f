import type { Logger } from 'pino';
import { isMqttMachineConfig, type LinegateConfig, MQTT_DEFAULTS } from '../../../config/types.js';
import type { MachineStatusEvent } from '../../core/events.js';
import type { Sample } from '../../core/sample.js';
import type { MessageStats } from '../../core/source.js';
import { BROKER_SOURCE, type BrokerStats, EmbeddedBroker } from './broker.js';
import type { ClientStats, ExternalBrokerSource } from './client-source.js';
import type { RejectReason } from './hygiene.js';
import { Ingest, type SourceCounters } from './ingest.js';

export { BROKER_SOURCE } from './broker.js';
export { hashPassword, verifyPassword } from './password.js';

export interface MqttDeps {
  readonly log: Logger;
  /** Live values (the in-memory bus). Called after persist, with the same samples. */
  readonly emit: (samples: readonly Sample[]) => void;
  /**
   * Durable store. Synchronous: when it returns, the samples are committed (a kill -9 right after
   * does not lose them); it throws when they are not. Every MQTT acknowledgement of a message
   * with samples is sent only after persist returned for them.
   */
  readonly persist: (samples: readonly Sample[]) => void;
  /** Online/offline changes of MQTT machines (first accepted message / none for offlineAfterMs). */
  readonly status?: (e: MachineStatusEvent) => void;
}

export interface MqttStats {
  readonly broker: BrokerStats | null;
  readonly clients: readonly ClientStats[];
  /** Per source ('broker' or a client id): messages, unknown topics, refused, stored, samples. */
  readonly sources: Readonly<Record<string, Readonly<SourceCounters>>>;
  readonly rejected: Partial<Record<RejectReason, number>>;
}

export interface RunningMqtt {
  stop(): Promise<void>;
  stats(): MqttStats;
  /** Message counters of one MQTT machine, for GET /api/machines. */
  machineStats(id: string): MessageStats | undefined;
}

/**
 * Starts the embedded broker (when configured) and one client per external broker, all feeding
 * one Ingest. Calling rules: call once; `stop()` once, before the store is closed (it waits for
 * the last commit and closes every connection).
 */
export async function startMqtt(config: LinegateConfig, deps: MqttDeps): Promise<RunningMqtt> {
  const mqtt = config.mqtt;
  const machines = config.machines.filter(isMqttMachineConfig);
  const log = deps.log.child({ part: 'mqtt' });
  const ingest = new Ingest(machines, mqtt?.payload ?? { ...MQTT_DEFAULTS }, {
    log,
    emit: deps.emit,
    persist: deps.persist,
    ...(deps.status ? { status: deps.status } : {}),
  });
  const broker = mqtt?.broker
    ? new EmbeddedBroker(mqtt.broker, ingest, log.child({ source: BROKER_SOURCE }))
    : null;
  const clients: ExternalBrokerSource[] = [];
  if (mqtt?.clients.length) {
    // mqtt.js loads only for external brokers (resident memory, docs/footprint.md).
    const { ExternalBrokerSource: Source } = await import('./client-source.js');
    for (const c of mqtt.clients) clients.push(new Source(c, ingest, log.child({ source: c.id })));
  }
  await broker?.start();
  for (const c of clients) c.start();
  const offlineCheck = setInterval(() => ingest.checkOffline(), 1000);
  offlineCheck.unref();
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        clearInterval(offlineCheck);
        await Promise.all(clients.map((c) => c.stop()));
        await broker?.stop();
      })();
      return stopping;
    },
    stats: () => ({
      broker: broker?.stats() ?? null,
      clients: clients.map((c) => c.stats()),
      sources: ingest.sourceStats(),
      rejected: ingest.rejectedByReason(),
    }),
    machineStats: (id) => ingest.machineStats(id),
  };
}
