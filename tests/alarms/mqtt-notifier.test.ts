import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttNotifier } from '../../gateway/alarms/notifiers/mqtt.js';
import { Dispatcher } from '../../gateway/alarms/notify/dispatcher.js';
import { NotifyQueue, type OutgoingMessage } from '../../gateway/alarms/notify/queue-store.js';
import { silentLog, type TempAlarmDb, tempAlarmDb } from '../../gateway/alarms/testdata/fixtures.js';
import { freePort } from '../peers/free-port.js';
import { type Mosquitto, mosquittoAvailable, startMosquitto } from '../peers/mosquitto.js';
import { requirePeer } from '../peers/require-peer.js';

/**
 * The MQTT notifier against a real Mosquitto: the broker is down while alarms are queued
 * (every attempt fails and is kept), then comes up; each message arrives once, in order, on the
 * topic with site, line and machine filled in.
 */
const hasMosquitto = requirePeer('mosquitto', mosquittoAvailable, {
  aptPackages: 'mosquitto mosquitto-clients',
});

let t: TempAlarmDb | null = null;
let broker: Mosquitto | null = null;
let sub: MqttClient | null = null;
let dispatcher: Dispatcher | null = null;
afterEach(async () => {
  await dispatcher?.stop();
  await sub?.endAsync(true);
  await broker?.kill();
  t?.cleanup();
  dispatcher = null;
  sub = null;
  broker = null;
  t = null;
});

const msg = (i: number): OutgoingMessage => ({
  kind: 'alarm',
  severity: 2,
  subject: `s${i}`,
  text: `Cảnh báo ${i}`,
  data: { id: `m${i}.hot`, machine: `m${i}`, line: 'rice-crust' },
});

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!hasMosquitto)('MQTT notifier (Mosquitto)', () => {
  it('broker down, then up: every message once, in order', { timeout: 30_000 }, async () => {
    const port = await freePort();
    t = tempAlarmDb();
    const queue = NotifyQueue.open(t.db);
    const notifier = new MqttNotifier({
      id: 'mq',
      url: `mqtt://127.0.0.1:${port}`,
      topic: 'linegate/{site}/{line}/{machine}/alarms',
      site: 'htx',
      timeoutMs: 2000,
    });
    // A long backoff: the test ends the pause itself once the subscriber listens.
    dispatcher = new Dispatcher({
      queue,
      notifier,
      log: silentLog,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    dispatcher.start();
    queue.enqueue(
      [1, 2, 3].map((i) => ({ dedup: `a:${i}:mq`, channel: 'mq', due: 0, message: msg(i) })),
      Date.now(),
    );
    dispatcher.kick();
    await until('a failed attempt', () => (dispatcher?.stats().failed ?? 0) >= 1);
    expect(queue.backlog('mq').pending).toBe(3);
    expect(queue.backlog('mq').lastError).not.toBeNull();

    broker = await startMosquitto({ persistence: false, extra: [`listener ${port} 127.0.0.1`] });
    const got: { topic: string; text: string }[] = [];
    sub = await connectAsync(broker.url);
    await sub.subscribeAsync('linegate/#', { qos: 1 });
    sub.on('message', (topic, payload) =>
      got.push({ topic, text: (JSON.parse(payload.toString()) as { text: string }).text }),
    );
    dispatcher.retryNow();
    await until('3 messages', () => got.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(
      [1, 2, 3].map((i) => ({ topic: `linegate/htx/rice-crust/m${i}/alarms`, text: `Cảnh báo ${i}` })),
    );
    expect(queue.backlog('mq').pending).toBe(0);
  });
});
