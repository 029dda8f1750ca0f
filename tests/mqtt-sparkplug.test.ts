import type { MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSparkplug } from '../gateway/sinks/mqtt-uplink/sparkplug.js';
import { connect, waitFor } from './helpers/mqtt.js';
import { firsts, range, SITE_ID, startGateway, uplinkConfig, uplinkTestState } from './helpers/uplink.js';
import { type Mosquitto, mosquittoAvailable, startMosquitto } from './peers/mosquitto.js';
import { requirePeer } from './peers/require-peer.js';

const hasMosquitto = requirePeer('mosquitto', mosquittoAvailable, {
  aptPackages: 'mosquitto mosquitto-clients',
});

const GROUP = 'coop';
const num = (v: unknown): number =>
  typeof v === 'number'
    ? v
    : v === null || v === undefined
      ? Number.NaN
      : (v as { toNumber(): number }).toNumber();

interface Seen {
  readonly type: string;
  readonly device: string | null;
  readonly seq: number;
  readonly metrics: { name: string; value: unknown; historical: boolean }[];
}

/** Subscribes to the whole Sparkplug namespace and decodes every message in arrival order. */
async function host(
  url: string,
  clientId: string,
  clean = true,
): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await connect(url, { clientId, clean, reconnectPeriod: 0 });
  const seen: Seen[] = [];
  client.on('message', (topic, payload) => {
    const [, , type = '', , device = null] = topic.split('/');
    if (type === 'NCMD') return; // its own commands
    const p = decodeSparkplug(payload);
    seen.push({
      type,
      device,
      seq: num(p.seq),
      metrics: (p.metrics ?? []).map((m) => ({
        name: m.name ?? '',
        value: typeof m.value === 'object' && m.value !== null ? num(m.value) : m.value,
        historical: m.isHistorical === true,
      })),
    });
  });
  await client.subscribeAsync(`spBv1.0/${GROUP}/#`, { qos: 1 });
  return { client, seen };
}

const sparkplugConfig = (url: string, clientId: string, extra = '') =>
  uplinkConfig(url, clientId, `    format: sparkplug-b\n${extra}`);
const values = (seen: readonly Seen[]) =>
  seen
    .filter((s) => s.type === 'DDATA')
    .flatMap((s) => s.metrics.filter((m) => m.name === 'w').map((m) => m.value));

const { tempDir, gateways } = uplinkTestState('linegate-sparkplug-');

describe.skipIf(!hasMosquitto)('Sparkplug B uplink to Mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.kill();
  });

  it('births the node and each device before data, numbers messages in order, delivers every value', async () => {
    const h = await host(broker.url, 'scada-1');
    const g = startGateway(tempDir(), sparkplugConfig(broker.url, 'gw-sp'));
    gateways.push(g);
    g.append(0, 600);
    await waitFor(() => values(h.seen).length >= 600, 10_000, '600 values');
    await waitFor(() => g.sink.status().queueDepth === 0, 5000, 'outbox drained');
    expect(firsts(values(h.seen))).toEqual(range(600));

    const [nbirth] = h.seen;
    expect(nbirth).toMatchObject({ type: 'NBIRTH', seq: 0, device: null });
    expect(nbirth?.metrics.map((m) => m.name)).toEqual(['bdSeq', 'Node Control/Rebirth']);
    for (const device of ['packer-1', 'packer-2']) {
      const birth = h.seen.findIndex((s) => s.type === 'DBIRTH' && s.device === device);
      const data = h.seen.findIndex((s) => s.type === 'DDATA' && s.device === device);
      expect(birth).toBeGreaterThan(0);
      expect(birth).toBeLessThan(data);
    }
    // seq: 0 at NBIRTH, then +1 per message of the node, wrapping at 256.
    h.seen.forEach((s, i) => {
      if (i > 0) expect(s.seq).toBe(i % 256);
    });
    // Machine state is a metric of the device (not a JSON topic): 12 state rows (n % 50 === 0).
    const states = h.seen.flatMap((s) => s.metrics.filter((m) => m.name === 'state').map((m) => m.value));
    expect(states.filter((v) => v === 'running' || v === 'idle').length).toBeGreaterThanOrEqual(12);
    expect(h.seen.some((s) => s.metrics.some((m) => m.historical))).toBe(false);
  });

  it('answers a Rebirth command, and the broker sends the NDEATH will with the same bdSeq', async () => {
    const h = await host(broker.url, 'scada-2');
    const g = startGateway(tempDir(), sparkplugConfig(broker.url, 'gw-sp-rebirth'));
    gateways.push(g);
    g.append(0, 20);
    await waitFor(() => values(h.seen).length >= 20, 5000, 'first values');
    const bdSeq = h.seen.find((s) => s.type === 'NBIRTH')?.metrics[0]?.value;

    const codec = sparkplugPayload.get('spBv1.0');
    const cmd = codec?.encodePayload({
      timestamp: Date.now(),
      metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
    });
    h.seen.length = 0;
    await h.client.publishAsync(`spBv1.0/${GROUP}/NCMD/${SITE_ID}`, Buffer.from(cmd ?? new Uint8Array()));
    await waitFor(() => h.seen.filter((s) => s.type === 'DBIRTH').length >= 2, 5000, 'rebirth');
    expect(h.seen[0]).toMatchObject({ type: 'NBIRTH', seq: 0 });
    expect(h.seen[0]?.metrics[0]?.value).toBe(bdSeq);
    expect(h.seen.filter((s) => s.type === 'DBIRTH').map((s) => s.device)).toEqual(['packer-1', 'packer-2']);
    // The DBIRTH carries the latest value: 18 for packer-1, 19 for packer-2.
    expect(h.seen.find((s) => s.device === 'packer-2')?.metrics.find((m) => m.name === 'w')?.value).toBe(19);

    // The connection dies without DISCONNECT (another client takes the id): NDEATH, same bdSeq.
    await connect(broker.url, { clientId: 'gw-sp-rebirth' });
    await waitFor(() => h.seen.some((s) => s.type === 'NDEATH'), 5000, 'NDEATH');
    expect(h.seen.find((s) => s.type === 'NDEATH')?.metrics[0]).toMatchObject({
      name: 'bdSeq',
      value: bdSeq,
    });
    // The next rows open a new session: a new NBIRTH with the next bdSeq, births again.
    g.append(20, 30);
    await waitFor(() => values(h.seen).includes(29), 5000, 'values after the new session');
    const births = h.seen.filter((s) => s.type === 'NBIRTH');
    expect(births.at(-1)?.metrics[0]?.value).toBe((num(bdSeq) + 1) % 256);
  });

  it('replays what was queued during an outage in order, marked is_historical, nothing lost', async () => {
    // A persistent session (clean: false): Mosquitto keeps the QoS 1 DDATA for it while it is away.
    const h = await host(broker.url, 'scada-3', false);
    const g = startGateway(
      tempDir(),
      sparkplugConfig(broker.url, 'gw-sp-outage', '    sparkplug: { historicalAfterS: 1 }\n'),
    );
    gateways.push(g);
    g.append(0, 100);
    await waitFor(() => values(h.seen).length >= 100, 5000, 'first 100');
    await broker.stop();
    g.append(100, 400);
    await new Promise((r) => setTimeout(r, 1500)); // older than historicalAfterS when sent
    await broker.start();
    const again = await host(broker.url, 'scada-3', false);
    await waitFor(() => values(again.seen).filter((v) => num(v) >= 100).length >= 300, 20_000, 'the backlog');
    await waitFor(() => g.sink.status().queueDepth === 0, 5000, 'outbox drained');
    const replayed = again.seen
      .filter((s) => s.type === 'DDATA')
      .flatMap((s) => s.metrics.filter((m) => m.name === 'w'));
    expect(firsts(replayed.map((m) => m.value)).filter((v) => num(v) >= 100)).toEqual(
      range(300).map((i) => i + 100),
    );
    expect(replayed.filter((m) => num(m.value) >= 100).every((m) => m.historical)).toBe(true);
    expect(h.seen.some((s) => s.metrics.some((m) => m.historical))).toBe(false); // live before the outage
  });
});
