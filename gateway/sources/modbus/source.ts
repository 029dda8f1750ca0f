import { isLinegateError, LinegateError } from '../../core/errors.js';
import { isBitArea, type PointDef, pointWidth } from '../../core/points.js';
import type { Quality, Sample } from '../../core/sample.js';
import type { PolledSource, PollResult } from '../../core/source.js';
import { scaledValue } from '../../pipeline/scale.js';
import { decodeBitsAt, decodeRegistersAt } from './decode.js';
import { planReads, type ReadRequest } from './plan.js';

/** What the source needs from the link it shares with other devices (runtime/link-scheduler). */
export interface ModbusChannel {
  request(req: {
    unitId: number;
    area: ReadRequest['area'];
    start: number;
    count: number;
    timeoutMs: number;
    delayAfterMs?: number;
  }): Promise<number[] | boolean[]>;
}

export type RequestOutcome = 'ok' | 'timeout' | 'exception' | 'error';

export interface ModbusSourceDeps {
  readonly machine: string;
  readonly unitId: number;
  readonly timeoutMs: number;
  readonly points: readonly PointDef[];
  readonly limits: {
    maxRegistersPerRead: number;
    maxBitsPerRead: number;
    maxGap: number;
    interRequestDelayMs: number;
  };
  readonly channel: ModbusChannel;
  readonly now: () => number;
  /** Waits before the one retry of a busy answer (the runtime's clock; a plain timer by default). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called once per request with its outcome and latency (comm stats live in the runtime). */
  readonly onRequest?: (outcome: RequestOutcome, latencyMs: number, err?: LinegateError) => void;
}

/** Exceptions that mean the request itself is wrong for this device: retrying soon is useless. */
const CONFIG_EXCEPTIONS = new Set([1, 2, 3]);
/** Exceptions that mean "busy, ask again": one quick retry in the same poll. */
const BUSY_EXCEPTIONS = new Set([5, 6]);
/** Exceptions from a TCP-to-RTU gateway saying the unit behind it did not answer: unreachable. */
const UNREACHABLE_EXCEPTIONS = new Set([10, 11]);
const CONFIG_ERROR_BACKOFF_MS = 60_000;
const BUSY_RETRY_MS = 50;

type PollError = PollResult['errors'][number];
/** A poll without failed reads shares this (PollResult is read-only). */
const NO_ERRORS: readonly PollError[] = Object.freeze([]);

/** One point of a planned read: where its registers or bit sit in the answer. */
interface PlannedPoint {
  readonly point: PointDef;
  /** Offset in the answer; -1 when the point is not inside the request (always bad). */
  readonly from: number;
}

/** A request of the plan with everything a poll needs, computed once (nothing per poll). */
interface PlannedRead {
  readonly req: ReadRequest;
  /** What goes to the channel, the same object every poll. */
  readonly ask: Parameters<ModbusChannel['request']>[0];
  readonly bits: boolean;
  readonly points: readonly PlannedPoint[];
}

/**
 * Reads one Modbus device: the planned requests in order, decoded into samples.
 * A failed read is data: its points get quality `bad` with a null value, never the last value.
 * After a timeout the rest of the scan is skipped (a dead unit must not hold the bus for
 * N × timeout); requests rejected with a configuration exception are skipped for a minute.
 * Per poll it allocates the samples and their array, and per request the read's own promise:
 * requests, offsets and decoders are planned once in the constructor.
 */
export class ModbusSource implements PolledSource {
  readonly machine: string;
  readonly requests: readonly ReadRequest[];
  private readonly reads: readonly PlannedRead[];
  private readonly skipUntil = new Map<ReadRequest, { until: number; error: LinegateError }>();

  constructor(private readonly deps: ModbusSourceDeps) {
    this.machine = deps.machine;
    this.requests = planReads(deps.points, {
      maxRegisters: deps.limits.maxRegistersPerRead,
      maxBits: deps.limits.maxBitsPerRead,
      maxGap: deps.limits.maxGap,
    });
    this.reads = this.requests.map((req) => ({
      req,
      ask: Object.freeze({
        unitId: deps.unitId,
        area: req.area,
        start: req.start,
        count: req.count,
        timeoutMs: deps.timeoutMs,
        delayAfterMs: deps.limits.interRequestDelayMs,
      }),
      bits: isBitArea(req.area),
      points: req.points.map((point) => ({ point, from: offsetInRequest(req, point) })),
    }));
  }

  async poll(now: number): Promise<PollResult> {
    const samples: Sample[] = [];
    let errors: PollError[] | null = null;
    let answered = false;
    let abortWith: LinegateError | null = null;
    for (const read of this.reads) {
      const skipped = this.skipUntil.size > 0 ? this.skipUntil.get(read.req) : undefined;
      if (skipped && skipped.until > now) {
        answered = true; // the device did answer (with an exception) recently
        errors = this.fail(samples, errors, read, skipped.error);
        continue;
      }
      if (abortWith) {
        errors = this.fail(samples, errors, read, abortWith);
        continue;
      }
      try {
        // The request inline (no helper's promise per request); a busy answer gets one retry.
        let data: number[] | boolean[];
        let t0 = performance.now();
        try {
          data = await this.deps.channel.request(read.ask);
        } catch (err) {
          const e = this.requestFailed(err, t0);
          const code = isLinegateError(e, 'LG_MODBUS_EXCEPTION') ? Number(e.context.exceptionCode) : 0;
          if (!BUSY_EXCEPTIONS.has(code)) throw e;
          await (this.deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(BUSY_RETRY_MS);
          t0 = performance.now();
          try {
            data = await this.deps.channel.request(read.ask);
          } catch (again) {
            throw this.requestFailed(again, t0);
          }
        }
        this.deps.onRequest?.('ok', performance.now() - t0);
        answered = true;
        this.decodeInto(samples, read, data, this.deps.now());
      } catch (err) {
        const e = err instanceof LinegateError ? err : new LinegateError('LG_MODBUS_IO', String(err), {});
        const code = Number(e.context.exceptionCode);
        if (isLinegateError(e, 'LG_MODBUS_EXCEPTION') && !UNREACHABLE_EXCEPTIONS.has(code)) {
          answered = true;
          if (CONFIG_EXCEPTIONS.has(code))
            this.skipUntil.set(read.req, { until: now + CONFIG_ERROR_BACKOFF_MS, error: e });
        } else {
          abortWith = e; // timeout, no connection, unreachable unit: spare the bus
        }
        errors = this.fail(samples, errors, read, e);
      }
    }
    return { samples, errors: errors ?? NO_ERRORS, reachable: answered };
  }

  /** The points of a failed request, bad; returns the poll's error list with this one added. */
  private fail(samples: Sample[], errors: PollError[] | null, read: PlannedRead, err: LinegateError) {
    const list = errors ?? [];
    list.push({ code: err.code, message: err.message, points: read.req.points.map((p) => p.name) });
    const ts = this.deps.now();
    for (const p of read.req.points) samples.push(this.sample(p, null, ts, 'bad'));
    return list;
  }

  /** A request that failed: its error with a code, reported to onRequest with its latency. */
  private requestFailed(err: unknown, t0: number): LinegateError {
    const e = err instanceof LinegateError ? err : new LinegateError('LG_MODBUS_IO', String(err), {});
    const outcome: RequestOutcome = isLinegateError(e, 'LG_MODBUS_TIMEOUT')
      ? 'timeout'
      : isLinegateError(e, 'LG_MODBUS_EXCEPTION')
        ? 'exception'
        : 'error';
    this.deps.onRequest?.(outcome, performance.now() - t0, e);
    return e;
  }

  /**
   * Appends the samples of one answered request to `out`, decoded in place from the answer.
   * An answer shorter than the request makes all its points bad; a point that does not decode
   * is bad alone, its neighbours are not affected.
   */
  private decodeInto(out: Sample[], read: PlannedRead, data: number[] | boolean[], ts: number): void {
    const short = data.length < read.req.count;
    for (const { point, from } of read.points) {
      let value: Sample['value'] = null;
      if (!short && from >= 0) {
        try {
          value = scaledValue(
            point,
            read.bits
              ? decodeBitsAt(point, data as boolean[], from)
              : decodeRegistersAt(point, data as number[], from),
          );
        } catch {
          value = null; // a malformed answer for this point
        }
      }
      out.push(this.sample(point, value, ts, value === null ? 'bad' : 'good'));
    }
  }

  private sample(p: PointDef, value: Sample['value'], ts: number, quality: Quality): Sample {
    return { machine: this.machine, point: p.name, value, ts, quality };
  }

  async close(): Promise<void> {
    // The link is shared and owned by its scheduler; nothing to release per device.
  }
}

/** Where the point's first register or bit sits in the request's answer; -1 if outside it. */
function offsetInRequest(req: ReadRequest, point: PointDef): number {
  const from = point.address - req.start;
  return point.area === req.area && from >= 0 && from + pointWidth(point) <= req.count ? from : -1;
}
