/**
 * npm run bench:modbus — Modbus acquisition figures (issue "Gateway foundation"):
 *  A. 20 Modbus TCP devices × 50 points on loopback: requests per scan vs the theoretical
 *     minimum, and the wall time of one scan of all 1 000 points (all devices in parallel).
 *  B. Modbus RTU over a socat pty pair at 9600 and 115200 baud: achieved registers/s with
 *     125-register reads vs the line's physical limit. A pty moves bytes instantly whatever the
 *     baud rate, so the slave here answers after the time the frames would take on a real line
 *     (11-bit characters, t3.5 silence; Modbus over serial line v1.02 §2.5.1.1): the figure is
 *     the share of the line the gateway's scheduling leaves unused.
 * Prints tables and writes .bench/modbus.json.
 */
import { createServer } from 'node:net';
import M from 'modbus-serial';
import { pino } from 'pino';
import type { PointDef } from '../gateway/core/points.js';
import { LinkScheduler } from '../gateway/runtime/link-scheduler.js';
import { planReads } from '../gateway/sources/modbus/plan.js';
import { ModbusSource } from '../gateway/sources/modbus/source.js';
import { RtuLink, TcpLink } from '../gateway/sources/modbus/transport.js';
import { openPtyPair } from '../tests/peers/socat.js';
import { median, printTable, quantile, writeResult } from './lib.js';

const log = pino({ level: 'silent' });
const LIMITS = { maxRegistersPerRead: 125, maxBitsPerRead: 2000, maxGap: 10, interRequestDelayMs: 0 };

function point(
  name: string,
  area: PointDef['area'],
  address: number,
  type: PointDef['type'],
  order: PointDef['order'] = 'ABCD',
): PointDef {
  return { name, area, address, type, order, scale: 1, offset: 0 };
}

/** 50 points in the shape of a real PLC map: a status block, a float block, an input block, coils. */
function devicePoints(): PointDef[] {
  const pts: PointDef[] = [];
  for (let i = 0; i < 20; i++) pts.push(point(`h${i}`, 'holding', i, 'uint16'));
  for (let i = 0; i < 10; i++) pts.push(point(`f${i}`, 'holding', 100 + 2 * i, 'float32', 'CDAB'));
  for (let i = 0; i < 10; i++) pts.push(point(`i${i}`, 'input', 1000 + i, 'int16'));
  for (let i = 0; i < 10; i++) pts.push(point(`c${i}`, 'coil', i, 'bool'));
  return pts;
}

/** Independent minimum: contiguous runs (gap ≤ maxGap) per area, each split by the size limit. */
function theoreticalMinimum(points: readonly PointDef[], maxGap: number): number {
  let total = 0;
  for (const area of ['coil', 'discrete', 'holding', 'input'] as const) {
    const spans = points
      .filter((p) => p.area === area)
      .map((p) => [p.address, p.address + (p.type === 'float32' ? 2 : 1) - 1] as const)
      .sort((a, b) => a[0] - b[0]);
    let start = -1;
    let end = -Infinity;
    for (const [s, e] of spans) {
      if (s - end - 1 > maxGap || e - start + 1 > (area === 'coil' || area === 'discrete' ? 2000 : 125)) {
        total++;
        start = s;
      }
      end = Math.max(end, e);
    }
  }
  return total;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function vector(delayMs: (regs: number) => number) {
  const later = (ms: number, fn: () => void) => (ms > 0 ? setTimeout(fn, ms) : setImmediate(fn));
  const regs = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    getMultipleHoldingRegisters: (_a: number, n: number, _u: number, cb: (e: null, v: number[]) => void) =>
      later(delayMs(n), () => cb(null, regs(n))),
    getMultipleInputRegisters: (_a: number, n: number, _u: number, cb: (e: null, v: number[]) => void) =>
      later(delayMs(n), () => cb(null, regs(n))),
    getHoldingRegister: (a: number, _u: number, cb: (e: null, v: number) => void) =>
      later(delayMs(1), () => cb(null, a)),
    getInputRegister: (a: number, _u: number, cb: (e: null, v: number) => void) =>
      later(delayMs(1), () => cb(null, a)),
    getCoil: (a: number, _u: number, cb: (e: null, v: boolean) => void) => cb(null, a % 2 === 0),
    getDiscreteInput: (a: number, _u: number, cb: (e: null, v: boolean) => void) => cb(null, a % 2 === 1),
  };
}

async function benchTcp(devices: number, scans: number) {
  const points = devicePoints();
  const servers: InstanceType<typeof M.ServerTCP>[] = [];
  const sources: ModbusSource[] = [];
  const schedulers: LinkScheduler[] = [];
  for (let d = 0; d < devices; d++) {
    const port = await freePort();
    const server = new M.ServerTCP(
      vector(() => 0),
      { host: '127.0.0.1', port, unitID: 255 },
    );
    await new Promise<void>((r) => server.on('initialized', () => r()));
    servers.push(server);
    const sched = new LinkScheduler(
      new TcpLink({ host: '127.0.0.1', port, connectTimeoutMs: 1000 }, log),
      { interFrameDelayMs: 0, reconnect: { baseMs: 100, maxMs: 1000 }, reopenAfterTimeouts: 3 },
      log,
    );
    schedulers.push(sched);
    sources.push(
      new ModbusSource({
        machine: `d${d}`,
        unitId: 1,
        timeoutMs: 1000,
        points,
        limits: LIMITS,
        channel: sched,
        now: Date.now,
      }),
    );
  }
  const planned = planReads(points, { maxRegisters: 125, maxBits: 2000, maxGap: LIMITS.maxGap }).length;
  const minimum = theoreticalMinimum(points, LIMITS.maxGap);
  await Promise.all(sources.map((s) => s.poll(Date.now()))); // connect + warm up
  const times: number[] = [];
  let bad = 0;
  for (let i = 0; i < scans; i++) {
    const t0 = performance.now();
    const results = await Promise.all(sources.map((s) => s.poll(Date.now())));
    times.push(performance.now() - t0);
    bad += results.reduce((n, r) => n + r.samples.filter((x) => x.quality !== 'good').length, 0);
  }
  await Promise.all(schedulers.map((s) => s.close()));
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return {
    devices,
    points: devices * points.length,
    requestsPerDeviceScan: planned,
    theoreticalMinimum: minimum,
    scans,
    scanMedianMs: median(times),
    scanP95Ms: quantile(times, 0.95),
    badSamples: bad,
  };
}

/** Time of one 125-register FC3 transaction on a real line: frames + two t3.5 silences. */
function lineModel(baud: number) {
  const bitsPerChar = 11; // start + 8 data + parity + stop (or 2 stop bits): §2.5.1
  const charMs = (bitsPerChar * 1000) / baud;
  const t35 = baud > 19200 ? 1.75 : 3.5 * charMs; // §2.5.1.1: fixed 1.75 ms above 19200 baud
  const req = 8 * charMs;
  const resp = (n: number) => (5 + 2 * n) * charMs;
  const transactionMs = req + resp(125) + 2 * t35;
  return { req, resp, t35, limitRegsPerS: (125 * 1000) / transactionMs };
}

async function benchRtu(baud: number, seconds: number) {
  const model = lineModel(baud);
  const pair = await openPtyPair();
  // The slave detects the end of a request by a silence of `interval` ms (its t3.5), then answers
  // after the time the request and the response take on the wire.
  const interval = Math.max(1, Math.ceil(model.t35));
  const server = new M.ServerSerial(
    vector((n) => model.req + model.resp(n) + model.t35 - interval),
    { path: pair.a, baudRate: baud, unitID: 1, interval } as never,
  );
  await new Promise<void>((r) => setTimeout(r, 300));
  const interFrameDelayMs = Math.ceil(model.t35);
  const sched = new LinkScheduler(
    new RtuLink({ path: pair.b, baudRate: baud, parity: 'none', dataBits: 8, stopBits: 1 }, log),
    { interFrameDelayMs, reconnect: { baseMs: 100, maxMs: 1000 }, reopenAfterTimeouts: 0 },
    log,
  );
  const points = Array.from({ length: 125 }, (_, i) => point(`r${i}`, 'holding', i, 'uint16'));
  const src = new ModbusSource({
    machine: 'rtu',
    unitId: 1,
    timeoutMs: 2000,
    points,
    limits: LIMITS,
    channel: sched,
    now: Date.now,
  });
  await src.poll(Date.now());
  let regs = 0;
  let errors = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const r = await src.poll(Date.now());
    if (r.errors.length === 0) regs += 125;
    else errors++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  await sched.close();
  await new Promise<void>((r) => server.close(() => r()));
  await pair.close();
  const achieved = regs / elapsed;
  return {
    baud,
    interFrameDelayMs,
    seconds: Math.round(elapsed * 10) / 10,
    registersPerS: achieved,
    lineLimitRegistersPerS: model.limitRegsPerS,
    shareOfLimitPct: (100 * achieved) / model.limitRegsPerS,
    errors,
  };
}

async function main() {
  const quick = process.argv.includes('--quick');
  const tcp = await benchTcp(20, quick ? 20 : 200);
  printTable('A. Modbus TCP, 20 devices × 50 points on loopback (all devices polled in parallel)', [
    {
      'requests/device scan': tcp.requestsPerDeviceScan,
      'theoretical min': tcp.theoreticalMinimum,
      'points/scan': tcp.points,
      'scan median ms': tcp.scanMedianMs,
      'scan p95 ms': tcp.scanP95Ms,
      scans: tcp.scans,
      'bad samples': tcp.badSamples,
    },
  ]);
  const rtu = [];
  for (const baud of [9600, 115200]) rtu.push(await benchRtu(baud, quick ? 3 : baud === 9600 ? 15 : 8));
  printTable(
    'B. Modbus RTU on a socat pty pair, 125-register reads, line timing modelled by the slave',
    rtu.map((r) => ({
      baud: r.baud,
      'registers/s': r.registersPerS,
      'line limit': r.lineLimitRegistersPerS,
      '% of limit': r.shareOfLimitPct,
      'inter-frame ms': r.interFrameDelayMs,
      errors: r.errors,
      seconds: r.seconds,
    })),
  );
  const file = writeResult('modbus', {
    tcp,
    rtu,
    targets: {
      requestsEqualMinimum: tcp.requestsPerDeviceScan === tcp.theoreticalMinimum,
      scan1000PointsUnder100ms: tcp.scanMedianMs < 100,
      rtuAtLeast80Pct: rtu.every((r) => r.shareOfLimitPct >= 80),
    },
  });
  process.stdout.write(`\nwrote ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:modbus failed: ${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
