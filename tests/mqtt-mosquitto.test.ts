/**
 * The gateway as a client of a real external broker (Mosquitto 2, started here on free loopback
 * ports): subscription, persistent-session catch-up across a gateway restart (MQTT 3.1.1 and 5),
 * a broker restart in the middle of a stream, and TLS with a CA made here with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  closeClients,
  configFrom,
  connect,
  mqttMachine,
  publish,
  type Recorded,
  SITE,
  startRecorded,
  waitFor,
} from './helpers/mqtt.js';
import { type Mosquitto, mosquittoAvailable, startMosquitto } from './peers/mosquitto.js';
import { hasCommand, requirePeer } from './peers/require-peer.js';

const hasMosquitto = requirePeer('mosquitto', mosquittoAvailable, {
  aptPackages: 'mosquitto mosquitto-clients',
});
const hasOpenssl = requirePeer('openssl', () => hasCommand('openssl'));

const TOPIC = 'htx/pack/packer-x/telemetry';
const payload = (n: number) => JSON.stringify({ temp: 20 + (n % 100) / 10, count: n, run: n % 2 === 0 });
const counts = (g: Recorded) =>
  new Set(g.persisted.filter((s) => s.point === 'count').map((s) => s.value as number));

function clientYaml(url: string, clientId: string, extra = ''): string {
  return `${SITE}
mqtt:
  clients:
    - id: lan
      url: ${url}
      clientId: ${clientId}
      reconnect: { baseMs: 100, maxMs: 1000 }
${extra}
machines:
${mqttMachine('packer-x', 'lan', 'htx/{line}/{machine}/telemetry')}
`;
}

const running: Recorded[] = [];
async function gateway(yaml: string): Promise<Recorded> {
  const g = await startRecorded(configFrom(yaml));
  running.push(g);
  return g;
}

afterEach(async () => {
  await closeClients();
  await Promise.all(running.splice(0).map((g) => g.mqtt.stop()));
});

async function publishAll(c: MqttClient, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) await publish(c, TOPIC, payload(n), 1);
}

describe.skipIf(!hasMosquitto)('Mosquitto as the external broker', () => {
  let broker: Mosquitto;

  beforeAll(async () => {
    broker = await startMosquitto();
  });

  afterAll(async () => {
    await broker?.kill();
  });

  it('subscribes with QoS 1 and stores what is published', async () => {
    const g = await gateway(clientYaml(broker.url, 'gw-sub'));
    await waitFor(() => g.mqtt.stats().clients[0]?.connected === true, 5000, 'gateway connected');
    await new Promise((r) => setTimeout(r, 100)); // SUBACK
    const pub = await connect(broker.url, { clientId: 'pub-1' });
    await publishAll(pub, 0, 20);
    await g.until(() => counts(g).size === 20);
    expect(g.mqtt.machineStats('packer-x')).toMatchObject({ messages: 20, accepted: 20 });
  });

  it.each([4, 5] as const)(
    'catches up, over MQTT %s, on what was published while the gateway was down',
    async (v) => {
      const yaml = clientYaml(broker.url, `gw-session-v${v}`, `      protocolVersion: ${v}`);
      const first = await gateway(yaml);
      await waitFor(() => first.mqtt.stats().clients[0]?.connected === true, 5000, 'gateway connected');
      await new Promise((r) => setTimeout(r, 100));
      const pub = await connect(broker.url, { clientId: `pub-v${v}` });
      await publishAll(pub, 0, 10);
      await first.until(() => counts(first).size === 10);
      await first.mqtt.stop(); // DISCONNECT: the session (clean=false, expiry) stays at Mosquitto
      await publishAll(pub, 10, 60); // queued by Mosquitto for the absent gateway
      const second = await gateway(yaml);
      await second.until(() => [...counts(second)].filter((n) => n >= 10).length === 50, 10_000);
      expect(second.mqtt.stats().clients[0]?.sessionPresent).toBe(true);
    },
  );

  it('commits messages that arrive together in one transaction, and sends no PUBACK when that fails', async () => {
    const g = await gateway(clientYaml(broker.url, 'gw-group'));
    await waitFor(() => g.mqtt.stats().clients[0]?.connected === true, 5000, 'gateway connected');
    await new Promise((r) => setTimeout(r, 100)); // SUBACK
    const pub = await connect(broker.url, { clientId: 'pub-group' });
    await Promise.all(Array.from({ length: 300 }, (_, n) => publish(pub, TOPIC, payload(n), 1)));
    await g.until(() => counts(g).size === 300);
    const s = g.mqtt.stats().clients[0];
    // Group commit: fewer persist calls (transactions) than messages.
    expect(s?.commits).toBeLessThan(300);
    expect(g.persisted.length).toBe(300 * 3);

    // Persist fails: nothing is acknowledged, the connection is dropped; Mosquitto keeps the
    // messages for the session and sends them again once persist works.
    g.failPersist(true);
    await Promise.all(Array.from({ length: 20 }, (_, n) => publish(pub, TOPIC, payload(1000 + n), 1)));
    await waitFor(() => (g.mqtt.stats().clients[0]?.persistFailures ?? 0) >= 1, 5000, 'a persist failure');
    expect([...counts(g)].some((n) => n >= 1000)).toBe(false);
    g.failPersist(false);
    await g.until(() => [...counts(g)].filter((n) => n >= 1000).length === 20, 10_000);
    expect(g.mqtt.stats().clients[0]?.connects).toBeGreaterThanOrEqual(2);
  });

  it('rides through a broker restart in the middle of a stream; every acknowledged message arrives', async () => {
    const g = await gateway(clientYaml(broker.url, 'gw-restart'));
    await waitFor(() => g.mqtt.stats().clients[0]?.connected === true, 5000, 'gateway connected');
    await new Promise((r) => setTimeout(r, 100));
    const pub = await connect(broker.url, { clientId: 'pub-restart', clean: false, reconnectPeriod: 100 });
    const acked = new Set<number>();
    const settled: Promise<unknown>[] = [];
    let restarted = false;
    const sending = (async () => {
      for (let n = 0; n < 300; n++) {
        const p = publish(pub, TOPIC, payload(n), 1).then(
          () => acked.add(n),
          () => undefined, // not acknowledged: the publisher knows it may be lost
        );
        settled.push(p);
        if (n === 100) {
          await p;
          await broker.restart(); // SIGTERM: Mosquitto saves its sessions, then starts again
          restarted = true;
        }
        if (n % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await sending;
    expect(restarted).toBe(true);
    await Promise.race([Promise.all(settled), new Promise((r) => setTimeout(r, 15_000))]);
    expect(acked.size).toBe(300); // mqtt.js resends what was in flight over the restart
    await g.until(() => [...acked].every((n) => counts(g).has(n)), 15_000);
    expect(g.mqtt.stats().clients[0]?.connects).toBeGreaterThanOrEqual(2);
  });
});

describe.skipIf(!hasMosquitto || !hasOpenssl)('TLS to Mosquitto', () => {
  let dir: string;
  let broker: Mosquitto;
  const f = (name: string) => join(dir, name);

  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  const sign = (name: string, by: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${by}.crt`,
      '-CAkey',
      `${by}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linegate-tls-'));
    ca('test-ca');
    ca('other-ca');
    key('server');
    sign('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    key('gateway');
    sign('gateway', 'test-ca', 'extendedKeyUsage=clientAuth\n');
    key('intruder');
    sign('intruder', 'other-ca', 'extendedKeyUsage=clientAuth\n');
    broker = await startMosquitto({
      tls: {
        cafile: f('test-ca.crt'),
        certfile: f('server.crt'),
        keyfile: f('server.key'),
        requireCertificate: true,
      },
    });
  });

  afterAll(async () => {
    await broker?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tlsYaml = (caFile: string, cert: string) =>
    clientYaml(
      `mqtts://127.0.0.1:${broker.tlsPort}`,
      `gw-tls-${cert}-${caFile.replace(/\W/g, '')}`,
      `      tls: { ca: ${f(caFile)}, cert: ${f(`${cert}.crt`)}, key: ${f(`${cert}.key`)} }`,
    );

  it('connects with the right CA and a client certificate the broker trusts', async () => {
    const g = await gateway(tlsYaml('test-ca.crt', 'gateway'));
    await waitFor(() => g.mqtt.stats().clients[0]?.connected === true, 5000, 'TLS connection');
    await new Promise((r) => setTimeout(r, 100));
    const pub = await connect(broker.url, { clientId: 'pub-tls' });
    await publishAll(pub, 0, 5);
    await g.until(() => counts(g).size === 5);
  });

  it('refuses a broker certificate from another CA with a clear LG_MQTT_TLS error, and stays off', async () => {
    const g = await gateway(tlsYaml('other-ca.crt', 'gateway'));
    await waitFor(() => g.mqtt.stats().clients[0]?.lastError !== null, 5000, 'an error');
    const s = g.mqtt.stats().clients[0];
    expect(s?.lastError?.code).toBe('LG_MQTT_TLS');
    expect(s?.lastError?.message).toMatch(/not trusted.*tls\.ca/);
    await new Promise((r) => setTimeout(r, 500)); // a few reconnects later: still TLS, still refused
    expect(g.mqtt.stats().clients[0]?.connected).toBe(false);
    expect(g.mqtt.stats().clients[0]?.connects).toBe(0);
  });

  it('is refused by the broker when its client certificate is from another CA', async () => {
    const g = await gateway(tlsYaml('test-ca.crt', 'intruder'));
    await waitFor(() => g.mqtt.stats().clients[0]?.lastError !== null, 5000, 'an error');
    expect(g.mqtt.stats().clients[0]?.lastError?.code).toBe('LG_MQTT_TLS');
    expect(g.mqtt.stats().clients[0]?.connects).toBe(0);
  });
});
