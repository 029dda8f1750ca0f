import type { Logger } from 'pino';
import { isLinegateError, LinegateError } from '../core/errors.js';
import type { RegisterArea } from '../core/points.js';
import type { ModbusLink } from '../sources/modbus/transport.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { type Clock, systemClock } from './clock.js';

export interface LinkRequest {
  readonly unitId: number;
  readonly area: RegisterArea;
  readonly start: number;
  readonly count: number;
  readonly timeoutMs: number;
  /** Silence kept on the link after this request (the device's inter-request delay). */
  readonly delayAfterMs?: number;
}

export interface LinkSchedulerOptions {
  /** Silence after every answer before the next request (RS-485 turnaround). */
  readonly interFrameDelayMs: number;
  readonly reconnect: BackoffPolicy;
  /** Consecutive timeouts (any unit) after which the link is reopened; 0 = never (serial). */
  readonly reopenAfterTimeouts: number;
}

interface Queued {
  readonly req: LinkRequest;
  readonly resolve: (data: number[] | boolean[]) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Owns one link: strictly one request at a time in arrival order, the turnaround silence, and
 * reconnecting forever with capped jittered backoff. While the link is down, requests fail at
 * once with LG_MODBUS_CONNECT instead of waiting, so one dead converter never blocks a poll loop.
 */
export class LinkScheduler {
  /** A request is being executed (its read, or its silence after the read). */
  private busy = false;
  /** Requests that arrived while busy, in arrival order. */
  private readonly queue: Queued[] = [];
  /** close() waiting for the link to go idle. */
  private readonly idleWaiters: (() => void)[] = [];
  private attempt = 0;
  private nextConnectAt = 0;
  private consecutiveTimeouts = 0;
  private closed = false;
  private lastError: string | null = null;

  constructor(
    readonly link: ModbusLink,
    private readonly opts: LinkSchedulerOptions,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  get status(): { id: string; open: boolean; lastError: string | null; reconnectAttempts: number } {
    return {
      id: this.link.id,
      open: this.link.isOpen,
      lastError: this.lastError,
      reconnectAttempts: this.attempt,
    };
  }

  /**
   * Runs `req` when the link is free: at once when it is idle (the usual case: one device per TCP
   * link, whose source sends its requests one after the other), else after the requests queued
   * before it. No promise chain per request beyond the read's own.
   */
  request(req: LinkRequest): Promise<number[] | boolean[]> {
    if (this.busy) return new Promise((resolve, reject) => this.queue.push({ req, resolve, reject }));
    this.busy = true;
    return this.run(req);
  }

  /**
   * Sends `req` (the link is ours until release()). While the link is open and no silence is due
   * after the request (TCP), the read's promise is continued with two handlers made once per
   * scheduler; otherwise (opening, serial turnaround, closed) the full path in execute().
   */
  private run(req: LinkRequest): Promise<number[] | boolean[]> {
    if (this.closed || !this.link.isOpen || this.silenceAfter(req) > 0) return this.execute(req);
    let read: Promise<number[] | boolean[]>;
    try {
      read = this.link.read(req.unitId, req.area, req.start, req.count, req.timeoutMs);
    } catch (err) {
      read = Promise.reject(err); // a link that throws instead of rejecting must not keep the link busy
    }
    return read.then(this.readOk, this.readFailed);
  }

  private readonly readOk = (data: number[] | boolean[]): number[] | boolean[] => {
    this.consecutiveTimeouts = 0;
    this.release();
    return data;
  };

  private readonly readFailed = async (err: unknown): Promise<never> => {
    try {
      await this.afterReadError(err);
    } finally {
      this.release();
    }
    throw err;
  };

  private silenceAfter(req: LinkRequest): number {
    return Math.max(this.opts.interFrameDelayMs, req.delayAfterMs ?? 0);
  }

  /** Bookkeeping after a failed read: counts timeouts, closes a silent or dropped link. */
  private async afterReadError(err: unknown): Promise<void> {
    this.lastError = (err as Error).message;
    if (isLinegateError(err, 'LG_MODBUS_TIMEOUT')) {
      this.consecutiveTimeouts++;
      const limit = this.opts.reopenAfterTimeouts;
      if (limit > 0 && this.consecutiveTimeouts >= limit) {
        this.log.warn({ timeouts: this.consecutiveTimeouts }, 'link silent; reopening');
        await this.link.close();
      }
    } else if (isLinegateError(err, 'LG_MODBUS_IO') && !this.link.isOpen) {
      // The connection dropped: reopen on the next request (no wait on the first attempt).
      await this.link.close();
    }
  }

  /** The request in progress has finished (read and silence): start the next one, or go idle. */
  private release(): void {
    const next = this.queue.shift();
    if (next) {
      this.run(next.req).then(next.resolve, next.reject);
      return;
    }
    this.busy = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async ensureOpen(): Promise<void> {
    if (this.link.isOpen) return;
    const now = this.clock.now();
    if (now < this.nextConnectAt) {
      throw new LinegateError(
        'LG_MODBUS_CONNECT',
        `${this.link.id} is down; next attempt in ${this.nextConnectAt - now} ms`,
        {
          link: this.link.id,
          lastError: this.lastError,
        },
      );
    }
    try {
      await this.link.open();
      if (this.attempt > 0) this.log.info({ attempts: this.attempt }, 'link reconnected');
      this.attempt = 0;
      this.consecutiveTimeouts = 0;
    } catch (err) {
      const delay = backoffDelay(this.attempt++, this.opts.reconnect);
      this.nextConnectAt = this.clock.now() + delay;
      this.lastError = (err as Error).message;
      this.log.warn({ err: this.lastError, retryInMs: delay, attempt: this.attempt }, 'link open failed');
      throw err;
    }
  }

  private async execute(req: LinkRequest): Promise<number[] | boolean[]> {
    try {
      if (this.closed)
        throw new LinegateError('LG_MODBUS_IO', 'link scheduler is closed', { link: this.link.id });
      if (!this.link.isOpen) await this.ensureOpen();
      try {
        const data = await this.link.read(req.unitId, req.area, req.start, req.count, req.timeoutMs);
        this.consecutiveTimeouts = 0;
        return data;
      } catch (err) {
        await this.afterReadError(err);
        throw err;
      } finally {
        const silence = this.silenceAfter(req);
        if (silence > 0 && !this.closed) await this.clock.sleep(silence);
      }
    } finally {
      this.release();
    }
  }

  /** Waits for the request in progress, then closes the link. Later requests fail at once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.busy) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.link.close();
  }
}
