import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AcquisitionHarness, SITE, startAcquisition } from './helpers/acquisition.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from './peers/pymodbus.js';
import { requirePeer } from './peers/require-peer.js';

/** The gateway against pymodbus 3.0 over Modbus TCP: an independent server implementation. */
const ok = requirePeer('pymodbus', pymodbusAvailable);

describe.skipIf(!ok)('Modbus TCP against pymodbus', () => {
  let server: PymodbusServer;
  let gw: AcquisitionHarness;

  beforeAll(async () => {
    // Register images written out by hand (Modbus is big-endian per register):
    server = await startPymodbus({
      transport: 'tcp',
      units: {
        1: {
          holding: {
            0: 0xff83, // int16 -125
            1: 0x1170, // uint32 70000 = 0x0001_1170, low word first (CDAB)
            2: 0x0001,
            3: 0x42f6, // float32 123.456 = 0x42F6E979 (ABCD)
            4: 0xe979,
            5: 0x0008, // bit 3 set
            40: 0x544b, // "TK"
            41: 0x3453, // "4S"
            200: 0xffff, // uint16 65535
          },
          input: { 1000: 253 },
          coils: { 0: true },
          discrete: { 2: true },
        },
      },
    });
    gw = startAcquisition(`${SITE}
machines:
  - id: m1
    name: Máy thử
    kind: dryer
    line: line-1
    pollIntervalMs: 200
    connection: { type: tcp, host: 127.0.0.1, port: ${server.port}, unitId: 1, timeoutMs: 1000 }
    points:
      - { name: t_int16, area: holding, address: 0, type: int16, scale: 0.1, unit: °C, role: temperature }
      - { name: c_u32, area: holding, address: 1, type: uint32, order: CDAB, role: good_counter, counterBits: 32 }
      - { name: f_f32, area: holding, address: 3, type: float32, order: ABCD }
      - { name: b3, area: holding, address: 5, type: bit, bit: 3, role: run }
      - { name: b4, area: holding, address: 5, type: bit, bit: 4 }
      - { name: model, area: holding, address: 40, type: string, length: 2 }
      - { name: u16, area: holding, address: 200, type: uint16 }
      - { name: pv, area: input, address: 1000, type: int16, scale: 0.1 }
      - { name: coil0, area: coil, address: 0, type: bool }
      - { name: di2, area: discrete, address: 2, type: bool }
`);
  });

  afterAll(async () => {
    await gw?.stop();
    await server?.kill();
  });

  it('decodes every point with quality good', async () => {
    await gw.next((s) => s.point === 'di2' && s.quality === 'good');
    const v = (p: string) => gw.latest('m1', p);
    expect(v('t_int16')).toMatchObject({ value: -12.5, quality: 'good' });
    expect(v('c_u32')?.value).toBe(70000);
    expect(v('f_f32')?.value).toBeCloseTo(123.456, 3);
    expect(v('b3')?.value).toBe(true);
    expect(v('b4')?.value).toBe(false);
    expect(v('model')?.value).toBe('TK4S');
    expect(v('u16')?.value).toBe(65535);
    expect(v('pv')?.value).toBe(25.3);
    expect(v('coil0')?.value).toBe(true);
    expect(v('di2')?.value).toBe(true);
  });

  it('uses the minimum number of requests per scan', async () => {
    const before = gw.stats('m1').requests;
    const polls = gw.samples.filter((s) => s.point === 't_int16').length;
    await gw.next((s) => s.point === 'di2');
    await gw.next((s) => s.point === 'di2');
    const after = gw.stats('m1').requests;
    const pollsAfter = gw.samples.filter((s) => s.point === 't_int16').length;
    // coil 0 | discrete 2 | holding 0..5, 40..41, 200 (gaps > maxGap 10) | input 1000 → 6 requests
    expect((after - before) / (pollsAfter - polls)).toBe(6);
    const stats = gw.stats('m1');
    expect(stats.errors).toBe(0);
    expect(stats.latencyMeanMs).toBeGreaterThan(0);
    expect(stats.latencyP95Ms).toBeGreaterThanOrEqual(stats.latencyMeanMs ?? 0);
  });

  it('sees a value change on the next poll', async () => {
    await server.setRegisters(1, 'holding', 0, [0x0064]); // 100 → 10.0 °C
    const s = await gw.next((x) => x.point === 't_int16' && x.value === 10);
    expect(s.quality).toBe('good');
  });
});
