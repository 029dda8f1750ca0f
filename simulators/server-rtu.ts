import M, { type IServiceVector, type ServerSerial } from 'modbus-serial';
import type { Logger } from 'pino';
import { garbleRtuFrame } from './garbage.js';
import { createServiceVector, type SimUnit, TimerSet } from './service-vector.js';

/**
 * A Modbus RTU slave (modbus-serial's ServerSerial) on a serial port, answering for every unit id
 * it hosts: several slaves on one RS-485 line. For tests and demos the port is one end of a socat
 * pty pair (`socat -d -d pty,raw,echo=0,link=/tmp/sim pty,raw,echo=0,link=/tmp/gw`).
 *
 * On a serial line an absent unit id gets no answer at all, as on a real bus.
 * Faults at the server level: disconnect(ms) makes the whole line silent for ms (a pulled cable
 * looks like silence). Garbage (per unit): ServerSerial writes its answers through
 * `options.portResponse` when given, so we pass a writer that garbles answers for garbled units
 * (slave address in byte 0) before they reach the port (see garbage.ts).
 */

const { ServerSerial: ServerSerialCtor } = M;

/** ServerSerial's JS constructor takes serialport options as a third argument; the .d.ts omits it. */
type ServerSerialWithPortOptions = new (
  vector: IServiceVector,
  options: Record<string, unknown>,
  serialportOptions: Record<string, unknown>,
) => ServerSerial;

interface PortLike {
  write(data: Buffer): boolean;
}

export interface RtuServerDeps {
  readonly path: string;
  readonly baudRate: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
  readonly units: ReadonlyMap<number, SimUnit>;
  readonly logger: Logger;
  /** Silence on the line that ends a request frame (ServerSerial's `interval`); default 30 ms. */
  readonly frameGapMs?: number;
}

export class SimRtuServer {
  private server: ServerSerial | null = null;
  private readonly timers = new TimerSet();
  private silentUntil = 0;
  private silence: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  constructor(private readonly deps: RtuServerDeps) {}

  get where(): string {
    const { path, baudRate, dataBits, parity, stopBits } = this.deps;
    return `rtu:${path}@${baudRate}-${dataBits}${parity[0]?.toUpperCase() ?? 'N'}${stopBits}`;
  }

  /** Open the port; rejects if it cannot be opened. */
  start(): Promise<void> {
    const { path, baudRate, parity, dataBits, stopBits, units, logger } = this.deps;
    const vector = createServiceVector({
      units,
      unknownUnit: 'silent',
      timers: this.timers,
      silenced: () => Date.now() < this.silentUntil,
      logger,
    });
    const portResponse = {
      write: (frame: Buffer): boolean => {
        const port = this.port();
        if (!port) return false;
        const garbled = units.get(frame[0] ?? -1)?.faults.garbled ?? false;
        return port.write(garbled ? garbleRtuFrame(frame) : frame);
      },
    };
    return new Promise<void>((resolve, reject) => {
      const Ctor = ServerSerialCtor as unknown as ServerSerialWithPortOptions;
      const server = new Ctor(
        vector,
        {
          path,
          baudRate,
          parity,
          interval: this.deps.frameGapMs ?? 30,
          portResponse,
          openCallback: (err: Error | null) => {
            if (err) {
              reject(new Error(`cannot open ${path}: ${err.message}`));
              return;
            }
            this.server = server;
            logger.info({ where: this.where, units: [...units.keys()] }, 'modbus rtu listening');
            resolve();
          },
        },
        { dataBits, stopBits },
      );
      server.on('socketError', (err) => logger.debug({ err, where: this.where }, 'serial error'));
      server.on('error', (err) => logger.warn({ err, where: this.where }, 'modbus rtu error'));
    });
  }

  /** The whole line goes silent for ms; resolves when it answers again. */
  disconnect(ms: number): Promise<void> {
    this.silentUntil = Date.now() + ms;
    this.deps.logger.info({ where: this.where, ms }, 'disconnect: line silent');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.silence = null;
        resolve();
      }, ms);
      this.silence = { timer, resolve };
    });
  }

  async stop(): Promise<void> {
    this.timers.clear();
    if (this.silence) {
      clearTimeout(this.silence.timer);
      this.silence.resolve();
      this.silence = null;
    }
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private port(): PortLike | undefined {
    const server = this.server as unknown as { getPort?: () => PortLike } | null;
    return server?.getPort?.();
  }
}
