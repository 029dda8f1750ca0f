import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { Rng } from './prng.js';

/**
 * A packing machine with an ESP32 board that publishes JSON over MQTT (QoS 1) with its own
 * username, the way devices/mqtt/packer-esp32-mqtt.yaml describes it — written from that
 * description, not from the gateway's decoder. Every `badEvery`-th message is replaced by one of
 * the scripted bad payloads below (in turn), so the gateway's rejected counters have something
 * to show. It keeps reconnecting every second while the broker is away, like a real board.
 */
export interface MqttDeviceOptions {
  readonly id: string;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly topic: string;
  readonly intervalMs: number;
  readonly seed: number;
  /** 0 = never. */
  readonly badEvery: number;
  readonly logger: Logger;
}

export interface MqttDevice {
  readonly id: string;
  /** Messages published (good and bad). */
  published(): number;
  stop(): Promise<void>;
}

/** Scripted bad payloads, one per hygiene class a field device produces in practice. */
export const BAD_PAYLOADS: readonly ((now: number) => string)[] = [
  () => '{"ts": 17957, "data": {"seal_temp": 151.2', // cut short by a brown-out
  (now) => `{"ts":${now},"data":{"seal_temp":"NaN","speed":50}}`, // thermocouple open
  (now) => `{"ts":${now},"data":{"seal_temp":"151.2"},"run":"yes"}`, // wrong types after a firmware update
  () => `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, // runaway nesting
  (now) => `{"ts":${now},"__proto__":{"isAdmin":true},"run":true}`, // prototype pollution attempt
  (now) => `{"ts":${now + 3_600_000},"data":{"seal_temp":150.1}}`, // clock an hour ahead (DST-less RTC)
];

export function startMqttDevice(o: MqttDeviceOptions): MqttDevice {
  const rng = new Rng(o.seed);
  let good = 120_000 + Math.floor(rng.between(0, 1000));
  let reject = 200;
  let sealTemp = 148;
  let n = 0;
  let badIndex = 0;
  const client: MqttClient = mqtt.connect(o.url, {
    username: o.username,
    password: o.password,
    clientId: `${o.id}-esp32`,
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
  });
  client.on('error', (err) =>
    o.logger.debug({ device: o.id, err: err.message }, 'mqtt device: connection error'),
  );
  client.on('connect', () => o.logger.info({ device: o.id, url: o.url }, 'mqtt device connected'));
  const payload = (now: number): string => {
    n++;
    if (o.badEvery > 0 && n % o.badEvery === 0) {
      const bad = BAD_PAYLOADS[badIndex++ % BAD_PAYLOADS.length] as (now: number) => string;
      return bad(now);
    }
    const packs = rng.between(0.7, 1) * (o.intervalMs / 1200);
    if (rng.next() < 0.02) reject++;
    else good += Math.round(packs);
    sealTemp += (150 - sealTemp) * 0.2 + rng.gauss(0, 0.4);
    return JSON.stringify({
      ts: now,
      state: 2,
      run: true,
      fault: 0,
      data: {
        seal_temp: Math.round(sealTemp * 10) / 10,
        speed: Math.round(rng.between(48, 53) * 10) / 10,
        good: good % 2 ** 32,
        reject,
        pack_g: 250,
      },
    });
  };
  const timer = setInterval(() => {
    if (!client.connected) return; // a real board samples again next time instead of queueing
    client.publish(o.topic, payload(Date.now()), { qos: 1 });
  }, o.intervalMs);
  timer.unref();
  return {
    id: o.id,
    published: () => n,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        const t = setTimeout(resolve, 1000);
        client.end(true, {}, () => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}
