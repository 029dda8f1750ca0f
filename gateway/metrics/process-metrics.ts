import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';
import { readProcIo } from './proc-io.js';

/**
 * The process itself: event-loop delay, heap, RSS and bytes written to the card. Owns the
 * event-loop monitor (perf_hooks, 20 ms resolution); its percentiles cover the time since the
 * previous scrape (the histogram is reset after each one).
 *
 * Calling rules: `start()` once after construction, `stop()` once at shutdown.
 */
export class ProcessMetrics {
  private readonly loop: IntervalHistogram;

  constructor(
    private readonly registry: Registry,
    private readonly procIo: () => { writeBytes: number; readBytes: number } | null = readProcIo,
  ) {
    this.loop = monitorEventLoopDelay({ resolution: 20 });
  }

  start(): void {
    const loop = this.loop;
    const registers = [this.registry];
    this.loop.enable();
    new Gauge({
      name: 'linegate_event_loop_delay_seconds',
      help: 'Event-loop delay since the previous scrape (perf_hooks monitorEventLoopDelay), by quantile (0.5, 0.99, 1 = max).',
      labelNames: ['quantile'],
      registers,
      collect() {
        const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
        this.set({ quantile: '0.5' }, s(loop.percentile(50)));
        this.set({ quantile: '0.99' }, s(loop.percentile(99)));
        this.set({ quantile: '1' }, s(loop.max));
        loop.reset();
      },
    });
    new Gauge({
      name: 'linegate_process_resident_memory_bytes',
      help: 'Resident set size (RSS) of the gateway process.',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    new Gauge({
      name: 'linegate_heap_bytes',
      help: 'V8 heap: used and total (allocated) bytes.',
      labelNames: ['kind'],
      registers,
      collect() {
        const m = process.memoryUsage();
        this.set({ kind: 'used' }, m.heapUsed);
        this.set({ kind: 'total' }, m.heapTotal);
        this.set({ kind: 'external' }, m.external);
      },
    });
    const procIo = this.procIo;
    new Counter({
      name: 'linegate_disk_written_bytes_total',
      help: 'Bytes this process caused to be written to storage (write_bytes of /proc/self/io): what wears the SD card. 0 where /proc is absent.',
      registers,
      collect() {
        const io = procIo();
        this.reset();
        if (io) this.inc(io.writeBytes);
      },
    });
  }

  stop(): void {
    this.loop.disable();
  }
}
