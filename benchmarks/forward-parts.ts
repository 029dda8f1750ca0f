/**
 * The pieces of `npm run bench:forward` (forward.ts): the workload, a store filled with it, a
 * sink as main.ts builds it, and the process counters read from /proc/self/io.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Sample } from '../gateway/core/sample.js';
import { RunningSink } from '../gateway/runtime/running-sink.js';
import { createLineEncoder, createV1Writer } from '../gateway/sinks/influx/index.js';
import { SINK_MAX_IN_FLIGHT } from '../gateway/sinks/registry.js';
import type { LineWriter, WriteResult } from '../gateway/sinks/types.js';
import { Store } from '../gateway/store/index.js';

export const log = pino({ level: 'silent' });

/** 20 machines × 10 points (temperatures with one decimal, counters, a run flag), as measure-store. */
export const SERIES = 200;

export function samples(from: number, n: number, t0: number, stepMs: number): Sample[] {
  const out: Sample[] = [];
  for (let k = from; k < from + n; k++) {
    const tick = Math.floor(k / SERIES);
    const p = k % SERIES;
    const kind = p % 10;
    const value =
      kind < 6
        ? Math.round((60 + 20 * Math.sin(tick / 300 + p)) * 10) / 10
        : kind < 9
          ? tick * (p + 1)
          : tick % 600 < 500;
    out.push({
      machine: `machine-${Math.floor(p / 10)}`,
      point: `point-${kind}`,
      value,
      ts: t0 + tick * stepMs,
      quality: 'good',
    });
  }
  return out;
}

export const encode = createLineEncoder({
  tagsFor: (_machine, point) => ({
    site: 'Nhà máy 1',
    line: 'line-1',
    kind: 'dryer',
    role: point === 'point-9' ? 'run' : 'temperature',
    ...(point === 'point-9' ? {} : { unit: '°C' }),
  }),
});

export interface TempStore {
  readonly store: Store;
  readonly dir: string;
  close(): void;
}

/**
 * A store in a temp dir (on the real disk: /tmp here is not a tmpfs) with `n` samples, every
 * series once per `tickMs` from `t0`.
 */
export function filledStore(n: number, sinks: readonly string[], t0: number, tickMs = 1000): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-bench-forward-'));
  const store = Store.open({ dataDir: dir, log });
  for (const s of sinks) store.registerSink(s, { from: 'start' });
  for (let i = 0; i < n; i += 5000) {
    store.append(samples(i, Math.min(5000, n - i), t0, tickMs));
    store.flush();
  }
  return {
    store,
    dir,
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A writer that also reports every delivered request's lines (for latency). */
export function observedWriter(
  inner: LineWriter,
  onDelivered: (lines: readonly string[], at: number) => void,
): LineWriter {
  return {
    target: inner.target,
    async write(lines, signal): Promise<WriteResult> {
      const r = await inner.write(lines, signal);
      if (r.ok) onDelivered(lines, Date.now());
      return r;
    },
    async writeBody(body, signal): Promise<WriteResult> {
      const r = inner.writeBody
        ? await inner.writeBody(body, signal)
        : await inner.write(body.lines(), signal);
      if (r.ok) onDelivered(body.lines(), Date.now());
      return r;
    },
  };
}

export function influxWriter(url: string, database: string, gzip: boolean): LineWriter {
  return createV1Writer({ url, database, gzip, timeoutMs: 30_000 });
}

export function sinkFor(store: Store, name: string, writer: LineWriter): RunningSink {
  return new RunningSink({
    outbox: store.outbox(name),
    encode,
    writer,
    log,
    batchSize: 5000,
    idlePollMs: 20,
    maxInFlight: SINK_MAX_IN_FLIGHT['influxdb-v1'],
  });
}

/** Waits (polling every 10 ms, at most `timeoutMs`) until `cond()`. */
export async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('benchmark step timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface IoCounters {
  /** Bytes handed to write() (before the page cache). */
  readonly wchar: number;
  /** Bytes this process caused to be sent to the block device. */
  readonly writeBytes: number;
}

export function io(): IoCounters {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { wchar: field('wchar'), writeBytes: field('write_bytes') };
}

export function fileBytes(dir: string): number {
  let n = 0;
  for (const f of ['linegate.db', 'linegate.db-wal']) {
    try {
      n += statSync(join(dir, f)).size;
    } catch {
      // not there
    }
  }
  return n;
}

/** Peak resident set of this process so far, MiB. */
export const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;
