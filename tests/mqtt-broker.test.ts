/**
 * The embedded broker against real clients: mqtt.js, raw sockets and mosquitto_pub.
 * Authentication, ACL, limits, persist-before-PUBACK, and a fuzz of 100 000 buffers.
 */
import { execFile } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../gateway/sources/mqtt/password.js';
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
import { freePort } from './peers/free-port.js';
import { mosquittoAvailable } from './peers/mosquitto.js';
import { requirePeer } from './peers/require-peer.js';

const hasMosquittoClients = requirePeer('mosquitto', mosquittoAvailable, {
  aptPackages: 'mosquitto mosquitto-clients',
});

const PW_A = 'a-very-secret-1';
const PW_B = 'b-very-secret-2';
const HASH_A = hashPassword(PW_A);
const HASH_B = hashPassword(PW_B);

function brokerYaml(port: number, limits: string): string {
  return `${SITE}
mqtt:
  broker:
    port: ${port}
    users:
      - username: packer-a
        passwordHash: '${HASH_A}'
        publish: ['htx/pack/{username}/#']
        subscribe: ['htx/pack/{username}/cmd/#']
      - username: packer-b
        passwordHash: '${HASH_B}'
        publish: ['htx/pack/packer-b/#']
    limits: { ${limits} }
machines:
${mqttMachine('packer-a', 'broker', 'htx/{line}/{machine}/telemetry')}
${mqttMachine('packer-b', 'broker', 'htx/{line}/{machine}/telemetry')}
`;
}

const payload = (n: number) => JSON.stringify({ temp: 20 + n / 10, count: n, run: true });

afterEach(async () => {
  await closeClients();
});

describe('embedded broker: logins, ACL, limits, durability', () => {
  let port: number;
  let gw: Recorded;
  let url: string;

  beforeAll(async () => {
    port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    gw = await startRecorded(
      configFrom(
        brokerYaml(
          port,
          'maxConnections: 50, maxPacketBytes: 4096, connectTimeoutMs: 1000, maxClientIdLength: 32',
        ),
      ),
    );
  });

  afterAll(async () => {
    await gw?.mqtt.stop();
  });

  it('stores a device’s QoS 1 message before its PUBACK', async () => {
    const c = await connect(url, { username: 'packer-a', password: PW_A, clientId: 'esp32-a' });
    const before = gw.persisted.length;
    let persistedAtAck = -1;
    await new Promise<void>((resolve, reject) =>
      c.publish('htx/pack/packer-a/telemetry', payload(7), { qos: 1 }, (err) => {
        persistedAtAck = gw.persisted.length - before; // what was committed when the PUBACK arrived
        err ? reject(err) : resolve();
      }),
    );
    expect(persistedAtAck).toBe(3);
    expect(gw.persisted.slice(before).map((s) => [s.machine, s.point, s.value])).toEqual([
      ['packer-a', 'temp', 20.7],
      ['packer-a', 'count', 7],
      ['packer-a', 'run', true],
    ]);
    expect(gw.mqtt.machineStats('packer-a')).toMatchObject({ accepted: 1 });
  });

  it('refuses a wrong password, an unknown user and no credentials with the same answer', async () => {
    const errors: string[] = [];
    for (const opts of [
      { username: 'packer-a', password: 'wrong' },
      { username: 'nobody', password: 'wrong' },
      {},
      { username: 'packer-a' },
    ]) {
      const err = await connect(url, { ...opts, clientId: 'x' }).then(
        () => null,
        (e: Error & { code?: number }) => e,
      );
      expect(err, JSON.stringify(opts)).not.toBeNull();
      errors.push(`${err?.code}: ${err?.message}`);
    }
    expect(new Set(errors).size, errors.join('\n')).toBe(1);
    expect(errors[0]).toMatch(/^4: .*bad user ?name or password/i);
    expect(gw.mqtt.stats().broker?.authRefused).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!hasMosquittoClients)(
    'refuses mosquitto_pub without the right password, accepts it with',
    async () => {
      // Asynchronous: the broker runs in this process and must keep answering.
      const pub = (...extra: string[]) =>
        new Promise<{ status: number | null; stderr: string }>((resolve) =>
          execFile(
            'mosquitto_pub',
            [
              '-h',
              '127.0.0.1',
              '-p',
              String(port),
              '-q',
              '1',
              '-t',
              'htx/pack/packer-b/telemetry',
              '-m',
              payload(1),
              ...extra,
            ],
            { encoding: 'utf8', timeout: 10_000 },
            (err, _stdout, stderr) =>
              resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stderr }),
          ),
        );
      const none = await pub();
      expect(none.status).not.toBe(0);
      expect(none.stderr).toMatch(/bad user name or password/i);
      const wrong = await pub('-u', 'packer-b', '-P', 'nope');
      expect(wrong.status).not.toBe(0);
      expect(wrong.stderr).toMatch(/bad user name or password/i);
      const before = gw.persisted.length;
      const good = await pub('-u', 'packer-b', '-P', PW_B, '-i', 'mosq-b');
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
      expect(gw.persisted.slice(before).filter((s) => s.machine === 'packer-b')).toHaveLength(3);
    },
  );

  it('closes device A’s connection when it publishes to device B’s topic, and stores nothing', async () => {
    const c = await connect(url, { username: 'packer-a', password: PW_A, clientId: 'esp32-a2' });
    const before = gw.persisted.length;
    const refusedBefore = gw.mqtt.stats().broker?.publishRefused ?? 0;
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('htx/pack/packer-b/telemetry', payload(99), { qos: 1 });
    await closed;
    expect(gw.persisted.length).toBe(before);
    expect(gw.mqtt.stats().broker?.publishRefused).toBe(refusedBefore + 1);
    // $SYS is nobody's to publish to either.
    const d = await connect(url, { username: 'packer-a', password: PW_A, clientId: 'esp32-a3' });
    const closedD = new Promise<void>((resolve) => d.once('close', () => resolve()));
    d.publish('$SYS/broker/uptime', '1', { qos: 1 });
    await closedD;
  });

  it('refuses # and $SYS/# and filters beyond the grant (SUBACK 0x80), grants its own', async () => {
    const c = await connect(url, { username: 'packer-a', password: PW_A, clientId: 'esp32-a4' });
    const granted = await new Promise<number[]>((resolve, reject) =>
      c.subscribe(
        {
          '#': { qos: 1 },
          '$SYS/#': { qos: 1 },
          'htx/pack/+/telemetry': { qos: 1 },
          'htx/pack/packer-b/cmd/#': { qos: 1 },
          'htx/pack/packer-a/cmd/#': { qos: 1 },
          'htx/pack/packer-a/cmd/speed': { qos: 0 },
        },
        // mqtt.js reports a SUBACK with any 0x80 as an error that carries the packet.
        (err, g) => {
          const codes = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted;
          if (codes) resolve(codes);
          else if (err) reject(err);
          else resolve((g ?? []).map((x) => x.qos));
        },
      ),
    );
    expect(granted).toEqual([128, 128, 128, 128, 1, 0]);
    expect(c.connected).toBe(true);
  });

  it('does not acknowledge when persist fails; the message is stored after a reconnect', async () => {
    const c = await connect(url, {
      username: 'packer-a',
      password: PW_A,
      clientId: 'esp32-a5',
      clean: false,
    });
    gw.failPersist(true);
    let acked = false;
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('htx/pack/packer-a/telemetry', payload(4242), { qos: 1 }, () => {
      acked = true;
    });
    await closed;
    expect(acked).toBe(false);
    expect(gw.persisted.some((s) => s.value === 4242)).toBe(false);
    gw.failPersist(false);
    await waitFor(() => !c.connected, 2000, 'the device sees the close');
    // The device comes back with the same session and sends the unacknowledged PUBLISH again.
    c.reconnect({ incomingStore: c.incomingStore, outgoingStore: c.outgoingStore });
    await waitFor(() => acked, 5000, 'PUBACK after the reconnect');
    expect(gw.persisted.filter((s) => s.value === 4242)).toHaveLength(1);
    expect(gw.mqtt.stats().broker?.persistFailures).toBeGreaterThanOrEqual(1);
  });

  it('closes a connection that sends a packet over maxPacketBytes, before buffering it', async () => {
    const c = await connect(url, { username: 'packer-a', password: PW_A, clientId: 'esp32-a6' });
    const before = gw.persisted.length;
    const oversize = gw.mqtt.stats().broker?.oversizePackets ?? 0;
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('htx/pack/packer-a/telemetry', JSON.stringify({ temp: 1, pad: 'x'.repeat(5000) }), { qos: 1 });
    await closed;
    expect(gw.persisted.length).toBe(before);
    expect(gw.mqtt.stats().broker?.oversizePackets).toBe(oversize + 1);
    // A raw header announcing 200 MB is refused on its first bytes.
    const s = await rawSocket(port);
    const gone = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    await gone;
  });

  it('refuses a client id longer than maxClientIdLength', async () => {
    await expect(
      connect(url, { username: 'packer-a', password: PW_A, clientId: 'x'.repeat(40) }),
    ).rejects.toThrow();
  });

  it('holds 1 000 simultaneous connections to maxConnections (50) and serves again afterwards', async () => {
    const sockets: Socket[] = [];
    let connacks = 0;
    let closedEarly = 0;
    const connectPkt = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: '',
      keepalive: 30,
      username: 'packer-a',
      password: Buffer.from(PW_A),
    });
    const rssBefore = process.memoryUsage().rss;
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        rawSocket(port)
          .then((s) => {
            sockets.push(s);
            s.on('data', (d: Buffer) => {
              if (d[0] === 0x20 && d[3] === 0) connacks++;
            });
            s.on('close', () => closedEarly++);
            s.write(
              mqttPacket.generate({
                cmd: 'connect',
                protocolId: 'MQTT',
                protocolVersion: 4,
                clean: true,
                clientId: `flood-${i}`,
                keepalive: 30,
                username: 'packer-a',
                password: Buffer.from(PW_A),
              }),
            );
          })
          .catch(() => {
            closedEarly++;
          }),
      ),
    );
    expect(connectPkt.length).toBeGreaterThan(0);
    await waitFor(() => connacks + closedEarly >= 1000, 20_000, 'every connection answered or closed');
    await new Promise((r) => setTimeout(r, 300));
    expect(connacks).toBeGreaterThan(0);
    expect(connacks).toBeLessThanOrEqual(50);
    expect(gw.mqtt.stats().broker?.clients).toBeLessThanOrEqual(50);
    expect(gw.mqtt.stats().broker?.overConnectionLimit).toBeGreaterThanOrEqual(900);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    for (const s of sockets) s.destroy();
    await waitFor(() => (gw.mqtt.stats().broker?.clients ?? 99) === 0, 5000, 'clients gone');
    const c = await connect(url, { username: 'packer-a', password: PW_A, clientId: 'after-flood' });
    await publish(c, 'htx/pack/packer-a/telemetry', payload(5));
  });
});

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** xorshift32: the fuzz is the same on every run (seed in the test name). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('embedded broker: fuzz', () => {
  let port: number;
  let gw: Recorded;

  beforeAll(async () => {
    port = await freePort();
    gw = await startRecorded(
      configFrom(brokerYaml(port, 'maxConnections: 200, maxPacketBytes: 2048, connectTimeoutMs: 500')),
    );
  });

  afterAll(async () => {
    await gw?.mqtt.stop();
  });

  it('survives 100 000 random and mutated packets (seed 20261126) with bounded memory', async () => {
    const rnd = prng(20261126);
    const int = (n: number) => Math.floor(rnd() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const valid = (): Buffer => {
      const topic = ['htx/pack/packer-a/telemetry', 'htx/pack/packer-b/telemetry', '#', '$SYS/x', 'a/+/b'][
        int(5)
      ] as string;
      const pick = int(7);
      const packet =
        pick === 0
          ? {
              cmd: 'publish' as const,
              topic,
              payload: payload(int(1000)),
              qos: int(2) as 0 | 1,
              messageId: 1 + int(65534),
              retain: false,
              dup: false,
            }
          : pick === 1
            ? {
                cmd: 'subscribe' as const,
                messageId: 1 + int(65534),
                subscriptions: [{ topic, qos: int(2) as 0 | 1 }],
              }
            : pick === 2
              ? { cmd: 'pingreq' as const }
              : pick === 3
                ? { cmd: 'puback' as const, messageId: 1 + int(65534) }
                : pick === 4
                  ? { cmd: 'unsubscribe' as const, messageId: 1 + int(65534), unsubscriptions: [topic] }
                  : pick === 5
                    ? {
                        cmd: 'connect' as const,
                        protocolId: 'MQTT',
                        protocolVersion: 4 as const,
                        clean: true,
                        clientId: `f${int(1e6)}`,
                        keepalive: int(100),
                      }
                    : { cmd: 'disconnect' as const };
      return mqttPacket.generate(packet as mqttPacket.Packet);
    };
    const mutate = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      switch (int(4)) {
        case 0: // flip bytes
          for (let k = 0; k <= int(4); k++) if (out.length > 0) out[int(out.length)] = int(256);
          return out;
        case 1: // cut short
          return out.subarray(0, int(out.length + 1));
        case 2: // a lying remaining length
          return Buffer.concat([
            out.subarray(0, 1),
            Buffer.from([0xff, 0xff, 0xff, int(0x80)]),
            out.subarray(2),
          ]);
        default: // random bytes inserted
          return Buffer.concat([
            out.subarray(0, int(out.length)),
            bytes(1 + int(16)),
            out.subarray(int(out.length)),
          ]);
      }
    };
    const next = (): Buffer => {
      const r = rnd();
      if (r < 0.4) return bytes(1 + int(256));
      if (r < 0.8) return mutate(valid());
      return valid();
    };
    const login = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'fuzzer',
      keepalive: 30,
      username: 'packer-a',
      password: Buffer.from(PW_A),
    });

    const TOTAL = 100_000;
    const PER_CONNECTION = 25;
    let thrown = 0;
    const rss: number[] = [process.memoryUsage().rss];
    const one = async (): Promise<void> => {
      const s = await rawSocket(port).catch(() => null);
      if (!s) return;
      const parts: Buffer[] = rnd() < 0.5 ? [login] : [];
      for (let k = 0; k < PER_CONNECTION && thrown < TOTAL; k++, thrown++) parts.push(next());
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.destroy();
          resolve();
        }, 2000);
        s.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.on('data', () => undefined);
        s.end(Buffer.concat(parts));
      });
    };
    const t0 = Date.now();
    while (thrown < TOTAL) {
      await Promise.all(Array.from({ length: 100 }, one));
      if (rss.length < 1000) rss.push(process.memoryUsage().rss);
      if (Date.now() - t0 > 60_000) throw new Error(`fuzz too slow: ${thrown} in 60 s`);
    }
    expect(thrown).toBe(TOTAL);
    const growthMb = (Math.max(...rss) - (rss[0] ?? 0)) / 1024 / 1024;
    expect(growthMb, `RSS grew by ${growthMb.toFixed(1)} MB`).toBeLessThan(150);
    // Still serving, and nothing malformed was stored.
    expect(gw.persisted.every((s) => typeof s.value === 'number' || typeof s.value === 'boolean')).toBe(true);
    const c = await connect(`mqtt://127.0.0.1:${port}`, {
      username: 'packer-b',
      password: PW_B,
      clientId: 'after-fuzz',
    });
    const before = gw.persisted.length;
    await publish(c, 'htx/pack/packer-b/telemetry', payload(1));
    expect(gw.persisted.length).toBe(before + 3);
    await waitFor(() => (gw.mqtt.stats().broker?.clients ?? 99) <= 1, 5000, 'fuzz clients gone');
  }, 90_000);
});
