import type M from 'modbus-serial';
import type { Logger } from 'pino';
import { LinegateError } from '../../core/errors.js';
import type { RegisterArea } from '../../core/points.js';

/**
 * The only file that touches modbus-serial (and, through it, serialport).
 * A link is one physical path: one TCP connection to host:port (shared by the unit ids behind a
 * TCP-to-RTU converter) or one serial port (shared by the unit ids on the RS-485 line).
 *
 * Calling rules: the link scheduler (runtime) calls `open()` before `read()` and never issues a
 * second `read()` while one is outstanding. A link holds no timers of its own other than the
 * per-request timeout that modbus-serial runs. `close()` may be called at any time, repeatedly.
 */
export interface ModbusLink {
  readonly id: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  read(
    unitId: number,
    area: RegisterArea,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<number[] | boolean[]>;
  close(): Promise<void>;
}

export interface TcpLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
}

export interface RtuLinkOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
}

type Client = InstanceType<typeof M.default>;

/**
 * modbus-serial's private table of transaction records (`client._transactions`, by transaction
 * id). It never removes a record when its request settles: a record is only overwritten when its
 * id comes round again, and TCP ids wrap at 256. So each TCP link keeps its last 256 requests
 * alive — each with its callback, the settled promise, the reply's values and Buffer, and the
 * cleared timer: ~1.1 KB per record, ~5.6 MB of heap for 20 links (docs/footprint.md, session 5).
 * The scheduler never has two requests outstanding on one link, so once `read()` has settled no
 * record is needed: `forgetSettled` replaces the table by an empty one. A late reply to a request
 * that timed out then finds no record and is ignored, as modbus-serial ignores a reply to an
 * unknown id. If a modbus-serial release renames the field this does nothing (transport.test.ts
 * fails then, so the upgrade is noticed).
 */
interface TransactionTable {
  _transactions?: Record<string, unknown>;
}

function forgetSettled(c: Client): void {
  const t = c as unknown as TransactionTable;
  if (typeof t._transactions === 'object' && t._transactions !== null) t._transactions = {};
}

/** Modbus exception codes (Modbus application protocol v1.1b3 §7). */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** Turns whatever modbus-serial threw into a LinegateError with a code. */
export function classifyError(err: unknown, ctx: Record<string, unknown>): LinegateError {
  const e = err as { message?: string; errno?: string; modbusCode?: number; code?: string };
  if (typeof e.modbusCode === 'number') {
    const name = EXCEPTION_NAMES[e.modbusCode] ?? 'unknown exception';
    return new LinegateError('LG_MODBUS_EXCEPTION', `exception ${e.modbusCode} (${name})`, {
      ...ctx,
      exceptionCode: e.modbusCode,
    });
  }
  if (e.errno === 'ETIMEDOUT') return new LinegateError('LG_MODBUS_TIMEOUT', 'no answer in time', ctx);
  return new LinegateError(
    'LG_MODBUS_IO',
    e.message ?? String(err),
    { ...ctx, errno: e.errno ?? e.code },
    { cause: err },
  );
}

type Settle = (err: unknown, res?: { data: number[] | boolean[] }) => void;

/**
 * The read function of each area in modbus-serial's callback API. FC1/FC2 answers are padded to
 * whole bytes (`bits`: cut to the count asked for).
 */
const READS: Readonly<
  Record<
    RegisterArea,
    { bits: boolean; send(c: Client, unit: number, start: number, n: number, cb: Settle): void }
  >
> = {
  coil: { bits: true, send: (c, u, s, n, cb) => c.writeFC1(u, s, n, cb) },
  discrete: { bits: true, send: (c, u, s, n, cb) => c.writeFC2(u, s, n, cb) },
  holding: { bits: false, send: (c, u, s, n, cb) => c.writeFC3(u, s, n, cb) },
  input: { bits: false, send: (c, u, s, n, cb) => c.writeFC4(u, s, n, cb) },
};

abstract class BaseLink implements ModbusLink {
  protected client: Client | null = null;
  constructor(
    readonly id: string,
    protected readonly log: Logger,
  ) {}

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  /** Transaction records modbus-serial holds for this link (0 when closed); for tests. */
  get retainedTransactions(): number {
    const t = (this.client as unknown as TransactionTable | null)?._transactions;
    return t ? Object.keys(t).length : 0;
  }

  protected abstract connect(client: Client): Promise<void>;

  async open(): Promise<void> {
    await this.close();
    // Loaded on the first open: a site without Modbus machines never loads modbus-serial.
    const client = new (await import('modbus-serial')).default.default();
    // modbus-serial re-emits port errors; without a listener they would crash the process.
    client.on('error', (err) => this.log.debug({ err }, 'link error'));
    client.on('close', () => this.log.debug('link closed'));
    try {
      await this.connect(client);
    } catch (err) {
      const e = err as Error & { errno?: string; code?: string };
      throw new LinegateError('LG_MODBUS_CONNECT', `cannot open ${this.id}: ${e.message}`, {
        link: this.id,
        errno: e.errno ?? e.code,
      });
    }
    this.client = client;
    this.log.info('link open');
  }

  /**
   * One request through modbus-serial's callback API (writeFC1..4), not its promise wrapper: the
   * wrapper binds the method, copies the arguments and makes a promise of its own on every call.
   * modbus-serial still runs its own timeout (`setTimeout(timeoutMs)` below) and settles the
   * callback exactly once, with the reply, an exception reply, a timeout or a port error.
   */
  read(
    unitId: number,
    area: RegisterArea,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<number[] | boolean[]> {
    const c = this.client;
    if (!c?.isOpen) {
      return Promise.reject(
        new LinegateError('LG_MODBUS_IO', 'link is not open', { link: this.id, unitId, area, start, count }),
      );
    }
    c.setID(unitId);
    c.setTimeout(timeoutMs);
    return new Promise((resolve, reject) => {
      const settle = (err: unknown, res?: { data: number[] | boolean[] }) => {
        forgetSettled(c);
        if (err || !res) {
          reject(
            classifyError(err ?? new Error('no reply data'), { link: this.id, unitId, area, start, count }),
          );
        } else resolve(READS[area].bits ? res.data.slice(0, count) : res.data);
      };
      try {
        READS[area].send(c, unitId, start, count, settle);
      } catch (err) {
        settle(err);
      }
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (!c) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(resolve, 1000); // a serial port that never reports close must not hang a stop
      try {
        c.close(() => {
          clearTimeout(done);
          resolve();
        });
      } catch {
        clearTimeout(done);
        resolve();
      }
    });
  }
}

export class TcpLink extends BaseLink {
  constructor(
    private readonly opts: TcpLinkOptions,
    log: Logger,
  ) {
    super(`tcp://${opts.host}:${opts.port}`, log);
  }
  protected connect(client: Client): Promise<void> {
    return client.connectTCP(this.opts.host, { port: this.opts.port, timeout: this.opts.connectTimeoutMs });
  }
}

export class RtuLink extends BaseLink {
  constructor(
    private readonly opts: RtuLinkOptions,
    log: Logger,
  ) {
    super(`rtu:${opts.path}`, log);
  }
  protected connect(client: Client): Promise<void> {
    const { path, ...serial } = this.opts;
    return client.connectRTUBuffered(path, serial);
  }
}
