import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { type RunningGateway, startGateway } from '../../gateway/main.js';
import { QUIET } from '../../simulators/machines/index.js';
import type { PackerMachine } from '../../simulators/machines/packer.js';
import { parsePlan } from '../../simulators/plan.js';
import { type PlantHandle, startPlant } from '../../simulators/plant.js';
import { sleep } from '../helpers/acquisition.js';
import { freePort } from '../peers/free-port.js';

/**
 * The wiring, end to end on the wall clock: a simulated packer speaking real Modbus TCP, the
 * gateway as main.ts builds it, production answers over real HTTP. The packer packs 10 a second
 * and its 32-bit counter starts 20 below the wrap; the test stops it and compares with the model.
 */
const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let plant: PlantHandle | null = null;
let gw: RunningGateway | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'linegate-prod-wiring-'));

afterAll(async () => {
  await gw?.stop();
  await plant?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function untilTrue(pred: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(100);
  }
  throw new Error('condition not met in time');
}

describe('production wiring over real Modbus and HTTP', () => {
  it('turns polled packer counters into units and kg, and shows state and today on /api/machines', async () => {
    const port = await freePort();
    const start = 2 ** 32 - 20;
    const plan = parsePlan(
      {
        profileDirs: ['../../devices'],
        tickMs: 50,
        machines: [
          {
            id: 'packer-1',
            profile: 'packer-delta-dvp',
            unitId: 1,
            tcp: { host: '127.0.0.1', port },
            seed: 5,
            initial: { good_count: start, reject_count: 0, speed_set: 600 },
          },
        ],
      },
      join(import.meta.dirname, 'wiring-plan.yaml'),
    );
    plant = await startPlant({ plan, logger: silent, behaviour: QUIET });
    const config = loadConfigText(
      `site: { id: htx-test, name: HTX thử }
lines: [{ id: rc, name: Dây chuyền cơm cháy }]
machines:
  - { id: packer-1, name: Máy đóng gói 1, line: rc, profile: packer-delta-dvp, pollIntervalMs: 100,
      connection: { type: tcp, host: 127.0.0.1, port: ${port}, unitId: 1 } }
production:
  products: [{ id: cc-250, name: { vi: Cơm cháy 250 g, en: Rice crust 250 g }, packWeightG: 250, idealRatePerMin: 600 }]
  machines: { packer-1: { product: cc-250 } }
  flushIntervalS: 1
http: { host: 127.0.0.1, port: ${await freePort()} }
dashboard: { kiosk: true }   # anonymous reads below
dataDir: ${dataDir}
`,
      'wiring.yaml',
      { env: {} },
    );
    gw = await startGateway(config, silent);
    const url = gw.url;
    const model = plant.machine('packer-1').model as PackerMachine;
    const stateIs = async (state: string) =>
      ((await (await fetch(`${url}/api/machines/packer-1`)).json()) as { state: string }).state === state;
    // Hold it until the gateway has its first reading (the baseline), then let it pack across the
    // 32-bit wrap, stop it and let the gateway see the last value.
    model.hold('stopped');
    await untilTrue(() => stateIs('stopped'), 10_000);
    await sleep(300);
    const base = model.good;
    const baseRejects = model.rejects;
    expect(base).toBeGreaterThan(2 ** 32 - 25);
    model.hold(null);
    await untilTrue(async () => model.good < base && model.good > 5, 20_000);
    model.hold('stopped');
    const made = (model.good - base + 2 ** 32) % 2 ** 32;
    const rejects = model.rejects - baseRejects;
    await untilTrue(() => stateIs('stopped'), 10_000);
    await sleep(300);
    const daily = (await (await fetch(`${url}/api/production/daily`)).json()) as {
      machines: { machine: string; good: number; reject: number; kg: number; product: string }[];
    };
    const row = daily.machines.find((r) => r.machine === 'packer-1');
    expect(made).toBeGreaterThan(5); // packed across the wrap (how far depends on where the poll caught the baseline)
    expect(row).toMatchObject({ good: made, reject: rejects, product: 'cc-250' });
    expect(row?.kg).toBe((made * 250) / 1000);
    const m = (await (await fetch(`${url}/api/machines/packer-1`)).json()) as Record<string, unknown>;
    expect(m).toMatchObject({
      state: 'stopped',
      product: 'cc-250',
      productName: { vi: 'Cơm cháy 250 g', en: 'Rice crust 250 g' },
      fault: null,
      today: { good: made, kg: row?.kg },
    });
  }, 60_000);
});
