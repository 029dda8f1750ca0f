import type { Logger } from 'pino';
import type { BusConfig, ConnectionConfig } from '../../../config/types.js';
import { type ModbusLink, RtuLink, TcpLink } from './transport.js';

/** How a connection type finds (or makes) its shared link, and the link's scheduling options. */
export interface LinkFactory<C extends ConnectionConfig> {
  key(conn: C): string;
  create(conn: C, buses: ReadonlyMap<string, BusConfig>, log: Logger): ModbusLink;
  interFrameDelayMs(conn: C, buses: ReadonlyMap<string, BusConfig>): number;
  /** TCP: a silent peer is reconnected after a few timeouts; serial: the port stays open. */
  readonly reopenAfterTimeouts: number;
}

const tcp: LinkFactory<Extract<ConnectionConfig, { type: 'tcp' }>> = {
  key: (c) => `tcp://${c.host}:${c.port}`,
  create: (c, _b, log) =>
    new TcpLink({ host: c.host, port: c.port, connectTimeoutMs: Math.max(c.timeoutMs, 1000) }, log),
  interFrameDelayMs: () => 0,
  reopenAfterTimeouts: 3,
};

const rtu: LinkFactory<Extract<ConnectionConfig, { type: 'rtu' }>> = {
  key: (c) => `rtu:${c.bus}`,
  create: (c, buses, log) => {
    const b = buses.get(c.bus);
    if (!b) throw new Error(`unknown bus ${c.bus}`); // the config loader already refused this
    return new RtuLink(
      { path: b.path, baudRate: b.baudRate, parity: b.parity, dataBits: b.dataBits, stopBits: b.stopBits },
      log,
    );
  },
  interFrameDelayMs: (c, buses) => buses.get(c.bus)?.interFrameDelayMs ?? 0,
  reopenAfterTimeouts: 0,
};

/** Register, don't branch: one factory per connection type. */
export const LINK_FACTORIES: {
  [K in ConnectionConfig['type']]: LinkFactory<Extract<ConnectionConfig, { type: K }>>;
} = {
  tcp,
  rtu,
};

export function linkFactory(conn: ConnectionConfig): LinkFactory<ConnectionConfig> {
  return LINK_FACTORIES[conn.type] as LinkFactory<ConnectionConfig>;
}
