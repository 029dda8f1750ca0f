import { SerialPort } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AcquisitionHarness, SITE, sleep, startAcquisition } from './helpers/acquisition.js';
import { type Closing, fc3Answer, startRawServer, startVectorServer } from './helpers/modbus-servers.js';
import { pymodbusAvailable, startPymodbus } from './peers/pymodbus.js';
import { hasCommand, requirePeer } from './peers/require-peer.js';
import { openPtyPair } from './peers/socat.js';

const ok = requirePeer('pymodbus', pymodbusAvailable) && requirePeer('socat', () => hasCommand('socat'));

const machine = (id: string, port: number, unitId: number, extra = '') => `
  - id: ${id}
    name: ${id}
    kind: packer
    line: line-1
    pollIntervalMs: 200
    connection: { type: tcp, host: 127.0.0.1, port: ${port}, unitId: ${unitId}, timeoutMs: 300 }
    points:
      - { name: v, area: holding, address: 0, type: uint16, role: good_counter }
${extra}`;

let gw: AcquisitionHarness | undefined;
const closers: Closing[] = [];
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

describe.skipIf(!ok)('Modbus faults', () => {
  it('classifies each exception code', async () => {
    // Unit N answers every read with exception code N (Modbus v1.1b3 §7); unit 100 answers 42.
    const srv = await startVectorServer((unit, _a, len) =>
      unit === 100 ? new Array(len).fill(42) : { exception: unit },
    );
    closers.push(srv);
    const codes = [1, 2, 3, 4, 5, 6, 10, 11];
    gw = startAcquisition(
      `${SITE}\nmachines:\n${[...codes.map((c) => machine(`ex${c}`, srv.port, c)), machine('good', srv.port, 100)].join('')}`,
    );
    await sleep(2500);
    for (const c of codes) {
      const s = gw.latest(`ex${c}`, 'v');
      expect(s, `ex${c}`).toMatchObject({ value: null, quality: 'bad' });
      expect(gw.stats(`ex${c}`).lastError?.code).toBe('LG_MODBUS_EXCEPTION');
    }
    const online = (id: string) => gw?.statuses.filter((e) => e.machine === id).at(-1)?.online;
    // 1–4: the device answered, so it is online; 10/11: the gateway says the unit is unreachable.
    for (const c of [1, 2, 3, 4, 5, 6]) expect(online(`ex${c}`), `ex${c}`).toBe(true);
    for (const c of [10, 11]) expect(online(`ex${c}`), `ex${c}`).toBe(false);
    // 1–3 are configuration errors: asked once, then left alone for a minute.
    for (const c of [1, 2, 3]) expect(gw.stats(`ex${c}`).requests, `ex${c}`).toBe(1);
    // 4 is asked every poll; 5/6 (busy) are retried once inside each poll.
    const polls4 = gw.stats('ex4').requests;
    expect(polls4).toBeGreaterThan(5);
    expect(gw.stats('ex6').requests).toBeGreaterThanOrEqual(Math.floor(polls4 * 1.5));
    expect(gw.latest('good', 'v')).toMatchObject({ value: 42, quality: 'good' });
  });

  it('a stalled unit goes offline without stopping its neighbour behind the same converter', async () => {
    const srv = await startVectorServer((unit, _a, len) => (unit === 2 ? 'stall' : new Array(len).fill(7)));
    closers.push(srv);
    gw = startAcquisition(
      `${SITE}\nmachines:\n${machine('alive', srv.port, 1)}${machine('stalled', srv.port, 2)}`,
    );
    await sleep(4000);
    const from = Date.now() - 3000;
    const good = gw.samples.filter((s) => s.machine === 'alive' && s.quality === 'good' && s.ts >= from);
    expect(good.length).toBeGreaterThanOrEqual(10); // 15 polls at 200 ms, minus the odd 300 ms timeout
    expect(gw.latest('stalled', 'v')).toMatchObject({ value: null, quality: 'bad' });
    expect(gw.stats('stalled').timeouts).toBeGreaterThan(0);
    expect(gw.statuses.find((e) => e.machine === 'stalled')?.online).toBe(false);
  });

  it('reconnects after the server is killed and restarted', async () => {
    const server = await startPymodbus({ transport: 'tcp', units: { 1: { holding: { 0: 11 } } } });
    try {
      gw = startAcquisition(`${SITE}\nmachines:\n${machine('m', server.port ?? 0, 1)}`);
      await gw.next((s) => s.value === 11);
      await server.kill('SIGKILL');
      await gw.next((s) => s.machine === 'm' && s.quality === 'bad');
      await server.setRegisters(1, 'holding', 0, [12]).catch(() => undefined);
      await sleep(1500);
      await server.restart();
      await server.setRegisters(1, 'holding', 0, [12]);
      const back = await gw.next((s) => s.value === 12, 35_000); // backoff is capped at 30 s
      expect(back.quality).toBe('good');
      const statuses = gw.statuses.filter((e) => e.machine === 'm').map((e) => e.online);
      expect(statuses).toEqual([true, false, true]);
    } finally {
      await server.kill();
    }
  });

  it('survives resets mid-response, truncated and garbage frames, and never publishes a wrong value', async () => {
    // FAKE server (no real one does this on demand): cycles through good / reset after half a
    // frame / truncated frame / garbage / wrong transaction id.
    const srv = await startRawServer((req, n) => {
      const good = fc3Answer(req, 1234);
      switch (n % 5) {
        case 0:
          return good;
        case 1:
          return { partial: good.subarray(0, 8), thenReset: true };
        case 2:
          return good.subarray(0, good.length - 1);
        case 3:
          return Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
        default: {
          const wrong = Buffer.from(good);
          wrong.writeUInt16BE((req.readUInt16BE(0) + 7) & 0xffff, 0);
          wrong.writeUInt16BE(999, 9);
          return wrong;
        }
      }
    });
    closers.push(srv);
    gw = startAcquisition(`${SITE}\nmachines:\n${machine('m', srv.port, 1)}`);
    await sleep(6000);
    const mine = gw.samples.filter((s) => s.machine === 'm');
    const good = mine.filter((s) => s.quality === 'good');
    expect(good.length).toBeGreaterThan(0);
    expect(mine.length - good.length).toBeGreaterThan(0);
    for (const s of good) expect(s.value).toBe(1234);
    expect(gw.stats('m').errors).toBeGreaterThan(0);
  });

  it('garbage on an RTU line never becomes a value', async () => {
    const pair = await openPtyPair();
    // A FAKE slave on the other end of the line: every request gets a frame with a bad CRC.
    const slave = new SerialPort({ path: pair.a, baudRate: 9600 });
    slave.on('data', () => slave.write(Buffer.from([0x01, 0x03, 0x02, 0x04, 0xd2, 0x00, 0x00])));
    slave.on('error', () => undefined);
    try {
      gw = startAcquisition(
        `${SITE}
buses: [{ id: rs485-1, path: ${pair.b}, baudRate: 9600, timeoutMs: 200 }]
machines:
  - { id: m, name: m, kind: sealer_x, line: line-1, pollIntervalMs: 200, connection: { type: rtu, bus: rs485-1, unitId: 1 },
      points: [{ name: v, area: holding, address: 0, type: uint16 }] }
`.replace('sealer_x', 'vacuum_sealer'),
      );
      await sleep(2000);
      const mine = gw.samples.filter((s) => s.machine === 'm');
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((s) => s.quality === 'bad' && s.value === null)).toBe(true);
      expect(gw.stats('m').errors).toBeGreaterThan(0);
    } finally {
      await gw?.stop();
      gw = undefined;
      await new Promise<void>((resolve) => slave.close(() => resolve()));
      await pair.close();
    }
  });

  it('a missing serial device takes down only its machines', async () => {
    const srv = await startVectorServer((_u, _a, len) => new Array(len).fill(5));
    closers.push(srv);
    gw = startAcquisition(`${SITE}
buses: [{ id: rs485-9, path: /dev/ttyLINEGATE-NOPE, baudRate: 9600 }]
machines:
${machine('tcp-ok', srv.port, 1)}
  - { id: lost, name: lost, kind: fryer, line: line-1, pollIntervalMs: 200, connection: { type: rtu, bus: rs485-9, unitId: 1 },
      points: [{ name: v, area: holding, address: 0, type: uint16 }] }
`);
    await sleep(1500);
    expect(gw.latest('tcp-ok', 'v')).toMatchObject({ value: 5, quality: 'good' });
    expect(gw.latest('lost', 'v')).toMatchObject({ value: null, quality: 'bad' });
    expect(gw.stats('lost').lastError?.code).toBe('LG_MODBUS_CONNECT');
    expect(gw.statuses.find((e) => e.machine === 'lost')?.online).toBe(false);
  });
});

afterAll(async () => {
  await gw?.stop();
});
