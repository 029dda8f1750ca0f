import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import M from 'modbus-serial';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runSimulateCommand } from './cli.js';
import { endpointKey, loadPlan, parsePlan } from './plan.js';
import { startPlant } from './plant.js';
import { freePort } from './server-tcp.js';

const DEMO = join(import.meta.dirname, 'demo-plant.yaml');
const DEVICES = join(import.meta.dirname, '..', 'devices');
const silent = pino({ level: 'silent' });
const tmp = mkdtempSync(join(tmpdir(), 'linegate-plan-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the demo plan', () => {
  const plan = loadPlan(DEMO);

  it('has one machine of each kind on 127.0.0.1:15020+, two ports shared like a TCP-to-RTU converter', () => {
    expect(plan.machines.map((m) => m.profile)).toHaveLength(8);
    for (const m of plan.machines) {
      expect(m.tcp?.host).toBe('127.0.0.1');
      expect(m.tcp?.port).toBeGreaterThanOrEqual(15020);
    }
    const perEndpoint = new Map<string, number>();
    for (const m of plan.machines)
      perEndpoint.set(endpointKey(m), (perEndpoint.get(endpointKey(m)) ?? 0) + 1);
    expect([...perEndpoint.values()].filter((n) => n >= 2)).toHaveLength(2);
  });

  it('starts every machine (on free ports), ticks on its own timer and stops cleanly', async () => {
    const ports = new Map<number, number>();
    for (const m of plan.machines) {
      const p = m.tcp?.port ?? 0;
      if (!ports.has(p)) ports.set(p, await freePort('127.0.0.1'));
    }
    const moved = {
      ...plan,
      machines: plan.machines.map((m) =>
        m.tcp ? { ...m, tcp: { ...m.tcp, port: ports.get(m.tcp.port) ?? 0 } } : m,
      ),
    };
    let clock = 0;
    const plant = await startPlant({ plan: { ...moved, tickMs: 20 }, logger: silent, now: () => clock });
    try {
      expect([...plant.machines.values()].map((m) => m.kind).sort()).toEqual([
        'checkweigher',
        'dryer',
        'energy_meter',
        'fryer',
        'packer',
        'rice_former',
        'roaster',
        'vacuum_sealer',
      ]);
      const sealer = plant.machine('sealer-1');
      expect(sealer.image.getNumber('cycle_count', 0)).toBe(65530);
      clock = 5 * 60_000; // the injected clock jumps five minutes: the next tick simulates them
      await new Promise((r) => setTimeout(r, 100));
      expect(sealer.model.elapsedMs).toBeGreaterThanOrEqual(5 * 60_000);
      const client = new M.default();
      await client.connectTCP('127.0.0.1', { port: plant.machine('meter-1').port ?? 0 });
      client.setID(10);
      client.setTimeout(1000);
      const { data } = await client.readInputRegisters(0x0000, 32);
      expect(data).toHaveLength(32);
      await new Promise<void>((resolve) => client.close(() => resolve()));
    } finally {
      await plant.stop();
    }
    expect(() => plant.machine('nope')).toThrow(/no simulated machine/);
  });
});

describe('plan checks name the place', () => {
  it('rejects a duplicate unit on one endpoint and a missing endpoint', () => {
    const tcp = { host: '127.0.0.1', port: 15999 };
    const twice = {
      machines: [
        { id: 'a', profile: 'packer-delta-dvp', unitId: 1, tcp },
        { id: 'b', profile: 'packer-delta-dvp', unitId: 1, tcp },
      ],
    };
    expect(() => parsePlan(twice, 'x.yaml')).toThrow(/x\.yaml: \/machines\/1 \(b\): .* unit 1 is used twice/);
    expect(() => parsePlan({ machines: [{ id: 'a', profile: 'p', unitId: 1 }] }, 'y.yaml')).toThrow(
      /y\.yaml: .*either tcp or serial/,
    );
    expect(() => parsePlan({ machines: [{ id: 'a', profile: 'p', unitId: 300, tcp }] }, 'z.yaml')).toThrow(
      /z\.yaml: \/machines\/0\/unitId/,
    );
  });
});

describe('runSimulateCommand', () => {
  it('explains itself with --help and rejects bad options', async () => {
    const lines: string[] = [];
    expect(await runSimulateCommand(['--help'], { print: (l) => lines.push(l) })).toBe(0);
    expect(lines.join('\n')).toMatch(/--plan <file>/);
    expect(await runSimulateCommand(['--bogus'], { print: () => undefined })).toBe(2);
    expect(await runSimulateCommand(['--duration', 'x'], { print: () => undefined })).toBe(2);
  });

  it('fails with the reason, not a stack, on a bad plan', async () => {
    const lines: string[] = [];
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'machines: []\n');
    expect(await runSimulateCommand(['--plan', file], { print: (l) => lines.push(l), logger: silent })).toBe(
      1,
    );
    expect(lines.join('\n')).toMatch(/bad\.yaml: \/machines/);
  });

  it('prints one line per machine with where it listens, and stops on abort', async () => {
    const file = join(tmp, 'plan.yaml');
    const tcp = { host: '127.0.0.1', port: 0 };
    writeFileSync(
      file,
      stringify({
        profileDirs: [DEVICES],
        machines: [
          { id: 'packer-1', profile: 'packer-delta-dvp', unitId: 1, tcp },
          { id: 'meter-1', profile: 'energy-meter-eastron-sdm120', unitId: 10, tcp },
        ],
      }),
    );
    const lines: string[] = [];
    const stop = new AbortController();
    const done = runSimulateCommand(['--plan', file, '--quiet'], {
      print: (l) => {
        lines.push(l);
        if (l.startsWith('Press Ctrl-C')) stop.abort();
      },
      logger: silent,
      signal: stop.signal,
    });
    expect(await done).toBe(0);
    expect(lines.find((l) => l.includes('packer-1'))).toMatch(
      /packer-1 +packer +packer-delta-dvp +tcp:\/\/127\.0\.0\.1:\d+ unit 1/,
    );
    expect(lines.find((l) => l.includes('meter-1'))).toMatch(/energy_meter .* unit 10$/);
  });
});
