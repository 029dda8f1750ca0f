import { createServer, type Server, type Socket } from 'node:net';
import M from 'modbus-serial';

/**
 * Modbus TCP servers for fault tests.
 * - `startVectorServer`: modbus-serial's real ServerTCP with a vector the test controls (answers,
 *   exception codes, or no answer at all for a stalled unit).
 * - `startRawServer`: a FAKE server on a plain socket, for what no real server produces on demand:
 *   a connection reset in the middle of a response, truncated and garbage frames.
 */
export interface Closing {
  readonly port: number;
  close(): Promise<void>;
}

export type HoldingHandler = (
  unitId: number,
  addr: number,
  length: number,
) => number[] | { exception: number } | 'stall';

export async function startVectorServer(handler: HoldingHandler): Promise<Closing> {
  const answer = (
    addr: number,
    length: number,
    unitID: number,
    cb: (err: Error | null, v: number[]) => void,
  ) => {
    const r = handler(unitID, addr, length);
    if (r === 'stall') return; // never answered
    if (Array.isArray(r)) cb(null, r);
    else cb(Object.assign(new Error(`exception ${r.exception}`), { modbusErrorCode: r.exception }), []);
  };
  // modbus-serial's server asks getHoldingRegister for one-register reads, the other for longer ones.
  const vector = {
    getMultipleHoldingRegisters(
      addr: number,
      length: number,
      unitID: number,
      cb: (err: Error | null, v: number[]) => void,
    ) {
      answer(addr, length, unitID, cb);
    },
    getHoldingRegister(addr: number, unitID: number, cb: (err: Error | null, v: number) => void) {
      answer(addr, 1, unitID, (err, v) => cb(err, v[0] ?? 0));
    },
  };
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const server = new M.ServerTCP(vector, { host: '127.0.0.1', port, unitID: 255 });
  server.on('socketError', () => undefined);
  await new Promise<void>((resolve) => server.on('initialized', () => resolve()));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of server.socks.keys()) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What the fake server does with request n: write bytes, write bytes then reset, or stay silent. */
export type RawAnswer = Buffer | { readonly partial: Buffer; readonly thenReset: true } | 'silent';

/** A fake Modbus TCP server driven by `answer(request, n)`. */
export async function startRawServer(answer: (req: Buffer, n: number) => RawAnswer): Promise<Closing> {
  const sockets = new Set<Socket>();
  let n = 0;
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (req) => {
      const a = answer(req, n++);
      if (a === 'silent') return;
      if (Buffer.isBuffer(a)) sock.write(a);
      else sock.write(a.partial, () => sock.resetAndDestroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A correct Modbus TCP answer to an FC3 request for one register (MBAP header + PDU, written out). */
export function fc3Answer(req: Buffer, value: number): Buffer {
  const tid = req.readUInt16BE(0);
  const unit = req.readUInt8(6);
  return Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 5, unit, 0x03, 0x02, value >> 8, value & 0xff]);
}
