import { createServer, type Socket } from 'node:net';
import M, { type ServerTCP } from 'modbus-serial';
import type { Logger } from 'pino';
import { garbleTcpFrame } from './garbage.js';
import { createServiceVector, type SimUnit, TimerSet } from './service-vector.js';

/**
 * A Modbus TCP server (modbus-serial's ServerTCP) hosting one or more simulated units: a PLC with
 * Ethernet, or a TCP-to-RTU converter with several slaves behind it.
 *
 * Faults at the server level:
 * - disconnect(ms): every open socket is destroyed and the port stops listening (clients get
 *   ECONNREFUSED) for ms, then the server listens again on the same port.
 * - garbage (per unit): ServerTCP keeps its open sockets in `server.socks`; we replace that Map with
 *   one whose set() wraps each new socket's write(), so an answer for a garbled unit (unit id at
 *   byte 6 of the MBAP frame) is swapped for an invalid frame on its way out (see garbage.ts).
 */

const { ServerTCP: ServerTCPCtor } = M;

export interface TcpServerDeps {
  readonly host: string;
  /** 0 = pick a free port; start() resolves with the actual one. */
  readonly port: number;
  readonly units: ReadonlyMap<number, SimUnit>;
  readonly logger: Logger;
  /** Exception for unit ids nobody hosts (default 0x0B, gateway target failed to respond). */
  readonly unknownUnitException?: number;
}

/** A socket Map whose set() wraps each new socket so garbled units answer garbage. */
class GarblingSockets extends Map<Socket, 0> {
  constructor(private readonly garbled: (unitId: number) => boolean) {
    super();
  }

  override set(sock: Socket, value: 0): this {
    if (!this.has(sock)) wrapWrite(sock, this.garbled);
    return super.set(sock, value);
  }
}

function wrapWrite(sock: Socket, garbled: (unitId: number) => boolean): void {
  const original = sock.write;
  const patched = (chunk: unknown, ...rest: unknown[]): boolean => {
    const unitId = Buffer.isBuffer(chunk) && chunk.length > 6 ? chunk[6] : undefined;
    const out = unitId !== undefined && garbled(unitId) ? garbleTcpFrame(chunk as Buffer) : chunk;
    return Reflect.apply(original, sock, [out, ...rest]) as boolean;
  };
  sock.write = patched as Socket['write'];
}

export class SimTcpServer {
  port: number;
  private server: ServerTCP | null = null;
  private readonly timers = new TimerSet();
  private stopped = false;
  private reopen: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  constructor(private readonly deps: TcpServerDeps) {
    this.port = deps.port;
  }

  get where(): string {
    return `tcp://${this.deps.host}:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Listen; resolves with the port. */
  async start(): Promise<number> {
    this.stopped = false;
    const ephemeral = this.deps.port === 0;
    for (let attempt = 1; ; attempt++) {
      const port = ephemeral ? await freePort(this.deps.host) : this.deps.port;
      try {
        await this.listen(port);
        this.port = port;
        this.deps.logger.info(
          { where: this.where, units: [...this.deps.units.keys()] },
          'modbus tcp listening',
        );
        return port;
      } catch (err) {
        // Another process may grab the probed port between probe and listen: try another one.
        if (!ephemeral || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  /** Drop every connection and refuse new ones for ms; resolves when listening again. */
  async disconnect(ms: number): Promise<void> {
    if (this.stopped || !this.server) return;
    this.deps.logger.info({ where: this.where, ms }, 'disconnect: closing sockets, not listening');
    await this.closeServer();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.reopen = null;
        resolve();
      }, ms);
      this.reopen = { timer, resolve };
    });
    if (this.stopped) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.listen(this.port);
        this.deps.logger.info({ where: this.where }, 'disconnect over: listening again');
        return;
      } catch (err) {
        if (attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clear();
    if (this.reopen) {
      clearTimeout(this.reopen.timer);
      this.reopen.resolve();
      this.reopen = null;
    }
    await this.closeServer();
  }

  private listen(port: number): Promise<void> {
    const { host, units, logger } = this.deps;
    const vector = createServiceVector({
      units,
      unknownUnit: this.deps.unknownUnitException ?? 0x0b,
      timers: this.timers,
      logger,
    });
    return new Promise<void>((resolve, reject) => {
      const server = new ServerTCPCtor(vector, { host, port });
      server.socks = new GarblingSockets((unitId) => units.get(unitId)?.faults.garbled ?? false);
      const onInitialized = (): void => {
        server.removeListener('serverError', onStartError);
        server.on('serverError', (err) => logger.warn({ err, where: this.where }, 'modbus tcp server error'));
        this.server = server;
        resolve();
      };
      const onStartError = (err: Error | null): void => {
        server.removeListener('initialized', onInitialized);
        server.close(() => undefined);
        reject(err ?? new Error('listen failed'));
      };
      server.once('initialized', onInitialized);
      server.once('serverError', onStartError);
      server.on('socketError', (err) => logger.debug({ err, where: this.where }, 'client socket error'));
      server.on('error', (err) => logger.warn({ err, where: this.where }, 'modbus tcp error'));
    });
  }

  private closeServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // ServerTCP.close() stops listening and destroys the open sockets; the callback runs once
      // the listener is closed.
      server.close(() => resolve());
    });
  }
}

/** Ask the OS for a free port on host. */
export function freePort(host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
