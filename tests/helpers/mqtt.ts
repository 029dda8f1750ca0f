import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { loadConfigText } from '../../config/load.js';
import type { LinegateConfig } from '../../config/types.js';
import type { Sample } from '../../gateway/core/sample.js';
import { type RunningMqtt, startMqtt } from '../../gateway/sources/mqtt/index.js';

/**
 * Helpers for the MQTT suites: a config from YAML pieces, startMqtt with a recording persist,
 * and mqtt.js clients that are always closed.
 */
export const SITE = `
site: { id: htx-test, name: HTX thử }
lines: [{ id: pack, name: Đóng gói }]
`;

/** An MQTT machine with three points, on `topic` of `source`. */
export function mqttMachine(id: string, source: string, topic: string, extra = ''): string {
  return `
  - id: ${id}
    name: Máy ${id}
    kind: packer
    line: pack
    connection: { type: mqtt, source: ${source}, topic: '${topic}' }
    points:
      - { name: temp, path: temp, type: number, unit: °C, role: temperature }
      - { name: count, path: count, type: number, role: good_counter }
      - { name: run, path: run, type: boolean, role: run }
${extra}`;
}

export function configFrom(yaml: string, env: NodeJS.ProcessEnv = {}): LinegateConfig {
  return loadConfigText(yaml, 'test.yaml', { env });
}

export interface Recorded {
  readonly mqtt: RunningMqtt;
  /** Every sample persist() was called with, in order. */
  readonly persisted: Sample[];
  readonly emitted: Sample[];
  /** Make the next persist() calls throw (true) or succeed again (false). */
  failPersist(on: boolean): void;
  /** Resolves when `pred` holds for the persisted samples (bounded). */
  until(pred: (persisted: readonly Sample[]) => boolean, timeoutMs?: number): Promise<void>;
}

export async function startRecorded(config: LinegateConfig): Promise<Recorded> {
  const persisted: Sample[] = [];
  const emitted: Sample[] = [];
  let failing = false;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const running = await startMqtt(config, {
    log,
    persist: (s) => {
      if (failing) throw new Error('disk on fire (test)');
      persisted.push(...s);
    },
    emit: (s) => emitted.push(...s),
  });
  return {
    mqtt: running,
    persisted,
    emitted,
    failPersist: (on) => {
      failing = on;
    },
    until: (pred, timeoutMs = 10_000) => waitFor(() => pred(persisted), timeoutMs),
  };
}

import { waitFor } from './wait.js';

export { waitFor };

const open = new Set<MqttClient>();

/** Connects (or rejects with the CONNACK error); reconnect off. Closed by `closeClients()`. */
export function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    open.add(c);
    const fail = (err: Error) => {
      c.end(true);
      reject(err);
    };
    const closed = () => fail(new Error('closed before CONNACK'));
    c.once('error', fail);
    c.once('close', closed);
    c.once('connect', () => {
      c.off('error', fail);
      c.off('close', closed);
      c.on('error', () => undefined);
      resolve(c);
    });
  });
}

export function publish(
  c: MqttClient,
  topic: string,
  payload: string | Buffer,
  qos: 0 | 1 = 1,
): Promise<void> {
  return new Promise((resolve, reject) => {
    c.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve()));
  });
}

export async function closeClients(): Promise<void> {
  await Promise.all(
    [...open].map(
      (c) =>
        new Promise<void>((resolve) => {
          open.delete(c);
          const t = setTimeout(resolve, 1000);
          c.end(true, {}, () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
}
