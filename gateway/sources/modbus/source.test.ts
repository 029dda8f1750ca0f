import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { listenServerTCP } from '../../../tests/peers/modbus-server-tcp.js';
import { LinegateError } from '../../core/errors.js';
import type { PointDef } from '../../core/points.js';
import type { Sample } from '../../core/sample.js';
import { LinkScheduler } from '../../runtime/link-scheduler.js';
import { type ModbusChannel, ModbusSource } from './source.js';
import { TcpLink } from './transport.js';

/*
 * The source plans its reads once (the request sent to the channel, each point's offset in the
 * answer) and decodes in place. These tests check that nothing planned or reused carries values
 * from one poll into another, against modbus-serial's real ServerTCP.
 */

const log = pino({ level: 'silent' });
const LIMITS = { maxRegistersPerRead: 125, maxBitsPerRead: 2000, maxGap: 10, interRequestDelayMs: 0 };

const pt = (
  name: string,
  area: PointDef['area'],
  address: number,
  type: PointDef['type'],
  extra = {},
): PointDef => ({
  name,
  area,
  address,
  type,
  order: 'ABCD',
  scale: 1,
  offset: 0,
  ...extra,
});

const POINTS: PointDef[] = [
  pt('h0', 'holding', 0, 'uint16'),
  pt('h1', 'holding', 1, 'int16', { scale: 0.1 }),
  pt('f', 'holding', 4, 'float32', { order: 'CDAB' }),
  pt('i0', 'input', 10, 'uint16'),
  pt('c1', 'coil', 1, 'bool'),
];

/** A device whose every register reads poll × 100 + address (a new value at each poll). */
async function startDevice() {
  let poll = 1;
  const reg = (a: number) => (poll * 100 + a) & 0xffff;
  const vector = {
    getMultipleHoldingRegisters: (a: number, n: number, _u: number, cb: (e: null, v: number[]) => void) =>
      cb(
        null,
        Array.from({ length: n }, (_, i) => reg(a + i)),
      ),
    getMultipleInputRegisters: (a: number, n: number, _u: number, cb: (e: null, v: number[]) => void) =>
      cb(
        null,
        Array.from({ length: n }, (_, i) => reg(a + i)),
      ),
    getHoldingRegister: (a: number, _u: number, cb: (e: null, v: number) => void) => cb(null, reg(a)),
    getInputRegister: (a: number, _u: number, cb: (e: null, v: number) => void) => cb(null, reg(a)),
    getCoil: (a: number, _u: number, cb: (e: null, v: boolean) => void) => cb(null, (poll + a) % 2 === 0),
  };
  const { port, close } = await listenServerTCP(vector);
  return {
    port,
    next: () => {
      poll++;
    },
    close,
  };
}

/** What poll N of the device above must give (float: registers 4, 5 with CDAB = low word first). */
function expected(poll: number): Record<string, number | boolean> {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(poll * 100 + 5, 0);
  buf.writeUInt16BE(poll * 100 + 4, 2);
  const h1 = poll * 100 + 1;
  return {
    h0: poll * 100,
    h1: Number((h1 * 0.1).toPrecision(12)),
    f: buf.readFloatBE(0),
    i0: poll * 100 + 10,
    c1: (poll + 1) % 2 === 0,
  };
}

const values = (samples: readonly Sample[]) => Object.fromEntries(samples.map((s) => [s.point, s.value]));

describe('ModbusSource (planned reads, in-place decode) over a real ServerTCP', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it("each poll has its own samples: none changed by the next poll, none carrying the last poll's value", async () => {
    const device = await startDevice();
    cleanup.push(device.close);
    const link = new TcpLink({ host: '127.0.0.1', port: device.port, connectTimeoutMs: 1000 }, log);
    const scheduler = new LinkScheduler(
      link,
      { interFrameDelayMs: 0, reconnect: { baseMs: 10, maxMs: 100 }, reopenAfterTimeouts: 3 },
      log,
    );
    cleanup.push(() => scheduler.close());
    let t = 1_000_000;
    const source = new ModbusSource({
      machine: 'm',
      unitId: 1,
      timeoutMs: 1000,
      points: POINTS,
      limits: LIMITS,
      channel: scheduler,
      now: () => t,
    });
    const polls: { samples: readonly Sample[]; copy: Sample[] }[] = [];
    for (let n = 1; n <= 4; n++) {
      t += 1000;
      const r = await source.poll(t);
      expect(r.reachable).toBe(true);
      expect(r.errors).toEqual([]);
      expect(values(r.samples)).toEqual(expected(n));
      expect(r.samples.every((s) => s.quality === 'good' && s.ts === t && s.machine === 'm')).toBe(true);
      polls.push({ samples: r.samples, copy: r.samples.map((s) => ({ ...s })) });
      device.next();
    }
    // What earlier polls handed out (the bus and the store may still hold it) is untouched.
    for (const p of polls) expect(p.samples).toEqual(p.copy);
    expect(new Set(polls.map((p) => p.samples)).size).toBe(4);
    expect(new Set(polls.flatMap((p) => p.samples)).size).toBe(4 * POINTS.length);
  });
});

describe('ModbusSource bookkeeping (scripted channel)', () => {
  // modbus-serial refuses a reply of the wrong length itself, so no real server can hand the
  // source a short answer; a scripted channel can. It also scripts a timeout without waiting one.
  function scripted(replies: Array<number[] | boolean[] | LinegateError>): ModbusChannel & { asked: number } {
    const ch = {
      asked: 0,
      request: async () => {
        const r = replies[ch.asked++ % replies.length];
        if (r instanceof LinegateError) throw r;
        return r as number[];
      },
    };
    return ch;
  }
  const regs = [
    pt('a', 'holding', 0, 'uint16'),
    pt('b', 'holding', 1, 'uint16'),
    pt('x', 'input', 0, 'uint16'),
  ];

  const scriptedSource = (channel: ReturnType<typeof scripted>) =>
    new ModbusSource({
      machine: 'm',
      unitId: 1,
      timeoutMs: 100,
      points: regs,
      limits: LIMITS,
      channel,
      now: () => 5,
    });

  it('a short answer makes every point of that request bad, and only that request', async () => {
    const channel = scripted([[7], [9]]); // holding 0+2 answered with one value; input 0+1 fine
    const source = scriptedSource(channel);
    const r = await source.poll(5);
    expect(r.samples.map((s) => [s.point, s.value, s.quality])).toEqual([
      ['a', null, 'bad'],
      ['b', null, 'bad'],
      ['x', 9, 'good'],
    ]);
  });

  it('a clean poll after a failed one reports no errors (no list shared between polls)', async () => {
    const timeout = new LinegateError('LG_MODBUS_TIMEOUT', 'no answer in time', {});
    const channel = scripted([timeout, [1, 2], [3]]);
    const source = scriptedSource(channel);
    const failed = await source.poll(5); // timeout on the first request: the second is skipped
    expect(failed.reachable).toBe(false);
    expect(failed.errors).toHaveLength(2);
    expect(failed.samples.every((s) => s.quality === 'bad' && s.value === null)).toBe(true);
    const clean = await source.poll(6);
    expect(clean.errors).toEqual([]);
    expect(values(clean.samples)).toEqual({ a: 1, b: 2, x: 3 });
    expect(failed.errors).toHaveLength(2); // the failed poll's list is its own, unchanged
    const failedAgain = await source.poll(7);
    expect(failedAgain.errors).toHaveLength(2);
    expect(clean.errors).toEqual([]);
  });
});
