/**
 * The Modbus side of `npm run bench:footprint`, in its own process: N Modbus TCP devices
 * (modbus-serial ServerTCP, one port each) answering from a static vector: the first 10 holding
 * registers change every second (a counter, a temperature), the rest are constant, like a PLC at
 * steady state. Nothing is simulated between requests, so it costs little CPU.
 * argv: the ports. Prints {"ready":true} when every server listens.
 */
import M from 'modbus-serial';

const ports = process.argv.slice(2).map(Number);
const moving = (a: number) => (a < 10 ? (a * 100 + Math.floor(Date.now() / 1000)) & 0xffff : a);
const vector = {
  getMultipleHoldingRegisters: (a: number, n: number, _u: number, cb: (e: null, v: number[]) => void) =>
    cb(
      null,
      Array.from({ length: n }, (_, i) => moving(a + i)),
    ),
  getMultipleInputRegisters: (a: number, n: number, _u: number, cb: (e: null, v: number[]) => void) =>
    cb(
      null,
      Array.from({ length: n }, (_, i) => a + i),
    ),
  getHoldingRegister: (a: number, _u: number, cb: (e: null, v: number) => void) => cb(null, moving(a)),
  getInputRegister: (a: number, _u: number, cb: (e: null, v: number) => void) => cb(null, a),
  getCoil: (a: number, _u: number, cb: (e: null, v: boolean) => void) => cb(null, a % 2 === 0),
  getDiscreteInput: (a: number, _u: number, cb: (e: null, v: boolean) => void) => cb(null, a % 2 === 1),
};
await Promise.all(
  ports.map(
    (port) =>
      new Promise<void>((resolve) => {
        const server = new M.ServerTCP(vector, { host: '127.0.0.1', port, unitID: 255 });
        server.on('initialized', () => resolve());
      }),
  ),
);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on('SIGTERM', () => process.exit(0));
