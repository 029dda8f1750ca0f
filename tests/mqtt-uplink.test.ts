/**
 * The MQTT uplink against a real Mosquitto 2 (started here on free loopback ports): outbox rows
 * leave only after the broker's PUBACK and arrive in order; an outage of the broker (stopped
 * for a while, also across a gateway restart) loses nothing; retained machine state and
 * gateway status for a late subscriber; TLS with a CA made here with openssl, a broker
 * certificate from another CA refused with LG_MQTT_TLS.
 * The gateway side is the real store (SQLite outbox), the registry's encoder and writer for a
 * config with an `mqtt-uplink` sink, and the runner that InfluxDB sinks use.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, waitFor } from './helpers/mqtt.js';
import { firsts, PREFIX, range, startGateway, uplinkConfig, uplinkTestState } from './helpers/uplink.js';
import { type Mosquitto, mosquittoAvailable, startMosquitto } from './peers/mosquitto.js';
import { hasCommand, requirePeer } from './peers/require-peer.js';

const hasMosquitto = requirePeer('mosquitto', mosquittoAvailable, {
  aptPackages: 'mosquitto mosquitto-clients',
});
const hasOpenssl = requirePeer('openssl', () => hasCommand('openssl'));

/** A subscriber to the whole uplink tree that records sample values and state rows in arrival order. */
interface Recorder {
  readonly client: MqttClient;
  readonly values: number[];
  readonly states: { machine: string; n: number; retained: boolean }[];
  readonly status: { state: string; retained: boolean }[];
}

function record(client: MqttClient): Recorder {
  const r: Recorder = { client, values: [], states: [], status: [] };
  client.on('message', (topic, payload, packet) => {
    const body = JSON.parse(payload.toString());
    if (topic.endsWith('/telemetry')) for (const s of body) r.values.push(s.value);
    else if (topic.endsWith('/state'))
      r.states.push({ machine: topic.split('/')[3] ?? '', n: body.n, retained: packet.retain });
    else if (topic.endsWith('/gateway/status')) r.status.push({ state: body.state, retained: packet.retain });
  });
  return r;
}

async function subscriber(url: string, clientId: string, clean = true): Promise<Recorder> {
  const c = await connect(url, { clientId, clean, reconnectPeriod: clean ? 0 : 100 });
  const r = record(c);
  await c.subscribeAsync(`${PREFIX}/#`, { qos: 1 });
  return r;
}

const { tempDir, gateways } = uplinkTestState('linegate-uplink-');

describe.skipIf(!hasMosquitto)('MQTT uplink to Mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.kill();
  });

  it('delivers every row in outbox order and acks the outbox only after the PUBACKs', async () => {
    const sub = await subscriber(broker.url, 'central-1');
    const g = startGateway(tempDir(), uplinkConfig(broker.url, 'gw-order'));
    gateways.push(g);
    g.append(0, 1000);
    await waitFor(() => sub.values.length >= 1000, 10_000, '1000 samples');
    expect(firsts(sub.values)).toEqual(range(1000));
    await waitFor(() => g.sink.status().queueDepth === 0, 5000, 'outbox drained');
    expect(sub.states.filter((s) => !s.retained).map((s) => s.n)).toEqual(range(20).map((i) => i * 50));
    expect(sub.status[0]).toEqual({ state: 'online', retained: false });
    expect(g.sink.status()).toMatchObject({ lastError: null, linesQuarantined: 0 });
  });

  it('keeps machine state and gateway status retained for a late subscriber; offline at stop', async () => {
    const g = startGateway(tempDir(), uplinkConfig(broker.url, 'gw-retain'));
    gateways.push(g);
    g.append(0, 151); // last states: packer-1 n=100, packer-2 n=150
    await waitFor(() => g.sink.status().queueDepth === 0 && g.sink.status().pointsSent > 0, 5000, 'sent');
    const late = await subscriber(broker.url, 'late-1');
    await waitFor(() => late.states.length >= 2 && late.status.length >= 1, 5000, 'retained messages');
    expect(late.values).toEqual([]); // telemetry is not retained
    expect(late.states.sort((a, b) => a.machine.localeCompare(b.machine))).toEqual([
      { machine: 'packer-1', n: 100, retained: true },
      { machine: 'packer-2', n: 150, retained: true },
    ]);
    expect(late.status).toEqual([{ state: 'online', retained: true }]);
    await g.stop();
    gateways.splice(gateways.indexOf(g), 1);
    await waitFor(() => late.status.length >= 2, 5000, 'offline status');
    expect(late.status[1]?.state).toBe('offline');
  });

  it('has the broker publish the retained offline will when the connection dies without DISCONNECT', async () => {
    const g = startGateway(tempDir(), uplinkConfig(broker.url, 'gw-will'));
    gateways.push(g);
    g.append(0, 10);
    await waitFor(() => g.sink.status().queueDepth === 0, 5000, 'sent');
    const watcher = await subscriber(broker.url, 'watch-will');
    await waitFor(() => watcher.status.length >= 1, 5000, 'retained online');
    // A second connection with the gateway's client id: Mosquitto closes the first one, which
    // did not say DISCONNECT, so its will goes out.
    await connect(broker.url, { clientId: 'gw-will' });
    await waitFor(() => watcher.status.some((s) => s.state === 'offline'), 5000, 'the will');
    expect(watcher.status.at(-1)).toEqual({ state: 'offline', retained: false });
    // The next rows reconnect the uplink, which says online again.
    g.append(10, 20);
    await waitFor(() => watcher.status.at(-1)?.state === 'online', 5000, 'online again');
  });

  it('loses nothing while the broker is down, also across a gateway restart, and keeps the order', async () => {
    const sub = await subscriber(broker.url, 'central-outage', false);
    const dir = tempDir();
    const c = uplinkConfig(broker.url, 'gw-outage');
    let g = startGateway(dir, c);
    gateways.push(g);
    g.append(0, 300);
    await waitFor(() => sub.values.length >= 300, 10_000, 'first 300');

    await broker.stop();
    g.append(300, 600); // collected while the uplink is down
    await waitFor(() => g.sink.status().lastError !== null, 5000, 'an uplink error');
    expect(g.sink.status().queueDepth).toBeGreaterThanOrEqual(300);
    await g.stop(); // gateway restart with the broker still down
    gateways.splice(0);
    g = startGateway(dir, c);
    gateways.push(g);
    g.append(600, 900);
    await new Promise((r) => setTimeout(r, 500)); // a few failed attempts
    expect(g.sink.status().queueDepth).toBeGreaterThanOrEqual(600);

    await broker.start();
    g.append(900, 1000);
    await waitFor(() => new Set(sub.values).size >= 1000, 20_000, 'all 1000 samples');
    expect(firsts(sub.values)).toEqual(range(1000));
    await waitFor(() => g.sink.status().queueDepth === 0, 5000, 'outbox drained');
    expect(sub.states.length).toBeGreaterThanOrEqual(20);
    expect(firsts(sub.states.filter((s) => !s.retained).map((s) => s.n))).toEqual(
      range(20).map((i) => i * 50),
    );
  });

  it('reports refused credentials as auth-failed and keeps every row', async () => {
    const closed = await startMosquitto({ persistence: false, extra: ['allow_anonymous false'] });
    try {
      const g = startGateway(tempDir(), uplinkConfig(closed.url, 'gw-anon'));
      gateways.push(g);
      g.append(0, 10);
      await waitFor(() => g.sink.status().state === 'auth-failed', 5000, 'auth-failed');
      expect(g.sink.status()).toMatchObject({ pointsSent: 0, queueDepth: 11 });
      expect(g.sink.status().lastError?.message).toMatch(/not authorized/);
    } finally {
      await closed.kill();
    }
  });
});

describe.skipIf(!hasMosquitto || !hasOpenssl)('MQTT uplink over TLS', () => {
  let dir: string;
  let broker: Mosquitto;
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );

  beforeAll(async () => {
    dir = tempDir();
    ca('test-ca');
    ca('other-ca');
    openssl('req', ...ecKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=server');
    writeFileSync(
      f('server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'test-ca.crt',
      '-CAkey',
      'test-ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    );
    broker = await startMosquitto({
      tls: { cafile: f('test-ca.crt'), certfile: f('server.crt'), keyfile: f('server.key') },
    });
  });
  afterAll(async () => {
    await broker?.kill();
  });

  it('publishes over TLS with the right CA', async () => {
    const sub = await subscriber(broker.url, 'central-tls');
    const g = startGateway(
      tempDir(),
      uplinkConfig(`mqtts://127.0.0.1:${broker.tlsPort}`, 'gw-tls', `    tls: { ca: ${f('test-ca.crt')} }`),
    );
    gateways.push(g);
    g.append(0, 100);
    await waitFor(() => sub.values.length >= 100, 10_000, '100 samples over TLS');
    expect(firsts(sub.values)).toEqual(range(100));
  });

  it('refuses a broker certificate from another CA with a clear LG_MQTT_TLS error and keeps every row', async () => {
    const sub = await subscriber(broker.url, 'central-bad-tls');
    const g = startGateway(
      tempDir(),
      uplinkConfig(
        `mqtts://127.0.0.1:${broker.tlsPort}`,
        'gw-bad-tls',
        `    tls: { ca: ${f('other-ca.crt')} }`,
      ),
    );
    gateways.push(g);
    g.append(0, 100);
    await waitFor(() => g.sink.status().lastError !== null, 5000, 'an error');
    const s = g.sink.status();
    expect(s.lastError?.code).toBe('LG_MQTT_TLS');
    expect(s.lastError?.message).toMatch(/certificate is not trusted.*tls\.ca/);
    await new Promise((r) => setTimeout(r, 700)); // slow retries: TLS again, refused again
    expect(g.sink.status()).toMatchObject({ state: 'refused', pointsSent: 0, queueDepth: 102 });
    expect(sub.values).toEqual([]);
  });
});

describe('mqtt-uplink config', () => {
  it('refuses TLS settings on a plain mqtt:// url', () => {
    expect(() => uplinkConfig('mqtt://127.0.0.1:1883', 'gw', '    tls: { ca: ca.pem }')).toThrow(
      /sinks\.0\.url.*tls needs an mqtts:\/\/ url|tls needs an mqtts:\/\/ url/s,
    );
  });
});
