/**
 * npm run bench:mqtt-cpu — CPU time per message of the embedded broker's ingest path at LOW rates
 * (issue 8's nominal load is 50 devices × one QoS 1 message a second), where the cost is mostly
 * per-wake overhead rather than per-byte work (bench:mqtt measures the bulk case).
 *
 * The gateway side is benchmarks/mqtt-gateway.js of a build (embedded broker + ingest + the real
 * SQLite store in a temp dir, in its own process, with the shipped memory settings); this process
 * runs 50 mqtt.js publishers (50 connections), each sending `{"temp":…,"count":…,"run":true}` at
 * QoS 1, spread evenly over the period, as benchmarks/footprint.ts does. Per case: warm-up, then an
 * idle window (clients connected, not publishing), then the publishing window. Reported: CPU of
 * the gateway process (utime and stime from /proc/PID/stat; the total from the threads'
 * schedstat, ns) per stored message, gross and net of the idle rate.
 *
 * Options: --rates 50,200,1000 (messages/s over all devices; default 50), --seconds N (publishing
 * window, default 30), --idle N (idle window, default 10), --warmup N (publishing before the
 * measurement, default 90: at 50 msg/s V8 takes minutes to tier the path up, and with a 10 s
 * warm-up half of the measured CPU is TurboFan compiling on its worker threads, docs/mqtt.md), --runs N
 * (default 3), BENCH_GW_NODE_ARGS (node flags for the gateway process), --old DIR (a second build, e.g. a copy of an older dist/: old and new alternate,
 * old first, and the table shows both). Prints a table and writes .bench/mqtt-lowrate-cpu.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { packageRoot } from '../config/paths.js';
import { withMemorySettings } from '../gateway/runtime/memory-settings.js';
import { hashPassword } from '../gateway/sources/mqtt/password.js';
import { freePort } from '../tests/peers/free-port.js';
import { median, printTable, writeResult } from './lib.js';
import { mqttMachinesYaml } from './nominal-load.js';

const root = packageRoot();
const { values } = parseArgs({
  options: {
    rates: { type: 'string' },
    seconds: { type: 'string' },
    idle: { type: 'string' },
    warmup: { type: 'string' },
    runs: { type: 'string' },
    old: { type: 'string' },
  },
});
const RATES = (values.rates ?? '50').split(',').map(Number);
const SECONDS = Number(values.seconds ?? 30);
const IDLE = Number(values.idle ?? 10);
const WARMUP = Number(values.warmup ?? 90);
const RUNS = Math.max(1, Number(values.runs ?? 3));
const DEVICES = 50;
const PW = 'bench-password-1';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const GATEWAY_ENV = withMemorySettings(process.env);
/** BENCH_GW_NODE_ARGS: extra node flags for the gateway process (e.g. `--cpu-prof --cpu-prof-dir=DIR`). */
const NODE_ARGS = (process.env.BENCH_GW_NODE_ARGS ?? '').split(' ').filter(Boolean);
const BUILDS: { label: string; dist: string }[] = [
  ...(values.old ? [{ label: 'old', dist: resolve(values.old) }] : []),
  { label: values.old ? 'new' : 'this build', dist: join(root, 'dist') },
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cpu {
  /** utime, stime in seconds (clock ticks). */
  user: number;
  sys: number;
  /** Sum over the threads' run time in seconds (schedstat, ns resolution). */
  total: number;
}

function cpuOf(pid: number): Cpu {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK, total: ns / 1e9 };
}

const minus = (a: Cpu, b: Cpu): Cpu => ({
  user: a.user - b.user,
  sys: a.sys - b.sys,
  total: a.total - b.total,
});

/** 50 publishers, `rate` messages a second over all of them, each device's sends evenly spaced. */
function startPublishers(url: string, rate: number) {
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  const periodMs = (1000 * DEVICES) / rate;
  let sending = false;
  for (let i = 0; i < DEVICES; i++) {
    const c = mqtt.connect(url, {
      username: 'bench',
      password: PW,
      clientId: `dev${i}`,
      reconnectPeriod: 1000,
    });
    c.on('error', () => undefined);
    clients.push(c);
    let n = 0;
    const tick = () => {
      if (!sending || !c.connected) return;
      n++;
      c.publish(
        `plant/dev${i}/telemetry`,
        JSON.stringify({ temp: 60 + (n % 50) / 10, count: n, run: true }),
        { qos: 1 },
      );
    };
    timers.push(setTimeout(() => timers.push(setInterval(tick, periodMs)), (i * periodMs) / DEVICES));
  }
  return {
    connected: () => clients.every((c) => c.connected),
    resume() {
      sending = true;
    },
    pause() {
      sending = false;
    },
    async stop() {
      sending = false;
      for (const t of timers) clearInterval(t);
      await Promise.all(clients.map((c) => c.endAsync(true)));
    },
  };
}

interface Row extends Record<string, string | number> {
  build: string;
  'msg/s': number;
  run: number;
  messages: number;
  'idle CPU %': number;
  'user µs/msg': number;
  'sys µs/msg': number;
  'CPU µs/msg': number;
  'net µs/msg': number;
}

async function runCase(build: { label: string; dist: string }, rate: number, run: number): Promise<Row> {
  const data = mkdtempSync(join(tmpdir(), 'linegate-bench-mqtt-cpu-'));
  const port = await freePort();
  const yaml = `site: { id: bench, name: Bench }
lines: [{ id: bench, name: Bench }]
mqtt:
  broker:
    port: ${port}
    users: [{ username: bench, passwordHash: '${hashPassword(PW)}', publish: ['plant/#'] }]
    limits: { maxConnections: 100 }
machines:${mqttMachinesYaml(DEVICES)}
`;
  const gw: ChildProcess = spawn(
    process.execPath,
    [...NODE_ARGS, join(build.dist, 'benchmarks', 'mqtt-gateway.js'), yaml, data],
    { stdio: ['ignore', 'pipe', 'inherit'], env: GATEWAY_ENV },
  );
  let ready = false;
  let stored = 0;
  if (!gw.stdout) throw new Error('no stdout');
  createInterface({ input: gw.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) {
      process.stderr.write(`${line}\n`); // e.g. --trace-gc output
      return;
    }
    const m = JSON.parse(line) as { ready?: boolean; stored?: number };
    if (m.ready) ready = true;
    else stored = m.stored ?? stored;
  });
  const pid = gw.pid ?? 0;
  let pubs: ReturnType<typeof startPublishers> | null = null;
  try {
    for (let i = 0; !ready; i++) {
      if (i > 300) throw new Error('gateway not ready in 15 s');
      await sleep(50);
    }
    pubs = startPublishers(`mqtt://127.0.0.1:${port}`, rate);
    for (let i = 0; !pubs.connected(); i++) {
      if (i > 300) throw new Error('publishers not connected in 15 s');
      await sleep(50);
    }
    const p = pubs;
    p.resume();
    await sleep(WARMUP * 1000);
    // Idle window: the same process, its clients connected, nothing sent.
    const idle = await idleWindow(pid, p);
    const c0 = cpuOf(pid);
    const s0 = stored;
    const t0 = process.hrtime.bigint();
    p.resume();
    await sleep(SECONDS * 1000);
    p.pause();
    await sleep(1000); // the last commits and reports
    const cpu = minus(cpuOf(pid), c0);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const messages = stored - s0;
    const us = (s: number) => Math.round((s / Math.max(1, messages)) * 1e7) / 10;
    return {
      build: build.label,
      'msg/s': rate,
      run,
      messages,
      'idle CPU %': Math.round(idle * 1000) / 10,
      'user µs/msg': us(cpu.user),
      'sys µs/msg': us(cpu.sys),
      'CPU µs/msg': us(cpu.total),
      'net µs/msg': us(cpu.total - idle * seconds),
    };
  } finally {
    await pubs?.stop();
    gw.kill('SIGTERM');
    await new Promise((r) => gw.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  }
}

/** CPU share of one core while connected and not publishing. */
async function idleWindow(pid: number, p: { pause(): void }): Promise<number> {
  p.pause();
  await sleep(1500); // the last messages committed
  const c0 = cpuOf(pid);
  const t0 = process.hrtime.bigint();
  await sleep(IDLE * 1000);
  const cpu = minus(cpuOf(pid), c0);
  return cpu.total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (let run = 1; run <= RUNS; run++)
    for (const rate of RATES)
      for (const build of BUILDS) {
        const row = await runCase(build, rate, run);
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
  printTable(`MQTT ingest CPU at low rates (${DEVICES} publishers, QoS 1, ${SECONDS} s each, runs)`, rows);
  const summary = RATES.flatMap((rate) =>
    BUILDS.map((b) => {
      const g = rows.filter((r) => r['msg/s'] === rate && r.build === b.label);
      const med = (k: keyof Row) => median(g.map((r) => r[k] as number));
      return {
        build: b.label,
        'msg/s': rate,
        runs: g.length,
        'idle CPU % (median)': med('idle CPU %'),
        'user µs/msg': med('user µs/msg'),
        'sys µs/msg': med('sys µs/msg'),
        'CPU µs/msg (median)': med('CPU µs/msg'),
        'net µs/msg (median)': med('net µs/msg'),
        'CPU µs/msg (runs)': g.map((r) => r['CPU µs/msg']).join(' / '),
      };
    }),
  );
  printTable('Medians', summary);
  writeResult('mqtt-lowrate-cpu', {
    rates: RATES,
    seconds: SECONDS,
    idle: IDLE,
    builds: BUILDS,
    rows,
    summary,
  });
}

await main();
