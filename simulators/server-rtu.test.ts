import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import M from 'modbus-serial';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUIET } from './machines/index.js';
import { parsePlan } from './plan.js';
import { type PlantHandle, startPlant } from './plant.js';

/**
 * Modbus RTU over a virtual serial line: socat joins two pseudo-terminals; the simulator opens
 * one end, modbus-serial's client the other. Skipped where socat is not installed.
 */

const hasSocat = spawnSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' }).status === 0;
const ModbusRTU = M.default;
type Client = InstanceType<typeof ModbusRTU>;

let dir = '';
let socat: ChildProcess | undefined;
let plant: PlantHandle | undefined;
let client: Client | undefined;

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for socat');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!hasSocat)('Modbus RTU simulator on a socat pty pair', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linegate-sim-'));
    const sim = join(dir, 'sim');
    const gw = join(dir, 'gw');
    socat = spawn('socat', [`pty,raw,echo=0,link=${sim}`, `pty,raw,echo=0,link=${gw}`], { stdio: 'ignore' });
    await waitFor(() => existsSync(sim) && existsSync(gw), 5000);
    const serial = { path: sim, baudRate: 19200, parity: 'even' as const };
    const plan = parsePlan(
      {
        profileDirs: ['../devices'],
        machines: [
          {
            id: 'sealer-1',
            profile: 'vacuum-sealer-delta-dvp',
            unitId: 1,
            serial,
            initial: { cycle_count: 65535 },
          },
          { id: 'fryer-1', profile: 'rice-crust-fryer-delta-dvp-e5cc', unitId: 2, serial },
        ],
      },
      join(import.meta.dirname, 'rtu-plan.yaml'),
    );
    plant = await startPlant({ plan, logger: pino({ level: 'silent' }), autoTick: false, behaviour: QUIET });
    client = new ModbusRTU();
    await client.connectRTUBuffered(gw, { baudRate: 19200, parity: 'even' });
    client.setTimeout(500);
  });

  afterAll(async () => {
    if (client?.isOpen) await new Promise<void>((resolve) => client?.close(() => resolve()));
    await plant?.stop();
    socat?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers two slaves on one line', async () => {
    const c = client as Client;
    expect(plant?.machine('sealer-1').where).toMatch(/^rtu:.*@19200-8E1 unit 1$/);
    c.setID(1);
    expect((await c.readHoldingRegisters(0x10d2, 1)).data).toEqual([65535]);
    plant?.tick(40_000); // one sealing cycle: the counter wraps
    expect((await c.readHoldingRegisters(0x10d2, 1)).data).toEqual([0]);
    c.setID(2);
    const { data } = await c.readHoldingRegisters(0x1064, 2);
    expect(data[1]).toBe(1750); // oil set point 175.0 °C
  });

  it('is silent for an absent unit and for a stalled one', async () => {
    const c = client as Client;
    c.setID(9);
    await expect(c.readHoldingRegisters(0x1064, 1)).rejects.toMatchObject({
      message: expect.stringMatching(/timed out/i),
    });
    plant?.machine('fryer-1').stall(true);
    c.setID(2);
    await expect(c.readHoldingRegisters(0x1064, 1)).rejects.toMatchObject({
      message: expect.stringMatching(/timed out/i),
    });
    plant?.machine('fryer-1').stall(false);
    await expect(c.readHoldingRegisters(0x1064, 1)).resolves.toBeTruthy();
  });

  it('sends exception responses and garbage frames (bad CRC)', async () => {
    const c = client as Client;
    c.setID(1);
    plant?.machine('sealer-1').exception(4);
    await expect(c.readHoldingRegisters(0x10c8, 4)).rejects.toMatchObject({ modbusCode: 4 });
    plant?.machine('sealer-1').exception(null);
    plant?.machine('sealer-1').garbage(true);
    await expect(c.readHoldingRegisters(0x10c8, 4)).rejects.toBeTruthy();
    plant?.machine('sealer-1').garbage(false);
    await new Promise((r) => setTimeout(r, 100));
    await expect(c.readHoldingRegisters(0x10c8, 4)).resolves.toBeTruthy();
  });
});
