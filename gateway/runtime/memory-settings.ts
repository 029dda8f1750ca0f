import { setFlagsFromString } from 'node:v8';

/**
 * The memory settings linegate ships with (docs/footprint.md): what deploy/systemd/linegate.service
 * (`Environment=`), the Dockerfile (`ENV`) and the benchmarks apply to the gateway process, and
 * what `bin/linegate` sets when it starts the gateway. One place, so that what is measured is what
 * runs on a Pi; tests/ops/packaging.test.ts checks the unit and the image against it.
 *
 * - MALLOC_ARENA_MAX=2: glibc otherwise gives each thread (libuv pool, V8 workers, SQLite) its
 *   own malloc arena, each keeping freed memory.
 * - MALLOC_MMAP_THRESHOLD_=131072, MALLOC_TRIM_THRESHOLD_=131072: glibc's default thresholds
 *   move up after the first large free (up to 32 MiB / 64 MiB), after which freed memory stays
 *   in the process. Fixed at 128 KiB, blocks that large are mmap'ed and given back on free and
 *   the heap top is trimmed: RssAnon 117 → 80 MB under the footprint load (docs/footprint.md).
 * - --max-semi-space-size=1: a 1 MiB young generation (V8's default grows to 16 MiB per
 *   semi-space under allocation pressure).
 */
export const MEMORY_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
/** `LINEGATE_MEMORY_SETTINGS=off`: run without them (the benchmarks measure the difference). */
export const MEMORY_SETTINGS_OPT_OUT = 'LINEGATE_MEMORY_SETTINGS';
export const MEMORY_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * V8 flags the gateway sets on itself at start (v8.setFlagsFromString; V8 reads both at every GC
 * and compile, so they work after start, and Node refuses them in NODE_OPTIONS).
 * - --heap-growing-percent=30: the next major GC comes when the old generation has grown by 30 %
 *   over what the last one kept, instead of V8's own factor (up to 2× and more with a fast GC).
 *   V8 grows the limit by at least 8 MB though (2 MB with --optimize-for-size), so at ~23 MB live
 *   it only bites together with the next flag.
 * - --optimize-for-size: V8's memory-saving mode (2 MB minimum growth step, memory-reducing
 *   mark-compacts that compact and give pages back, leaner optimized code). Measured under the
 *   footprint load (docs/footprint.md, session 5): RSS median −3 to −7 MB, CPU +0.3 to +0.7 points.
 */
export const MEMORY_V8_FLAGS: readonly string[] = ['--heap-growing-percent=30', '--optimize-for-size'];

/**
 * LINEGATE_HEAP_GROWING_PERCENT=N replaces the 30 (0 = V8's own factor). The trade, measured in
 * docs/footprint.md: ~15 MB less RSS for ~1 % more CPU (more major GCs).
 */
export const HEAP_GROWING_ENV = 'LINEGATE_HEAP_GROWING_PERCENT';

/**
 * LINEGATE_OPTIMIZE_FOR_SIZE=0 leaves --optimize-for-size out: for a site that has RAM to spare
 * and wants the CPU back (~0.7 points of one core at the nominal load).
 */
export const OPTIMIZE_FOR_SIZE_ENV = 'LINEGATE_OPTIMIZE_FOR_SIZE';

/** The V8 flags for this environment (none with LINEGATE_MEMORY_SETTINGS=off). */
export function memoryV8Flags(env: NodeJS.ProcessEnv): readonly string[] {
  if (env[MEMORY_SETTINGS_OPT_OUT] === 'off') return [];
  const flags: string[] = [];
  const given = env[HEAP_GROWING_ENV];
  if (given === undefined || given === '') flags.push('--heap-growing-percent=30');
  else {
    const n = Number(given);
    if (Number.isInteger(n) && n > 0 && n <= 1000) flags.push(`--heap-growing-percent=${n}`);
  }
  if (env[OPTIMIZE_FOR_SIZE_ENV] !== '0') flags.push('--optimize-for-size');
  return flags;
}

/** Sets memoryV8Flags(env) on this process; returns them. */
export function applyMemoryV8Flags(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const flags = memoryV8Flags(env);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/**
 * `env` with the shipped memory settings filled in where the caller has not set them: a
 * MALLOC_ARENA_MAX already there wins; NODE_OPTIONS gets each flag whose name it does not
 * already carry (so `--max-semi-space-size=4` in NODE_OPTIONS stays 4).
 */
export function withMemorySettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  if (env[MEMORY_SETTINGS_OPT_OUT] === 'off') return out;
  for (const [k, v] of Object.entries(MEMORY_ENV)) if (out[k] === undefined || out[k] === '') out[k] = v;
  const options = (out.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  for (const flag of MEMORY_NODE_OPTIONS) {
    const name = flag.split('=')[0] ?? flag;
    const has = options.some((o) => {
      const n = o.replaceAll('_', '-');
      return n === name || n.startsWith(`${name}=`);
    });
    if (!has) options.push(flag);
  }
  out.NODE_OPTIONS = options.join(' ');
  return out;
}

/** One line for a benchmark's output: what the measured process ran with. */
export function describeMemorySettings(env: NodeJS.ProcessEnv): string {
  const keys = Object.keys(MEMORY_ENV);
  const flags = memoryV8Flags(env);
  const v8 = flags.length === 0 ? [] : [`(set by the gateway: ${flags.join(' ')})`];
  return [
    ...keys.map((k) => `${k}=${env[k] ?? '(unset)'}`),
    `NODE_OPTIONS=${env.NODE_OPTIONS ?? ''}`,
    ...v8,
  ].join(' ');
}
