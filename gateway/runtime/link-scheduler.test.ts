import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LinegateError } from '../core/errors.js';
import type { RegisterArea } from '../core/points.js';
import type { ModbusLink } from '../sources/modbus/transport.js';
import { backoffDelay } from './backoff.js';
import type { Clock } from './clock.js';
import { LinkScheduler } from './link-scheduler.js';

const log = pino({ level: 'silent' });

/** A link whose behaviour the test scripts; it records the order of requests. */
class ScriptedLink implements ModbusLink {
  readonly id = 'scripted';
  isOpen = false;
  opens = 0;
  failOpens = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly log: number[] = [];
  async open() {
    this.opens++;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new LinegateError('LG_MODBUS_CONNECT', 'refused');
    }
    this.isOpen = true;
  }
  async read(unitId: number, _a: RegisterArea, start: number) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    this.log.push(unitId * 1000 + start);
    if (start === 999) throw new LinegateError('LG_MODBUS_TIMEOUT', 'no answer in time');
    return [start];
  }
  async close() {
    this.isOpen = false;
  }
}

function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    setTimeout: () => ({ cancel() {} }),
    sleep: async () => {},
  };
  return c;
}

const req = (unitId: number, start: number) => ({
  unitId,
  area: 'holding' as const,
  start,
  count: 1,
  timeoutMs: 100,
});

describe('LinkScheduler', () => {
  it('runs strictly one request at a time, in arrival order', async () => {
    const link = new ScriptedLink();
    const s = new LinkScheduler(
      link,
      { interFrameDelayMs: 0, reconnect: { baseMs: 10, maxMs: 100 }, reopenAfterTimeouts: 0 },
      log,
    );
    await Promise.all([
      s.request(req(1, 1)),
      s.request(req(2, 2)),
      s.request(req(1, 3)),
      s.request(req(3, 4)),
    ]);
    expect(link.log).toEqual([1001, 2002, 1003, 3004]);
    expect(link.maxInFlight).toBe(1);
  });

  it('fails fast while the link is down, and reopens after the backoff', async () => {
    const link = new ScriptedLink();
    link.failOpens = 2;
    const clock = fakeClock();
    const s = new LinkScheduler(
      link,
      { interFrameDelayMs: 0, reconnect: { baseMs: 1000, maxMs: 8000 }, reopenAfterTimeouts: 0 },
      log,
      clock,
    );
    await expect(s.request(req(1, 1))).rejects.toMatchObject({ code: 'LG_MODBUS_CONNECT' });
    await expect(s.request(req(1, 1))).rejects.toThrow(/next attempt in/);
    expect(link.opens).toBe(1); // the second request did not try again inside the backoff
    clock.t += 1000;
    await expect(s.request(req(1, 1))).rejects.toMatchObject({ code: 'LG_MODBUS_CONNECT' });
    clock.t += 2000;
    await expect(s.request(req(1, 5))).resolves.toEqual([5]);
    expect(link.opens).toBe(3);
    expect(s.status).toMatchObject({ open: true, reconnectAttempts: 0 });
  });

  it('reopens a TCP link after N consecutive timeouts', async () => {
    const link = new ScriptedLink();
    const s = new LinkScheduler(
      link,
      { interFrameDelayMs: 0, reconnect: { baseMs: 10, maxMs: 100 }, reopenAfterTimeouts: 2 },
      log,
    );
    await s.request(req(1, 1));
    await expect(s.request(req(1, 999))).rejects.toMatchObject({ code: 'LG_MODBUS_TIMEOUT' });
    expect(link.isOpen).toBe(true);
    await expect(s.request(req(1, 999))).rejects.toMatchObject({ code: 'LG_MODBUS_TIMEOUT' });
    expect(link.isOpen).toBe(false);
    await s.request(req(1, 2));
    expect(link.opens).toBe(2);
  });

  it('after close, requests fail at once', async () => {
    const link = new ScriptedLink();
    const s = new LinkScheduler(
      link,
      { interFrameDelayMs: 0, reconnect: { baseMs: 10, maxMs: 100 }, reopenAfterTimeouts: 0 },
      log,
    );
    await s.request(req(1, 1));
    await s.close();
    await expect(s.request(req(1, 1))).rejects.toMatchObject({ code: 'LG_MODBUS_IO' });
  });
});

describe('LinkScheduler queue', () => {
  const opts = { interFrameDelayMs: 0, reconnect: { baseMs: 10, maxMs: 100 }, reopenAfterTimeouts: 0 };

  it('a failed request in the middle of the queue does not stall the ones behind it', async () => {
    const link = new ScriptedLink();
    const s = new LinkScheduler(link, opts, log);
    const results = await Promise.allSettled([
      s.request(req(1, 1)),
      s.request(req(2, 999)),
      s.request(req(3, 3)),
      s.request(req(4, 4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(link.log).toEqual([1001, 2999, 3003, 4004]);
    expect(link.maxInFlight).toBe(1);
    await expect(s.request(req(5, 5))).resolves.toEqual([5]); // idle again, runs at once
  });

  it('keeps the silence after each answer before the next queued request is sent', async () => {
    const link = new ScriptedLink();
    const wakes: (() => void)[] = [];
    const clock: Clock = {
      now: () => 0,
      setTimeout: () => ({ cancel() {} }),
      sleep: () => new Promise<void>((r) => wakes.push(r)),
    };
    const s = new LinkScheduler(link, { ...opts, interFrameDelayMs: 5 }, log, clock);
    const first = s.request(req(1, 1));
    const second = s.request(req(2, 2));
    // the first read answers, then the scheduler keeps the silence (a sleep the test releases)
    for (let i = 0; i < 1000 && wakes.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(link.log).toEqual([1001]); // the second has not been sent during the silence
    wakes.shift()?.();
    await expect(first).resolves.toEqual([1]);
    for (let i = 0; i < 1000 && wakes.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(link.log).toEqual([1001, 2002]);
    wakes.shift()?.();
    await expect(second).resolves.toEqual([2]);
  });

  it('a link whose read throws instead of rejecting fails that request only; the link is not left busy', async () => {
    const link = new ScriptedLink();
    const s = new LinkScheduler(link, opts, log);
    await s.request(req(1, 1)); // opens the link: the next requests take the open-link path
    const read = link.read.bind(link);
    let throwNext = true;
    link.read = (unitId, area, start) => {
      if (throwNext) {
        throwNext = false;
        throw new LinegateError('LG_MODBUS_IO', 'thrown');
      }
      return read(unitId, area, start);
    };
    const [a, b] = await Promise.allSettled([s.request(req(2, 2)), s.request(req(3, 3))]);
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'thrown' } });
    expect(b).toMatchObject({ status: 'fulfilled', value: [3] });
    await expect(s.request(req(4, 4))).resolves.toEqual([4]);
  });

  it('close() waits for the request in progress; requests queued behind it fail; the link closes last', async () => {
    const link = new ScriptedLink();
    const s = new LinkScheduler(link, opts, log);
    const inProgress = s.request(req(1, 1));
    const queued = s.request(req(2, 2));
    const closing = s.close();
    await expect(inProgress).resolves.toEqual([1]);
    await expect(queued).rejects.toMatchObject({ code: 'LG_MODBUS_IO', message: 'link scheduler is closed' });
    await closing;
    expect(link.log).toEqual([1001]);
    expect(link.isOpen).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap, with jitter in [d/2, d]', () => {
    const p = { baseMs: 500, maxMs: 30_000 };
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, p, () => 1))).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(backoffDelay(3, p, () => 0)).toBe(2000);
    expect(backoffDelay(1000, p, () => 0.5)).toBe(22_500);
  });
});
