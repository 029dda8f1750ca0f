import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { listenServerTCP } from '../../../tests/peers/modbus-server-tcp.js';
import { TcpLink } from './transport.js';

const log = pino({ level: 'silent' });

type Reply = (err: Error | null, v: number[]) => void;

/**
 * modbus-serial's real ServerTCP on a free loopback port (reads of 2+ registers: it asks
 * getHoldingRegister for one-register reads). `hold` keeps the next request's reply
 * until `release()` is called (a device that answers after the client gave up).
 */
async function startServer() {
  let n = 0;
  let holding = false;
  const held: Array<() => void> = [];
  const vector = {
    getMultipleHoldingRegisters(addr: number, length: number, _unit: number, cb: Reply) {
      n++;
      const values = Array.from({ length }, (_, i) => (n * 10 + addr + i) & 0xffff);
      if (holding) {
        holding = false;
        held.push(() => cb(null, values));
      } else cb(null, values);
    },
  };
  const { port, close } = await listenServerTCP(vector);
  return {
    port,
    requests: () => n,
    hold: () => {
      holding = true;
    },
    release: () => {
      for (const f of held.splice(0)) f();
    },
    close,
  };
}

describe('TcpLink (modbus-serial over a real ServerTCP)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function open() {
    const server = await startServer();
    cleanup.push(server.close);
    const link = new TcpLink({ host: '127.0.0.1', port: server.port, connectTimeoutMs: 1000 }, log);
    cleanup.push(() => link.close());
    await link.open();
    return { server, link };
  }

  it('keeps no transaction record once a read has settled, over more than 256 transaction ids', async () => {
    const { server, link } = await open();
    for (let i = 0; i < 300; i++) {
      const v = await link.read(1, 'holding', 5, 2, 1000);
      expect(v).toEqual([(server.requests() * 10 + 5) & 0xffff, (server.requests() * 10 + 6) & 0xffff]);
      expect(link.retainedTransactions).toBe(0);
    }
    expect(server.requests()).toBe(300);
  });

  it('ignores a late reply to a request that timed out: the next read gets its own reply', async () => {
    const { server, link } = await open();
    server.hold();
    await expect(link.read(1, 'holding', 0, 2, 100)).rejects.toMatchObject({ code: 'LG_MODBUS_TIMEOUT' });
    expect(link.retainedTransactions).toBe(0);
    server.release(); // the first request's reply (10, 11) arrives now, after the client gave up
    const v = await link.read(1, 'holding', 0, 2, 1000);
    expect(v).toEqual([20, 21]); // the second request's own reply
    expect(link.retainedTransactions).toBe(0);
  });
});
