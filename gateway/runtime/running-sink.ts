import { setImmediate as yieldToIo } from 'node:timers/promises';
import { type ErrorCode, isLinegateError } from '../core/errors.js';
import type { Outbox, OutboxBatch, OutboxRow, RowKey } from '../core/outbox.js';
import type { WriteFailure, WriteResult } from '../sinks/types.js';
import { type Clock, systemClock } from './clock.js';
import {
  fullJitter,
  outboxStatus,
  type Prepared,
  type Progress,
  prepareBatch,
  type RunningSinkDeps,
  readAheadBatch,
  refuseInto,
  type Segment,
  type SinkEvent,
  type SinkStatus,
  Waits,
} from './running-sink-parts.js';

export type { RunningSinkDeps, SinkEvent, SinkStatus } from './running-sink-parts.js';

/**
 * Delivers one outbox to one writer: next → encode → write → ack, oldest first. The rules (in
 * full in gateway/sinks/influx/README.md, "Delivery"):
 * - Acks in outbox order, a batch only once every row was delivered (2xx) or quarantined;
 *   nothing leaves the outbox on a failure, a timeout or `stop()`. At-least-once; a resend
 *   overwrites (timestamps fixed at acquisition).
 * - Backlog: full batches back to back; with `maxInFlight` 2 the next batch of samples is read,
 *   encoded and sent while the one before is answered (its early answer counts only if the one
 *   before went through cleanly). With an outbox live lane (`nextLive`), a batch of live rows
 *   goes after each batch of the backlog, so live data does not wait for the replay.
 * - An outbox that renders (`Outbox.rendering`) with the encoder's template gives the body
 *   itself; after a failed request that batch goes on as rows, encoded here.
 * - 400/422: named rows quarantined, the rest sent again; none named → split in halves. Rows
 *   the encoder refuses are quarantined unsent. 5xx/429/network/timeout: full-jitter backoff or
 *   Retry-After. 401/403 and other refusals: an event, then a slow retry. Every row is kept.
 */
export class RunningSink {
  private readonly clock: Clock;
  private readonly waits: Waits;
  private readonly random: () => number;
  private readonly batchSize: number;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private readonly inFlight = new Set<AbortController>();
  private state: SinkStatus['state'] = 'stopped';
  private attempt = 0;
  private problem: 'auth-failed' | 'refused' | null = null;
  private counters = { pointsSent: 0, linesQuarantined: 0, retries: 0, requests: 0 };
  private lastError: SinkStatus['lastError'] = null;
  private lastSuccessTs: number | null = null;
  /** The outbox, rendering batches itself when it and the encoder can (no row objects). */
  private readonly outbox: Outbox;

  constructor(private readonly deps: RunningSinkDeps) {
    const { template } = deps.encode;
    this.outbox = template && deps.outbox.rendering ? deps.outbox.rendering(template) : deps.outbox;
    this.clock = deps.clock ?? systemClock;
    this.waits = new Waits(this.clock);
    this.random = deps.random ?? Math.random;
    this.batchSize = deps.batchSize ?? 5000;
  }

  get sink(): string {
    return this.outbox.sink;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.state = 'idle';
    this.deps.log.info({ target: this.deps.writer.target, batchSize: this.batchSize }, 'sink started');
    this.loop = this.run().catch((err: unknown) => {
      this.deps.log.error({ err }, 'sink loop failed');
    });
  }

  /** New rows are in the outbox: ends an idle wait now (a backoff wait is kept). */
  notify(): void {
    this.waits.end(true);
  }

  status(): SinkStatus {
    return {
      sink: this.sink,
      target: this.deps.writer.target,
      state: this.state,
      ...outboxStatus({ outbox: this.outbox, log: this.deps.log }),
      lastError: this.lastError,
      lastSuccessTs: this.lastSuccessTs,
      ...this.counters,
    };
  }

  /** Stops: a request in flight may finish for `stopTimeoutMs`, then is aborted; an unfinished batch is not acked. Repeatable. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.stopping = true;
    this.waits.end(false);
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(true), this.deps.stopTimeoutMs ?? 5000);
    });
    const late = await Promise.race([loop.then(() => false), timedOut]);
    timer?.cancel();
    if (late) {
      this.deps.log.warn('sink stop: aborting the request in flight');
      for (const c of this.inFlight) c.abort();
      await loop;
    }
    this.loop = null;
    this.state = 'stopped';
    try {
      await this.deps.writer.close?.();
    } catch (err) {
      this.deps.log.warn({ err }, 'sink writer close failed');
    }
    this.deps.log.info(this.counters, 'sink stopped');
  }

  private async run(): Promise<void> {
    let ahead: Promise<Prepared | null> | null = null;
    let lastClean = true; // the batch before was delivered with every request answered 2xx
    let liveTurn = false; // a batch of the backlog went: the live lane's turn
    while (!this.stopping) {
      if (liveTurn) {
        liveTurn = false;
        if (await this.deliverLive()) continue;
      }
      let prepared: Prepared | null = null;
      if (ahead) {
        prepared = await ahead;
        ahead = null;
        if (prepared?.count === 0) prepared = null; // read the usual way
      }
      if (!prepared) {
        try {
          prepared = this.prepare(this.outbox.next(this.batchSize));
        } catch (err) {
          this.outboxFailed(err);
          await this.pause(this.backoffDelay(), 'backing-off');
          this.attempt++;
          continue;
        }
      }
      if (prepared.count === 0) {
        this.state = 'idle';
        await this.pause(this.deps.idlePollMs ?? 1000, 'idle');
        continue;
      }
      // A full batch means a backlog: read and encode the next one while this one is in flight.
      const progress: Progress = { clean: true };
      const last = prepared.lastKey;
      if (last !== undefined && prepared.count >= this.batchSize && this.outbox.nextAfter) {
        ahead = this.readAhead(last);
        if (this.mayOverlap(prepared)) ahead = ahead.then((next) => this.sendEarly(next, progress));
      }
      // An early request counts only if every request of the batch before it was answered 2xx;
      // otherwise the batch is sent again after it (a failure retries from the first unacked).
      let early = prepared.early;
      if (early && !lastClean) {
        await early;
        early = undefined;
      }
      let acked = false;
      try {
        acked = await this.deliver(prepared, progress, early);
      } catch (err) {
        // The outbox refused an ack or a quarantine: the batch was not acked and comes again
        // (a resend overwrites); wait so that a broken store is not hammered.
        this.outboxFailed(err);
        await this.pause(this.backoffDelay(), 'backing-off');
        this.attempt++;
      }
      lastClean = acked && progress.clean;
      liveTurn = true;
      if (!acked) {
        await prepared.early;
        if (ahead) {
          // read (and maybe sent) for a batch that was not acked: the next next() reads it again
          await (await ahead)?.early;
          ahead = null;
        }
      }
      // Let timers and sockets run between back-to-back batches of a replay.
      await yieldToIo();
    }
  }

  /**
   * One batch of the outbox's live lane, delivered and acked; false when there is none (or the
   * outbox failed: `next()` reports it). It does not touch the backlog's `lastClean`.
   */
  private async deliverLive(): Promise<boolean> {
    const { outbox } = this;
    const above = this.deps.liveLaneAbove ?? this.batchSize;
    if (!outbox.nextLive || !(above < Number.POSITIVE_INFINITY)) return false;
    let prepared: Prepared | null = null;
    try {
      const batch = outbox.nextLive(this.batchSize, above);
      if ((batch.rendered?.count ?? batch.rows.length) > 0) prepared = this.prepare(batch);
    } catch (err) {
      this.deps.log.debug({ err }, 'live lane read failed');
    }
    if (!prepared) return false;
    try {
      await this.deliver(prepared, { clean: true });
    } catch (err) {
      this.outboxFailed(err);
      await this.pause(this.backoffDelay(), 'backing-off');
      this.attempt++;
    }
    await yieldToIo();
    return true;
  }

  /** The batch after `after`, encoded (readAheadBatch in running-sink-parts.ts); null on failure. */
  private async readAhead(after: RowKey): Promise<Prepared | null> {
    const rendering = this.outbox !== this.deps.outbox;
    const from = { outbox: this.outbox, log: this.deps.log, rendering };
    const batch = await readAheadBatch(from, after, this.batchSize, () => this.stopping);
    return batch ? this.prepare(batch) : null;
  }

  /** maxInFlight 2: a batch of samples only (no event that a later row may rewrite). */
  private mayOverlap(prepared: Prepared): boolean {
    return this.deps.maxInFlight === 2 && prepared.refused.size === 0 && prepared.samplesOnly;
  }

  /** Sends the read-ahead batch's first request now, if the one in flight has gone well so far. */
  private sendEarly(next: Prepared | null, before: Progress): Prepared | null {
    if (next && before.clean && !this.stopping && next.count > 0 && this.mayOverlap(next)) {
      next.early = this.send(next, null).catch(
        (err: unknown): WriteFailure => ({ ok: false, kind: 'retry', message: (err as Error).message }),
      );
    }
    return next;
  }

  /** Encodes every row of a batch; rows that cannot be encoded are refused (quarantined). */
  private prepare(batch: OutboxBatch): Prepared {
    return prepareBatch(batch, this.deps.encode);
  }

  /** Delivers or quarantines every row, then acks (true); false when stopping. `early`: the answer to the whole body, sent already. */
  private async deliver(
    given: Prepared,
    progress: Progress,
    early?: Promise<WriteFailure | null>,
  ): Promise<boolean> {
    let prepared = given;
    const refused = new Map(prepared.refused);
    const refuse = (reason: string, key: RowKey): void => refuseInto(refused, reason, key);

    // Requests still to send, in order (null: the whole body); a refused request without named
    // rows is split in two.
    const segments: Segment[] = prepared.count > 0 ? [null] : [];
    let first = early;
    while (segments.length > 0) {
      if (this.stopping) return false;
      const segment = segments[0] as Segment;
      const result = await (first ?? this.send(prepared, segment));
      first = undefined;
      if (result !== null) progress.clean = false;
      if (result === null) {
        segments.shift();
        continue;
      }
      if (this.stopping) return false;
      if (prepared.batch.rendered) {
        // What follows a failure (a retry, a split, a quarantine) works on rows, encoded here;
        // the line numbers of a refused rendered body are not trusted: the rows go again.
        prepared = this.prepare({ sink: this.sink, rows: prepared.batch.rows });
        for (const [reason, keys] of prepared.refused) for (const k of keys) refuse(reason, k);
        segments.splice(0, segments.length, ...(prepared.rows.length > 0 ? [null] : []));
        if (result.kind === 'bad-lines') continue;
      }
      const { rows } = prepared;
      if (result.kind === 'bad-lines') {
        const all = segment ?? rows.map((_, i) => i);
        const named = new Set(result.lines.filter((i) => Number.isInteger(i) && i >= 0 && i < all.length));
        if (named.size === 0 && all.length > 1) {
          const half = Math.ceil(all.length / 2);
          segments.splice(0, 1, all.slice(0, half), all.slice(half));
          this.deps.log.debug({ rows: all.length, message: result.message }, 'refused, splitting');
          continue;
        }
        if (named.size === 0) named.add(0);
        for (const i of named) refuse(result.message, (rows[all[i] as number] as OutboxRow).key);
        const rest = all.filter((_, i) => !named.has(i));
        if (rest.length > 0) segments[0] = rest;
        else segments.shift();
        continue;
      }
      await this.backOff(result);
    }

    let quarantined = 0;
    const { batch } = prepared;
    for (const [reason, keys] of refused) {
      this.outbox.quarantine(batch, keys, reason);
      quarantined += keys.length;
    }
    this.outbox.ack(batch);
    this.counters.pointsSent += prepared.count - quarantined;
    if (quarantined > 0) {
      this.counters.linesQuarantined += quarantined;
      const message = [...refused.keys()].join('\n');
      this.fail('LG_SINK_BAD_LINE', message);
      this.deps.log.warn({ rows: quarantined, reasons: [...refused.keys()] }, 'rows quarantined');
      this.emit({ kind: 'quarantined', code: 'LG_SINK_BAD_LINE', message, count: quarantined });
    }
    return true;
  }

  /** One request (the whole body, or the rows of `segment`); null when delivered. */
  private async send(prepared: Prepared, segment: Segment): Promise<WriteFailure | null> {
    this.state = 'sending';
    const controller = new AbortController();
    this.inFlight.add(controller);
    this.counters.requests++;
    const { writer } = this.deps;
    const { body } = prepared;
    let result: WriteResult;
    if (segment === null) {
      result = writer.writeBody
        ? await writer.writeBody(body, controller.signal)
        : await writer.write(body.lines(), controller.signal);
    } else {
      const lines = body.lines();
      result = await writer.write(
        segment.map((i) => lines[i] as string),
        controller.signal,
      );
    }
    this.inFlight.delete(controller);
    if (result.ok) {
      this.lastSuccessTs = this.clock.now();
      this.attempt = 0;
      if (this.problem) {
        this.deps.log.info({ after: this.problem }, 'sink recovered');
        this.emit({ kind: 'recovered', message: `writes to ${this.deps.writer.target} succeed again` });
        this.problem = null;
      }
      return null;
    }
    return result;
  }

  private async backOff(result: Exclude<WriteFailure, { kind: 'bad-lines' }>): Promise<void> {
    this.counters.retries++;
    if (result.kind === 'retry') {
      this.fail(result.code ?? 'LG_SINK_UNREACHABLE', result.message, result.status);
      const cap = this.deps.maxRetryAfterMs ?? 300_000;
      const delay =
        result.retryAfterMs === undefined ? this.backoffDelay() : Math.min(cap, result.retryAfterMs);
      this.attempt++;
      if (this.attempt === 1) this.deps.log.warn({ err: result.message, delay }, 'write failed, retrying');
      else this.deps.log.debug({ err: result.message, delay, attempt: this.attempt }, 'write failed again');
      await this.pause(delay, 'backing-off');
      return;
    }
    const problem = result.kind === 'auth' ? 'auth-failed' : 'refused';
    const code: ErrorCode = result.code ?? (result.kind === 'auth' ? 'LG_SINK_AUTH' : 'LG_SINK_REFUSED');
    this.fail(code, result.message, result.status);
    if (this.problem !== problem) {
      this.problem = problem;
      this.deps.log.error({ code, err: result.message }, 'sink refuses the writes; retrying slowly');
      this.emit({ kind: problem, code, message: result.message, status: result.status });
    }
    await this.pause(this.deps.slowRetryMs ?? 60_000, problem);
  }

  private backoffDelay(): number {
    return fullJitter(this.deps.backoff ?? { baseMs: 1000, maxMs: 30_000 }, this.attempt, this.random);
  }

  /** Waits; `stop()` ends any wait, `notify()` only an idle one. */
  private pause(ms: number, state: SinkStatus['state']): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.state = state;
    return this.waits.wait(ms, state === 'idle');
  }

  private outboxFailed(err: unknown): void {
    this.fail(isLinegateError(err) ? err.code : 'LG_SINK_UNREACHABLE', `outbox: ${(err as Error).message}`);
    this.deps.log.error({ err }, 'sink: outbox failed');
  }

  private fail(code: ErrorCode, message: string, status?: number): void {
    this.lastError = { code, message, ts: this.clock.now(), ...(status === undefined ? {} : { status }) };
  }

  private emit(event: Omit<SinkEvent, 'sink' | 'ts'>): void {
    try {
      this.deps.onEvent?.({ sink: this.sink, ts: this.clock.now(), ...event });
    } catch (err) {
      this.deps.log.error({ err }, 'sink event listener failed');
    }
  }
}
