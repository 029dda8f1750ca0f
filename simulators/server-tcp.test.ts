import { join } from 'node:path';
import M from 'modbus-serial';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QUIET } from './machines/index.js';
import { parsePlan } from './plan.js';
import { type PlantHandle, startPlant } from './plant.js';

/** Round trips over real Modbus TCP with modbus-serial's own client. */

const ModbusRTU = M.default;
type Client = InstanceType<typeof ModbusRTU>;

const here = join(import.meta.dirname, 'test-plan.yaml'); // only names the place; profiles from ../devices
const tcp = { host: '127.0.0.1', port: 0 };
const plan = parsePlan(
  {
    profileDirs: ['../devices'],
    machines: [
      { id: 'packer-1', profile: 'packer-delta-dvp', unitId: 1, tcp, initial: { good_count: 0x0001fffe } },
      { id: 'dryer-1', profile: 'tea-dryer-autonics-tk4', unitId: 2, tcp, initial: { sv: 95 } },
      {
        id: 'meter-1',
        profile: 'energy-meter-eastron-sdm120',
        unitId: 10,
        tcp,
        initial: { import_energy: 123.456 },
      },
    ],
  },
  here,
);

let plant: PlantHandle;
let port: number;
const clients: Client[] = [];

async function connect(unitId: number, timeoutMs = 1000): Promise<Client> {
  const client = new ModbusRTU();
  clients.push(client);
  await client.connectTCP('127.0.0.1', { port });
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  return client;
}

function close(client: Client): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isOpen) resolve();
    else client.close(() => resolve());
  });
}

beforeAll(async () => {
  plant = await startPlant({ plan, logger: pino({ level: 'silent' }), autoTick: false, behaviour: QUIET });
  port = plant.machine('packer-1').port ?? 0;
});

afterEach(async () => {
  for (const m of plant.machines.values()) {
    m.stall(false);
    m.exception(null);
    m.garbage(false);
  }
  await Promise.all(clients.splice(0).map(close));
});

afterAll(async () => {
  await plant?.stop();
});

describe('Modbus TCP simulator', () => {
  it('listens on an ephemeral port and hosts three units on it (a TCP-to-RTU converter)', () => {
    expect(port).toBeGreaterThan(0);
    expect(plant.machine('dryer-1').where).toBe(`tcp://127.0.0.1:${port} unit 2`);
  });

  it('serves a 32-bit Delta counter low word first (CDAB) and the run coil', async () => {
    const client = await connect(1);
    const { data } = await client.readHoldingRegisters(0x112c, 2);
    expect(data).toEqual([0xfffe, 0x0001]);
    const coils = await client.readCoils(0x0864, 2);
    expect(coils.data.slice(0, 2)).toEqual([true, false]);
  });

  it('serves the Autonics TK map: SV, dP and the inverted RUN/STOP', async () => {
    const client = await connect(2);
    const { data } = await client.readInputRegisters(0x03e8, 8);
    expect(data[1]).toBe(1); // dP = 1
    expect(data[3]).toBe(950); // SV 95.0 °C in 0.1 counts
    const run = await client.readHoldingRegisters(0x0032, 1);
    expect(run.data).toEqual([0]); // 0 = RUN
  });

  it('serves SDM120 float32 big-endian: 123.456 kWh = 0x42F6E979', async () => {
    const client = await connect(10);
    const { data } = await client.readInputRegisters(0x0048, 2);
    expect(data).toEqual([0x42f6, 0xe979]);
  });

  it('accepts writes and the model follows them', async () => {
    const client = await connect(1);
    await client.writeRegister(0x1131, 30); // speed_set D305
    const before = plant.machine('packer-1').image.getNumber('good_count', 0);
    plant.tick(60_000);
    const made = plant.machine('packer-1').image.getNumber('good_count', 0) - before;
    expect(made).toBeGreaterThan(24);
    expect(made).toBeLessThan(36);
  });

  it('answers with the scripted exception code, then normally again', async () => {
    const client = await connect(1);
    plant.machine('packer-1').exception(2);
    await expect(client.readHoldingRegisters(0x112c, 2)).rejects.toMatchObject({ modbusCode: 2 });
    plant.machine('packer-1').exception(null);
    await expect(client.readHoldingRegisters(0x112c, 2)).resolves.toBeTruthy();
  });

  it('refuses more registers than the device allows and unknown units', async () => {
    const meter = await connect(10);
    await expect(meter.readInputRegisters(0, 81)).rejects.toMatchObject({ modbusCode: 3 });
    const nobody = await connect(77);
    await expect(nobody.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 11 });
  });

  it('a stalled unit never answers (client times out); its neighbour still does', async () => {
    plant.machine('dryer-1').stall(true);
    const dryer = await connect(2, 300);
    const started = Date.now();
    await expect(dryer.readInputRegisters(0x03e8, 8)).rejects.toMatchObject({
      message: expect.stringMatching(/timed out/i),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const packer = await connect(1);
    await expect(packer.readHoldingRegisters(0x112c, 2)).resolves.toBeTruthy();
  });

  it('garbage: the answer is not a valid frame, and the next one is fine again', async () => {
    plant.machine('packer-1').garbage(true);
    const client = await connect(1, 2000);
    const started = Date.now();
    // Transaction id kept, function code 0x00: modbus-serial rejects it at once.
    await expect(client.readHoldingRegisters(0x112c, 2)).rejects.toMatchObject({
      message: expect.stringMatching(/unexpected data/i),
    });
    expect(Date.now() - started).toBeLessThan(1000);
    plant.machine('packer-1').garbage(false);
    await expect(client.readHoldingRegisters(0x112c, 2)).resolves.toBeTruthy();
  });

  it('disconnect drops connections, refuses new ones, then listens on the same port again', async () => {
    const client = await connect(1);
    await client.readHoldingRegisters(0x112c, 2);
    const back = plant.machine('packer-1').disconnect(400);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.isOpen).toBe(false);
    await expect(connect(1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await back;
    const again = await connect(1);
    const { data } = await again.readHoldingRegisters(0x112c, 2);
    expect(data).toHaveLength(2);
  });
});
