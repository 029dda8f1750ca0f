/**
 * The embedded broker's group commit with real mqtt.js clients: the payloads of a held group are
 * checked and decoded at its commit (broker.ts), so
 *  - samples keep the time their message ARRIVED (the ingest clock read then), not the commit's;
 *  - a refused payload is acknowledged with its group, after the commit, and never stored;
 *  - when the commit fails, the stored messages get no PUBACK but a refused one still does.
 * Two clients stay connected so that one client's message alone does not end the window
 * (commit-policy.ts); the second client's message does (every connected client is then held).
 * The window (2 s, the most the config allows) only bounds a test that would otherwise hang.
 */
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isMqttMachineConfig, MQTT_DEFAULTS } from '../config/types.js';
import type { Sample } from '../gateway/core/sample.js';
import { EmbeddedBroker } from '../gateway/sources/mqtt/broker.js';
import { Ingest } from '../gateway/sources/mqtt/ingest.js';
import { hashPassword } from '../gateway/sources/mqtt/password.js';
import { closeClients, configFrom, connect, mqttMachine, SITE, waitFor } from './helpers/mqtt.js';
import { freePort } from './peers/free-port.js';

const PW = 'group-secret-1';
const T0 = Date.parse('2026-11-27T07:00:00Z');
const TOPIC_A = 'htx/pack/packer-a/telemetry';
const TOPIC_B = 'htx/pack/packer-b/telemetry';
const good = (n: number) => JSON.stringify({ temp: 20 + n / 10, count: n, run: true });

describe('embedded broker: a group is decoded at its commit', () => {
  let broker: EmbeddedBroker;
  let ingest: Ingest;
  let url: string;
  const persisted: Sample[] = [];
  let failing = false;
  let clock = T0;
  let clockReads = 0;

  beforeAll(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    const config = configFrom(`${SITE}
mqtt:
  broker:
    port: ${port}
    users: [{ username: dev, passwordHash: '${hashPassword(PW)}', publish: ['htx/pack/#'] }]
    limits: { commitWindowMs: 2000 }
machines:
${mqttMachine('packer-a', 'broker', TOPIC_A)}
${mqttMachine('packer-b', 'broker', TOPIC_B)}
`);
    const log = pino({ level: 'silent' });
    ingest = new Ingest(
      config.machines.filter(isMqttMachineConfig),
      config.mqtt?.payload ?? { ...MQTT_DEFAULTS },
      {
        log,
        emit: () => undefined,
        persist: (s) => {
          if (failing) throw new Error('disk on fire (test)');
          persisted.push(...s);
        },
        now: () => {
          clockReads++;
          return clock;
        },
      },
    );
    const brokerConfig = config.mqtt?.broker;
    if (!brokerConfig) throw new Error('no broker in the config');
    broker = new EmbeddedBroker(brokerConfig, ingest, log);
    await broker.start();
  });

  afterEach(async () => {
    failing = false;
    await closeClients();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  async function twoDevices(tag: string): Promise<[MqttClient, MqttClient]> {
    const opts = { username: 'dev', password: PW };
    return [
      await connect(url, { ...opts, clientId: `a-${tag}` }),
      await connect(url, { ...opts, clientId: `b-${tag}` }),
    ];
  }

  /** Publishes at QoS 1 and returns when the broker has stamped its arrival (read the clock). */
  async function sendAndWaitArrival(
    c: MqttClient,
    topic: string,
    payload: string,
    onAck: (err?: Error) => void,
  ) {
    const reads = clockReads;
    c.publish(topic, payload, { qos: 1 }, (err) => onAck(err));
    await waitFor(() => clockReads > reads, 5000, 'the broker holds the message');
  }

  it('stamps samples with the arrival time, not the commit time', async () => {
    const [a, b] = await twoDevices('ts');
    const before = persisted.length;
    clock = T0;
    let ackedA = false;
    await sendAndWaitArrival(a, TOPIC_A, good(1), () => {
      ackedA = true;
    });
    clock = T0 + 60_000; // the clock moves on while A's message is held
    await new Promise<void>((resolve, reject) =>
      b.publish(TOPIC_B, good(2), { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
    await waitFor(() => ackedA, 5000, 'PUBACK of A');
    const mine = persisted.slice(before);
    expect(mine.filter((s) => s.machine === 'packer-a').map((s) => s.ts)).toEqual([T0, T0, T0]);
    expect(mine.filter((s) => s.machine === 'packer-b').map((s) => s.ts)).toEqual([
      T0 + 60_000,
      T0 + 60_000,
      T0 + 60_000,
    ]);
  });

  it('acknowledges a refused payload with its group, after the commit, and stores nothing of it', async () => {
    const [a, b] = await twoDevices('refused');
    const before = persisted.length;
    const rejectedBefore = ingest.machineStats('packer-a')?.rejected.wrong_type ?? 0;
    let storedAtAckOfA = -1;
    await sendAndWaitArrival(a, TOPIC_A, JSON.stringify({ temp: 'hot' }), () => {
      storedAtAckOfA = persisted.length - before;
    });
    expect(storedAtAckOfA).toBe(-1); // held: no PUBACK before its group is committed
    await new Promise<void>((resolve, reject) =>
      b.publish(TOPIC_B, good(3), { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
    await waitFor(() => storedAtAckOfA >= 0, 5000, 'PUBACK of the refused message');
    expect(storedAtAckOfA).toBe(3); // B's three samples were committed before A's PUBACK left
    expect(persisted.slice(before).map((s) => s.machine)).toEqual(['packer-b', 'packer-b', 'packer-b']);
    expect(ingest.machineStats('packer-a')?.rejected.wrong_type).toBe(rejectedBefore + 1);
  });

  it('when the commit fails: no PUBACK for the stored message, a PUBACK for the refused one', async () => {
    const [a, b] = await twoDevices('fail');
    const before = persisted.length;
    let ackedRefused = false;
    let ackedGood = false;
    const bClosed = new Promise<void>((resolve) => b.once('close', () => resolve()));
    await sendAndWaitArrival(a, TOPIC_A, '{"temp": 1, "count": ', () => {
      ackedRefused = true;
    });
    failing = true;
    b.publish(TOPIC_B, good(4), { qos: 1 }, () => {
      ackedGood = true;
    });
    await bClosed; // the broker closes B's connection without a PUBACK
    await waitFor(() => ackedRefused, 5000, 'PUBACK of the refused message');
    expect(ackedGood).toBe(false);
    expect(a.connected).toBe(true);
    expect(persisted.length).toBe(before);
    expect(broker.stats().persistFailures).toBeGreaterThanOrEqual(1);
  });
});
