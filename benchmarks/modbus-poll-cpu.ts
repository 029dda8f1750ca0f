/**
 * npm run bench:modbus-cpu — CPU and allocation of the Modbus polling path per request.
 *
 * The nominal footprint load on the Modbus side only: 20 Modbus TCP devices × 50 points every
 * second (the static-vector devices of benchmarks/footprint-devices.ts, in their own process;
 * 4 requests per device and poll, 80 requests/s), polled by the gateway's own acquisition
 * (config/load → buildAcquisition → Supervisor: link schedulers, Modbus sources, running sources,
 * the event bus and the live state) in a child process with the shipped memory settings.
 * The store and the sinks are not loaded: what is measured ends where samples reach the bus.
 *
 * Each run is a child process: warm-up, then `--seconds` of `process.cpuUsage()` (user, system)
 * and GC counts (perf_hooks), then `--alloc-seconds` under the sampling heap profiler (objects
 * collected by minor and major GCs included) for bytes allocated per request. Runs alternate
 * between the builds given with `--root` (default: this package; e.g. a copy of an older dist,
 * `--root /tmp/base --root .`), `--runs` each; the table gives medians.
 * Writes .bench/modbus-poll-cpu.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../config/paths.js';
import { applyMemoryV8Flags, withMemorySettings } from '../gateway/runtime/memory-settings.js';
import { freePort } from '../tests/peers/free-port.js';
import { median, printTable, writeResult } from './lib.js';
import { modbusMachinesYaml } from './nominal-load.js';

const DEVICES = 20;
const REQUESTS_PER_POLL = 4; // the plan of the footprint devices' 50 points (benchmarks/modbus.ts checks it)

const { values } = parseArgs({
  options: {
    child: { type: 'boolean' },
    root: { type: 'string', multiple: true },
    ports: { type: 'string' },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    'alloc-seconds': { type: 'string' },
    warmup: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds ?? 30);
const ALLOC_SECONDS = Number(values['alloc-seconds'] ?? 10);
const WARMUP = Number(values.warmup ?? 8);
const RUNS = Number(values.runs ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The footprint bench's Modbus machines (benchmarks/footprint.ts), nothing else. */
function configText(ports: readonly number[], dataDir: string): string {
  return `site: { id: bench, name: Bench }
lines: [{ id: bench, name: Bench }]
machines:${modbusMachinesYaml(ports)}
dataDir: ${dataDir}
log: { level: warn }
`;
}

interface ChildResult {
  requests: number;
  samples: number;
  badSamples: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  minorGcs: number;
  majorGcs: number;
  allocRequests: number;
  allocBytes: number;
}

/** One measured run of the build under `root`, in this process. */
async function child(root: string, ports: number[]): Promise<void> {
  applyMemoryV8Flags(process.env); // what the gateway sets on itself at start
  const dir = mkdtempSync(join(tmpdir(), 'linegate-mbcpu-'));
  const file = join(dir, 'plant.yaml');
  writeFileSync(file, configText(ports, join(dir, 'data')));
  const url = (p: string) => pathToFileURL(join(root, 'dist', p)).href;
  const { loadConfig } = (await import(url('config/load.js'))) as typeof import('../config/load.js');
  const { buildAcquisition } = (await import(url('gateway/main.js'))) as typeof import('../gateway/main.js');
  const { pino } = await import('pino');
  const config = loadConfig(file);
  const { supervisor } = buildAcquisition(config, pino({ level: 'warn' }));
  let samples = 0;
  let bad = 0;
  const owner = {};
  supervisor.bus.on('samples', owner, (s) => {
    samples += s.length;
    for (const x of s) if (x.quality !== 'good') bad++;
  });
  const requests = () => {
    let n = 0;
    for (const m of config.machines) n += supervisor.stats(m.id)?.snapshot().requests ?? 0;
    return n;
  };
  let minor = 0;
  let major = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (kind === 1)
        minor++; // NODE_PERFORMANCE_GC_MINOR
      else major++;
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  supervisor.start();
  await sleep(WARMUP * 1000);

  const r0 = requests();
  const s0 = samples;
  const [g0, j0] = [minor, major];
  const c0 = process.cpuUsage();
  await sleep(SECONDS * 1000);
  const cpu = process.cpuUsage(c0);
  const r1 = requests();
  const result: Partial<ChildResult> = {
    requests: r1 - r0,
    samples: samples - s0,
    badSamples: bad,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    minorGcs: minor - g0,
    majorGcs: major - j0,
  };

  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const a0 = requests();
  await sleep(ALLOC_SECONDS * 1000);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  result.allocRequests = requests() - a0;
  result.allocBytes = totalSize(profile.head);
  // For a look at what allocates: MBCPU_HEAP_PROFILE=file.heapprofile (opens in DevTools).
  if (process.env.MBCPU_HEAP_PROFILE) writeFileSync(process.env.MBCPU_HEAP_PROFILE, JSON.stringify(profile));
  session.disconnect();
  gcs.disconnect();

  await supervisor.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

interface ProfileNode {
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

function totalSize(node: ProfileNode): number {
  let n = node.selfSize;
  for (const c of node.children) n += totalSize(c);
  return n;
}

function runChild(root: string, ports: number[]): Promise<ChildResult> {
  const self = join(packageRoot(), 'dist', 'benchmarks', 'modbus-poll-cpu.js');
  const args = [
    self,
    '--child',
    '--root',
    root,
    '--ports',
    ports.join(','),
    '--seconds',
    String(SECONDS),
    '--alloc-seconds',
    String(ALLOC_SECONDS),
    '--warmup',
    String(WARMUP),
  ];
  return new Promise((resolvePromise, reject) => {
    const c = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: withMemorySettings(process.env),
    });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`child for ${root} exited with ${code}: ${out}`));
      else resolvePromise(JSON.parse(line) as ChildResult);
    });
  });
}

async function startDevices(ports: number[]): Promise<ChildProcess> {
  const devices = spawn(
    process.execPath,
    [join(packageRoot(), 'dist', 'benchmarks', 'footprint-devices.js'), ...ports.map(String)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((ok, fail) => {
    let out = '';
    const t = setTimeout(() => fail(new Error('Modbus devices: not ready within 15 s')), 15_000);
    devices.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('ready')) {
        clearTimeout(t);
        ok();
      }
    });
  });
  return devices;
}

async function main(): Promise<void> {
  const roots = (values.root ?? [packageRoot()]).map((r) => resolve(r));
  const ports = await Promise.all(Array.from({ length: DEVICES }, () => freePort()));
  const devices = await startDevices(ports);
  const byRoot = new Map<string, ChildResult[]>(roots.map((r) => [r, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const root of roots) {
        const r = await runChild(root, ports);
        byRoot.get(root)?.push(r);
        const us = (r.cpuUserUs + r.cpuSystemUs) / r.requests;
        process.stderr.write(
          `run ${i + 1} ${root}: ${r.requests} requests, ${us.toFixed(1)} µs/request, ${(r.allocBytes / r.allocRequests).toFixed(0)} B/request\n`,
        );
      }
    }
  } finally {
    devices.kill('SIGTERM');
  }
  const rows = roots.map((root) => {
    const rs = byRoot.get(root) ?? [];
    const per = (f: (r: ChildResult) => number) => median(rs.map(f));
    return {
      build: root,
      runs: rs.length,
      'requests/s': per((r) => r.requests / SECONDS),
      'expected/s': DEVICES * REQUESTS_PER_POLL,
      'user µs/req': per((r) => r.cpuUserUs / r.requests),
      'sys µs/req': per((r) => r.cpuSystemUs / r.requests),
      'total µs/req': per((r) => (r.cpuUserUs + r.cpuSystemUs) / r.requests),
      '% of a core': per((r) => ((r.cpuUserUs + r.cpuSystemUs) / (SECONDS * 1e6)) * 100),
      'alloc B/req': per((r) => r.allocBytes / r.allocRequests),
      'minor GC /1k req': per((r) => (r.minorGcs * 1000) / r.requests),
      'bad samples': per((r) => r.badSamples),
    };
  });
  printTable(
    `Modbus polling path, ${DEVICES} devices × 50 points/s, ${SECONDS} s measured (+${WARMUP} s warm-up), medians of ${RUNS} alternated runs`,
    rows,
  );
  const file = writeResult('modbus-poll-cpu', {
    seconds: SECONDS,
    allocSeconds: ALLOC_SECONDS,
    warmup: WARMUP,
    rows,
    runs: Object.fromEntries(byRoot),
  });
  process.stdout.write(`\nwritten ${file}\n`);
}

if (values.child) {
  const ports = (values.ports ?? '').split(',').map(Number);
  await child(values.root?.[0] ?? packageRoot(), ports);
  process.exit(0);
} else {
  await main();
}
