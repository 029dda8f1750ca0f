import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AcquisitionHarness, SITE, sleep, startAcquisition } from './helpers/acquisition.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from './peers/pymodbus.js';
import { hasCommand, requirePeer } from './peers/require-peer.js';
import { openPtyPair, type PtyPair } from './peers/socat.js';

/**
 * Modbus RTU on a socat pty pair at 9600 baud, pymodbus as the slave side, two unit ids on one
 * line: unit 1 answers, unit 2 is dead. The live unit must keep its poll rate.
 */
const ok = requirePeer('pymodbus', pymodbusAvailable) && requirePeer('socat', () => hasCommand('socat'));

const POLL_MS = 500;

describe.skipIf(!ok)('Modbus RTU on a shared RS-485 line (socat pty, 9600 baud)', () => {
  let pair: PtyPair;
  let server: PymodbusServer;
  let gw: AcquisitionHarness;

  beforeAll(async () => {
    pair = await openPtyPair();
    server = await startPymodbus({
      transport: 'rtu',
      serialPath: pair.a,
      baudRate: 9600,
      units: {
        1: {
          input: { 1000: 0x0fa0 /* 4000 → 400.0 */, 1001: 1 },
          holding: { 10: 0x0001, 11: 0x86a0 /* 100000 */ },
        },
        2: { input: { 1000: 1805 } },
      },
    });
    await server.setOnline(2, false); // unit 2 is wired but dead: no answer at all
    gw = startAcquisition(`${SITE}
buses:
  - { id: rs485-1, path: ${pair.b}, baudRate: 9600, parity: none, stopBits: 1, timeoutMs: 250, interFrameDelayMs: 5 }
machines:
  - id: live
    name: Máy sấy sống
    kind: dryer
    line: line-1
    pollIntervalMs: ${POLL_MS}
    connection: { type: rtu, bus: rs485-1, unitId: 1 }
    points:
      - { name: pv, area: input, address: 1000, type: int16, scale: 0.1, unit: °C, role: temperature }
      - { name: run, area: input, address: 1001, type: bool, role: run }
      - { name: count, area: holding, address: 10, type: uint32, role: good_counter, counterBits: 32 }
  - id: dead
    name: Máy chết
    kind: fryer
    line: line-1
    pollIntervalMs: ${POLL_MS}
    connection: { type: rtu, bus: rs485-1, unitId: 2 }
    points:
      - { name: oil, area: input, address: 1000, type: int16, scale: 0.1, unit: °C, role: temperature }
      - { name: run, area: input, address: 1001, type: bool, role: run }
`);
  });

  afterAll(async () => {
    await gw?.stop();
    await server?.kill();
    await pair?.close();
  });

  it('reads the live unit and keeps its poll rate while its neighbour is dead', async () => {
    await gw.next((s) => s.machine === 'live' && s.point === 'pv' && s.quality === 'good');
    expect(gw.latest('live', 'pv')?.value).toBe(400);
    expect(gw.latest('live', 'count')?.value).toBe(100000);
    const windowMs = 6000;
    const from = Date.now();
    await sleep(windowMs);
    const good = gw.samples.filter(
      (s) => s.machine === 'live' && s.point === 'pv' && s.quality === 'good' && s.ts >= from,
    );
    const expected = windowMs / POLL_MS;
    expect(good.length).toBeGreaterThanOrEqual(Math.floor(expected * 0.8));
    // The dead unit is offline, its points bad with no value, and it was backed off.
    expect(gw.statuses.find((e) => e.machine === 'dead')?.online).toBe(false);
    const dead = gw.latest('dead', 'oil');
    expect(dead).toMatchObject({ value: null, quality: 'bad' });
    const deadStats = gw.stats('dead');
    expect(deadStats.timeouts).toBeGreaterThan(0);
    expect(deadStats.requests).toBeLessThan(expected); // backed off: fewer tries than polls
    expect(gw.stats('live').errors).toBe(0);
  });

  it('brings a unit back online when it starts answering', async () => {
    await server.setOnline(2, true);
    const s = await gw.next((x) => x.machine === 'dead' && x.point === 'oil' && x.quality === 'good', 40_000);
    expect(s.value).toBe(180.5);
    expect(gw.statuses.filter((e) => e.machine === 'dead').at(-1)?.online).toBe(true);
  });
});
