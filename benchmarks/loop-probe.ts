/**
 * Preloaded into a measured process (`node --import …/loop-probe.js`) by `npm run bench:footprint`:
 * the event-loop delay (perf_hooks histogram, 10 ms resolution), without touching the gateway's
 * code. After LOOP_PROBE_WARMUP_MS (default 10 000) the histogram is reset, then every 2 s the
 * percentiles since then are written, as one JSON line, over LOOP_PROBE_FILE, with the process's
 * memory (process.memoryUsage(), RssAnon/RssFile, the physical size of each V8 heap space) and
 * the main thread's GC pauses (perf_hooks 'gc' entries: minor = scavenge, major = mark-compact).
 *
 * The histogram's own timer wakes the process 100 times a second, which on the bench machine
 * costs ~0.8 % of a core by itself (a `node` process doing nothing else) and would count in the
 * CPU column as the measured process's. So by default (LOOP_PROBE_DUTY=0.1) it is on for one
 * second in every ten: whole seconds, so each window holds a whole 1-second cycle of the gateway
 * (polls, flushes), ~100 samples each. LOOP_PROBE_DUTY=1 keeps it on all the time (docs/footprint.md
 * compares the two).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  constants,
  createHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  type RecordableHistogram,
} from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/** RssAnon / RssFile of this process (kB → bytes), and the V8 heap spaces' physical sizes. */
function memoryDetail(): Record<string, number> {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string) =>
    Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  const spaces: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) spaces[`v8 ${s.space_name}`] = s.physical_space_size;
  return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), ...spaces };
}

/** Main-thread GC pauses since the warm-up: milliseconds and count, minor (scavenge) and major. */
const gc = { minorMs: 0, minor: 0, majorMs: 0, major: 0, since: 0 };

const file = process.env.LOOP_PROBE_FILE;
if (file) {
  const duty = Math.min(1, Math.max(0.01, Number(process.env.LOOP_PROBE_DUTY ?? 0.1)));
  let h: RecordableHistogram | ReturnType<typeof monitorEventLoopDelay>;
  if (duty >= 1) {
    h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
  } else {
    // The same measure as monitorEventLoopDelay (time between the fires of a 10 ms timer, in
    // ns), by a timer of our own that runs only inside the window.
    const all = createHistogram();
    h = all;
    const window = () => {
      let last = performance.now();
      const t = setInterval(() => {
        const now = performance.now();
        all.record(Math.max(1, Math.round((now - last) * 1e6)));
        last = now;
      }, 10);
      setTimeout(() => clearInterval(t), 1000).unref();
    };
    window();
    setInterval(window, Math.round(1000 / duty)).unref();
  }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.minorMs += e.duration;
        gc.minor++;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.majorMs += e.duration;
        gc.major++;
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  setTimeout(
    () => {
      h.reset();
      Object.assign(gc, { minorMs: 0, minor: 0, majorMs: 0, major: 0, since: performance.now() });
      const t = setInterval(() => {
        const s = (performance.now() - gc.since) / 1000;
        writeFileSync(
          file,
          `${JSON.stringify({
            p50: ms(h.percentile(50)),
            p99: ms(h.percentile(99)),
            max: ms(h.max),
            n: h.count,
            duty,
            gc: {
              'minor ms/s': Math.round((gc.minorMs / s) * 100) / 100,
              'minor /s': Math.round((gc.minor / s) * 10) / 10,
              'major ms/s': Math.round((gc.majorMs / s) * 100) / 100,
              'major /min': Math.round((gc.major / s) * 600) / 10,
            },
            memory: { ...process.memoryUsage(), ...memoryDetail() },
          })}\n`,
        );
      }, 2000);
      t.unref();
    },
    Number(process.env.LOOP_PROBE_WARMUP_MS ?? 10_000),
  ).unref();
}
