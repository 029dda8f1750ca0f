/**
 * Proves the peer helpers against the real things: pymodbus 3.0 over TCP and over a socat
 * pty pair, read with modbus-serial exactly as the gateway's transport does.
 */
import { createServer } from 'node:net';
import M from 'modbus-serial';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from './free-port.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from './pymodbus.js';
import { requirePeer } from './require-peer.js';
import { openPtyPair, type PtyPair, socatAvailable } from './socat.js';

const ModbusRTU = M.default;
type Client = InstanceType<typeof ModbusRTU>;

const hasPymodbus = requirePeer('pymodbus', pymodbusAvailable);
const hasSocat = requirePeer('socat', socatAvailable);

/** Every client a test opens; closed after each test even when it failed. */
const clients: Client[] = [];

function closeClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    try {
      client.close(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map(closeClient));
});

async function tcpClient(port: number, unit = 1, timeoutMs = 1000): Promise<Client> {
  const client = new ModbusRTU();
  clients.push(client);
  client.on('error', () => undefined);
  await client.connectTCP('127.0.0.1', { port });
  client.setID(unit);
  client.setTimeout(timeoutMs);
  return client;
}

describe('freePort', () => {
  it('gives a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('requirePeer', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('returns true when the peer is there', () => {
    expect(requirePeer('thing', () => true)).toBe(true);
  });

  it('fails instead of skipping in CI', () => {
    vi.stubEnv('CI', 'true');
    expect(() => requirePeer('thing', () => false)).toThrow(/thing is not installed/);
  });

  it('skips locally with a loud line naming the suite and what is missing', () => {
    vi.stubEnv('CI', '');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(requirePeer('mosquitto', () => false)).toBe(false);
    const text = write.mock.calls.map((call) => String(call[0])).join('');
    expect(text).toMatch(
      /SKIPPING tests\/peers\/peers\.test\.ts: mosquitto is not installed \(apt-get install mosquitto/,
    );
  });
});

describe.skipIf(!hasPymodbus)('pymodbus over TCP', () => {
  let server: PymodbusServer | undefined;

  beforeAll(async () => {
    server = await startPymodbus({
      transport: 'tcp',
      units: {
        1: { holding: { 0: 1234, 1: 5678, 9: 42 }, input: { 3: 7 }, coils: { 2: true } },
        3: { holding: { 0: 3 } },
      },
    });
  });

  afterAll(async () => {
    await server?.kill();
  });

  const peer = (): PymodbusServer => {
    if (!server) throw new Error('server did not start');
    return server;
  };

  it('serves the given registers, with zeros in the gaps', async () => {
    const client = await tcpClient(peer().port ?? 0);
    const holding = await client.readHoldingRegisters(0, 10);
    expect(holding.data).toEqual([1234, 5678, 0, 0, 0, 0, 0, 0, 0, 42]);
    expect((await client.readInputRegisters(0, 4)).data).toEqual([0, 0, 0, 7]);
    expect((await client.readCoils(0, 3)).data.slice(0, 3)).toEqual([false, false, true]);
    expect((await client.readHoldingRegisters(65_000, 100)).data).toHaveLength(100);
    client.setID(3);
    expect((await client.readHoldingRegisters(0, 1)).data).toEqual([3]);
  });

  it('changes values at run time', async () => {
    const client = await tcpClient(peer().port ?? 0);
    await peer().setRegisters(1, 'holding', 1, [11, 12]);
    await peer().setRegisters(1, 'discrete', 0, [true]);
    expect((await client.readHoldingRegisters(0, 3)).data).toEqual([1234, 11, 12]);
    expect((await client.readDiscreteInputs(0, 1)).data[0]).toBe(true);
    await expect(peer().setRegisters(9, 'holding', 0, [1])).rejects.toThrow(/unit 9 is not in the spec/);
  });

  it('gives no answer for a unit it does not serve, and keeps answering the others', async () => {
    const client = await tcpClient(peer().port ?? 0, 2, 500);
    await expect(client.readHoldingRegisters(0, 1)).rejects.toThrow(/timed out/i);
    client.setID(1);
    expect((await client.readHoldingRegisters(0, 1)).data).toEqual([1234]);
  });

  it('takes a unit off the line and back', async () => {
    const client = await tcpClient(peer().port ?? 0, 3, 500);
    await peer().setOnline(3, false);
    await expect(client.readHoldingRegisters(0, 1)).rejects.toThrow(/timed out/i);
    await peer().setOnline(3, true);
    expect((await client.readHoldingRegisters(0, 1)).data).toEqual([3]);
  });

  it('dies on kill and comes back on the same port with the current values on restart', async () => {
    const port = peer().port ?? 0;
    const before = peer().pid;
    const client = await tcpClient(port);
    await peer().setRegisters(1, 'holding', 9, [99]);
    await peer().kill();
    await expect(client.readHoldingRegisters(0, 1)).rejects.toThrow();
    await expect(tcpClient(port)).rejects.toThrow(/ECONNREFUSED/);
    await expect(peer().setRegisters(1, 'holding', 0, [1])).rejects.toThrow(/not running/);

    await peer().restart();
    expect(peer().pid).not.toBe(before);
    expect(peer().port).toBe(port);
    const again = await tcpClient(port);
    expect((await again.readHoldingRegisters(0, 10)).data).toEqual([1234, 11, 12, 0, 0, 0, 0, 0, 0, 99]);
  });
});

describe.skipIf(!hasPymodbus)('pymodbus options', () => {
  const servers: PymodbusServer[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
  });

  it('answers a missing unit with exception 0x0B when ignoreMissingUnits is false', async () => {
    const server = await startPymodbus({ transport: 'tcp', units: { 1: {} }, ignoreMissingUnits: false });
    servers.push(server);
    const client = await tcpClient(server.port ?? 0, 7);
    await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 11 });
  });

  it('gives exception 0x02 past blockSize', async () => {
    const server = await startPymodbus({
      transport: 'tcp',
      units: { 1: { holding: { 99: 5 } } },
      blockSize: 100,
    });
    servers.push(server);
    const client = await tcpClient(server.port ?? 0);
    expect((await client.readHoldingRegisters(95, 5)).data).toEqual([0, 0, 0, 0, 5]);
    await expect(client.readHoldingRegisters(95, 6)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('fails to start with the server error when the spec is wrong', async () => {
    await expect(
      startPymodbus({ transport: 'tcp', units: { 1: { holding: { 100: 1 } } }, blockSize: 100 }),
    ).rejects.toThrow(/holding address 100 is outside 0\.\.99/);
  });
});

describe.skipIf(!hasPymodbus || !hasSocat)('pymodbus over RTU on a socat pty pair', () => {
  let pair: PtyPair | undefined;
  let server: PymodbusServer | undefined;
  let client: Client | undefined;

  beforeAll(async () => {
    pair = await openPtyPair();
    server = await startPymodbus({
      transport: 'rtu',
      serialPath: pair.a,
      baudRate: 9600,
      units: { 1: { holding: { 0: 100, 1: 200 } } },
    });
    client = new ModbusRTU();
    client.on('error', () => undefined);
    await client.connectRTUBuffered(pair.b, { baudRate: 9600 });
    client.setTimeout(500);
  });

  afterAll(async () => {
    if (client) await closeClient(client);
    await server?.kill();
    await pair?.close();
  });

  const rtu = (): Client => {
    if (!client) throw new Error('client did not connect');
    return client;
  };

  it('gives two distinct pty paths', () => {
    expect(pair?.a).toMatch(/^\/dev\/pts\/\d+$/);
    expect(pair?.b).toMatch(/^\/dev\/pts\/\d+$/);
    expect(pair?.a).not.toBe(pair?.b);
  });

  it('reads unit 1, times out on the missing unit 2, then reads unit 1 again', async () => {
    rtu().setID(1);
    expect((await rtu().readHoldingRegisters(0, 2)).data).toEqual([100, 200]);
    rtu().setID(2);
    await expect(rtu().readHoldingRegisters(0, 2)).rejects.toThrow(/timed out/i);
    rtu().setID(1);
    await server?.setRegisters(1, 'holding', 1, [201]);
    expect((await rtu().readHoldingRegisters(0, 2)).data).toEqual([100, 201]);
  });

  it('survives a restart of the slave on the same pty', async () => {
    await server?.restart();
    rtu().setID(1);
    expect((await rtu().readHoldingRegisters(0, 2)).data).toEqual([100, 201]);
  });
});
