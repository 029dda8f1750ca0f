import { isLinegateError, LinegateError } from '../../core/errors.js';
import { isBitArea, type PointDef } from '../../core/points.js';
import type { Quality, Sample } from '../../core/sample.js';
import type { PolledSource, PollResult } from '../../core/source.js';
import { toEngineering } from '../../pipeline/scale.js';
import { decodeBits, decodeRegisters } from './decode.js';
import { planReads, type ReadRequest, sliceForPoint } from './plan.js';

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

/**
 * Reads one Modbus device: the planned requests in order, decoded into samples.
 * A failed read is data: its points get quality `bad` with a null value, never the last value.
 * After a timeout the rest of the scan is skipped (a dead unit must not hold the bus for
 * N × timeout); requests rejected with a configuration exception are skipped for a minute.
 */
export class ModbusSource implements PolledSource {
  readonly machine: string;
  readonly requests: readonly ReadRequest[];
  private readonly skipUntil = new Map<ReadRequest, { until: number; error: LinegateError }>();

  constructor(private readonly deps: ModbusSourceDeps) {
    this.machine = deps.machine;
    this.requests = planReads(deps.points, {
      maxRegisters: deps.limits.maxRegistersPerRead,
      maxBits: deps.limits.maxBitsPerRead,
      maxGap: deps.limits.maxGap,
    });
  }

  async poll(now: number): Promise<PollResult> {
    const samples: Sample[] = [];
    const errors: { code: string; message: string; points: string[] }[] = [];
    let answered = false;
    let abortWith: LinegateError | null = null;
    const fail = (req: ReadRequest, err: LinegateError) => {
      errors.push({ code: err.code, message: err.message, points: req.points.map((p) => p.name) });
      for (const p of req.points) samples.push(this.sample(p, null, this.deps.now(), 'bad'));
    };
    for (const req of this.requests) {
      const skipped = this.skipUntil.get(req);
      if (skipped && skipped.until > now) {
        answered = true; // the device did answer (with an exception) recently
        fail(req, skipped.error);
        continue;
      }
      if (abortWith) {
        fail(req, abortWith);
        continue;
      }
      try {
        const data = await this.read(req);
        answered = true;
        this.decodeInto(samples, req, data, this.deps.now());
      } catch (err) {
        const e = err instanceof LinegateError ? err : new LinegateError('LG_MODBUS_IO', String(err), {});
        const code = Number(e.context.exceptionCode);
        if (isLinegateError(e, 'LG_MODBUS_EXCEPTION') && !UNREACHABLE_EXCEPTIONS.has(code)) {
          answered = true;
          if (CONFIG_EXCEPTIONS.has(code))
            this.skipUntil.set(req, { until: now + CONFIG_ERROR_BACKOFF_MS, error: e });
        } else {
          abortWith = e; // timeout, no connection, unreachable unit: spare the bus
        }
        fail(req, e);
      }
    }
    return { samples, errors, reachable: answered };
  }

  private async read(req: ReadRequest): Promise<number[] | boolean[]> {
    const ask = async () => {
      const t0 = performance.now();
      try {
        const data = await this.deps.channel.request({
          unitId: this.deps.unitId,
          area: req.area,
          start: req.start,
          count: req.count,
          timeoutMs: this.deps.timeoutMs,
          delayAfterMs: this.deps.limits.interRequestDelayMs,
        });
        this.deps.onRequest?.('ok', performance.now() - t0);
        return data;
      } catch (err) {
        const e = err instanceof LinegateError ? err : new LinegateError('LG_MODBUS_IO', String(err), {});
        const outcome: RequestOutcome = isLinegateError(e, 'LG_MODBUS_TIMEOUT')
          ? 'timeout'
          : isLinegateError(e, 'LG_MODBUS_EXCEPTION')
            ? 'exception'
            : 'error';
        this.deps.onRequest?.(outcome, performance.now() - t0, e);
        throw e;
      }
    };
    try {
      return await ask();
    } catch (err) {
      const code = isLinegateError(err, 'LG_MODBUS_EXCEPTION') ? Number(err.context.exceptionCode) : 0;
      if (!BUSY_EXCEPTIONS.has(code)) throw err;
      await (this.deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(BUSY_RETRY_MS);
      return ask();
    }
  }

  /** Appends the samples of one answered request to `out`. */
  private decodeInto(out: Sample[], req: ReadRequest, data: number[] | boolean[], ts: number): void {
    for (const p of req.points) {
      try {
        const raw = isBitArea(p.area)
          ? decodeBits(p, sliceForPoint(req, p, data as boolean[]))
          : decodeRegisters(p, sliceForPoint(req, p, data as number[]));
        const eng = toEngineering(p, raw);
        out.push(this.sample(p, eng.value, ts, eng.quality));
      } catch {
        // A short or malformed answer: this point is bad, its neighbours are not affected.
        out.push(this.sample(p, null, ts, 'bad'));
      }
    }
  }

  private sample(p: PointDef, value: Sample['value'], ts: number, quality: Quality): Sample {
    return { machine: this.machine, point: p.name, value, ts, quality };
  }

  async close(): Promise<void> {
    // The link is shared and owned by its scheduler; nothing to release per device.
  }
}
