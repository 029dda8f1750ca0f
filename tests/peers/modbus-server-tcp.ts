import M from 'modbus-serial';
import { freePort } from './free-port.js';

/**
 * modbus-serial's real ServerTCP on a free loopback port, answering from `vector` (unit id 255:
 * any unit). `close()` drops the open connections and stops the listener.
 */
export async function listenServerTCP(
  vector: ConstructorParameters<typeof M.ServerTCP>[0],
): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
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
