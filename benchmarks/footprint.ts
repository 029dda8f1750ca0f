/**
 * npm run bench:footprint — the footprint budget of issue 8 ("Run it on a Pi for years"), at the
 * nominal Pi load: 20 Modbus TCP devices × 50 points polled every second (a static-vector
 * modbus-serial process, benchmarks/footprint-devices.ts) plus 50 MQTT devices (50 mqtt.js
 * connections, one message a second each) into the embedded broker, with an InfluxDB 1.6.7 sink.
 * The gateway is the built CLI (`dist/gateway/cli.js --config`) in its own process; measured from
 * /proc after a warm-up: RSS (VmRSS each second: median and peak), CPU share of one core
 * (utime+stime), bytes written to disk per day (write_bytes, extrapolated; wchar alongside),
 * event-loop delay p99 (benchmarks/loop-probe.ts preloaded with --import, no gateway code).
 * Next to it: Node-RED (../shared/peers/nodered, copied to a temp dir, installed once) on the same
 * MQTT load through Mosquitto into the same InfluxDB, measured the same way.
 *
 * Options: --seconds N (measured time, default 120), --warmup N (default 15), --slice N (CPU is
 * also reported per slice of N seconds of the window, default a sixth of it: JIT and GC settle
 * over the first ~10 minutes, so the slices show the trend), --no-nodered, --no-mqtt-only, --help.
 * The store runs with the settings recommended for a Pi (change-only raw rows, the RAM tier in a
 * /dev/shm directory of the run's own). Environment, for experiments: FOOTPRINT_STORE (a `store:`
 * line for the config instead; empty: the config's defaults), FOOTPRINT_COMMIT_WINDOW_MS (mqtt.broker.limits.commitWindowMs), FOOTPRINT_NODE_ARGS (extra node
 * flags for the gateway only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`). The gateway runs with the
 * memory settings it ships with (gateway/runtime/memory-settings.ts: MALLOC_ARENA_MAX=2,
 * --max-semi-space-size=1, as the systemd unit and the Docker image set them), values already in
 * the environment winning; LINEGATE_MEMORY_SETTINGS=off runs it without. Node-RED gets the
 * environment as it is. Targets: RSS ≤ 100 MB, CPU ≤ 5 %, ≤ 50 MB/day written, loop p99 < 50 ms.
 * Prints a table and writes .bench/footprint.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { packageRoot } from '../config/paths.js';
import { describeMemorySettings, withMemorySettings } from '../gateway/runtime/memory-settings.js';
import { hashPassword } from '../gateway/sources/mqtt/password.js';
import { freePort } from '../tests/peers/free-port.js';
import { type InfluxdbServer, startInfluxdb } from '../tests/peers/influxdb.js';
import { startMosquitto } from '../tests/peers/mosquitto.js';
import { median, printTable, writeResult } from './lib.js';
import { modbusMachinesYaml, mqttMachinesYaml } from './nominal-load.js';

const root = packageRoot();
const SHARED = process.env.LINEGATE_NODERED_PEER ?? join(root, '..', 'shared', 'peers', 'nodered');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    slice: { type: 'string' },
    help: { type: 'boolean' },
    'no-nodered': { type: 'boolean' },
    'no-mqtt-only': { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(
    [
      'npm run bench:footprint -- [--seconds 120] [--warmup 15] [--slice N] [--no-nodered] [--no-mqtt-only]',
      'RSS, CPU share of one core, disk written per day and event-loop p99 of the gateway at the nominal Pi',
      'load (20 Modbus devices × 50 points/s + 50 MQTT devices at 1 msg/s), next to Node-RED on the MQTT load.',
      '--slice N: CPU also per N-second slice of the window (default: a sixth of it). Steady state needs',
      'a long warm-up (e.g. --warmup 600): JIT and GC settle over the first minutes.',
      'Store: change-only raw rows + the RAM tier in /dev/shm (as recommended for a Pi); FOOTPRINT_STORE',
      'replaces that `store:` line (empty: the config defaults). Also FOOTPRINT_COMMIT_WINDOW_MS, FOOTPRINT_NODE_ARGS.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const SECONDS = Number(values.seconds ?? 120);
const WARMUP = Number(values.warmup ?? 15);
const SLICE = Number(values.slice ?? Math.max(10, Math.round(SECONDS / 6)));
const DEVICES = 20;
const MQTT_DEVICES = 50;
const PW = 'bench-password-1';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const PROBE = join(root, 'dist', 'benchmarks', 'loop-probe.js');
/** FOOTPRINT_NODE_ARGS: extra node flags for the gateway only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`). */
const NODE_ARGS = (process.env.FOOTPRINT_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The gateway runs with the memory settings it ships with (unless LINEGATE_MEMORY_SETTINGS=off). */
const GATEWAY_ENV = withMemorySettings(process.env);
const SETTINGS = describeMemorySettings(GATEWAY_ENV);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ProcSample {
  rssKb: number;
  anonKb: number;
  ticks: number;
  writeBytes: number;
  wchar: number;
}

function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const num = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  return {
    rssKb: num(status, /^VmRSS:\s+(\d+) kB/m),
    anonKb: num(status, /^RssAnon:\s+(\d+) kB/m),
    ticks: Number(f[11]) + Number(f[12]),
    writeBytes: num(io, /^write_bytes:\s+(\d+)/m),
    wchar: num(io, /^wchar:\s+(\d+)/m),
  };
}

export interface Figures {
  'RSS median MB': number;
  'RSS peak MB': number;
  'anon MB': number;
  'CPU % of 1 core': number;
  'loop p99 ms': number;
  'disk MB/day': number;
  'wchar MB/day': number;
  /** CPU % of one core in each --slice of the window, in order ("5.9 / 5.5 / …"). */
  'CPU % by slice': string;
}

/** Measures `pid` for SECONDS after WARMUP (the loop probe resets at the same moment). */
async function measure(pid: number, probeFile: string): Promise<Figures> {
  await sleep(WARMUP * 1000);
  const first = procSample(pid);
  const t0 = Date.now();
  const rss: number[] = [];
  const anon: number[] = [];
  const cpuSlices: number[] = [];
  let slice = { at: t0, ticks: first.ticks };
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(1000);
    const p = procSample(pid);
    rss.push(p.rssKb / 1024);
    anon.push(p.anonKb / 1024);
    const now = Date.now();
    if (now - slice.at >= SLICE * 1000) {
      cpuSlices.push(Math.round(((p.ticks - slice.ticks) / CLK_TCK / ((now - slice.at) / 1000)) * 1000) / 10);
      slice = { at: now, ticks: p.ticks };
    }
  }
  const last = procSample(pid);
  const s = (Date.now() - t0) / 1000;
  await sleep(2100); // one more probe write covering the whole window
  const loop = existsSync(probeFile)
    ? (JSON.parse(readFileSync(probeFile, 'utf8')) as {
        p99: number;
        memory?: Record<string, number>;
        gc?: Record<string, number>;
      })
    : { p99: Number.NaN };
  if (loop.gc)
    process.stderr.write(
      `gc of ${pid}: ${Object.entries(loop.gc)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}\n`,
    );
  if (loop.memory)
    process.stderr.write(
      `memory of ${pid}: ${Object.entries(loop.memory)
        .map(([k, v]) => `${k} ${Math.round(v / 1e5) / 10} MB`)
        .join(', ')}\n`,
    );
  const perDay = (bytes: number) => Math.round(((bytes / s) * 86_400) / 1e4) / 100;
  return {
    'RSS median MB': Math.round(median(rss) * 10) / 10,
    'RSS peak MB': Math.round(Math.max(...rss) * 10) / 10,
    'anon MB': Math.round(median(anon) * 10) / 10,
    'CPU % of 1 core': Math.round(((last.ticks - first.ticks) / CLK_TCK / s) * 1000) / 10,
    'loop p99 ms': loop.p99,
    'disk MB/day': perDay(last.writeBytes - first.writeBytes),
    'wchar MB/day': perDay(last.wchar - first.wchar),
    'CPU % by slice': cpuSlices.join(' / '),
  };
}

/** 50 devices, one connection each, one QoS 1 message a second each (spread over the second). */
async function startPublishers(url: string, auth: { username?: string; password?: string }) {
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  let sent = 0;
  for (let i = 0; i < MQTT_DEVICES; i++) {
    const c = mqtt.connect(url, { ...auth, clientId: `dev${i}`, reconnectPeriod: 1000 });
    c.on('error', () => undefined);
    clients.push(c);
    let n = 0;
    timers.push(
      setTimeout(
        () =>
          timers.push(
            setInterval(() => {
              if (!c.connected) return;
              n++;
              sent++;
              c.publish(
                `plant/dev${i}/telemetry`,
                JSON.stringify({ temp: 60 + (n % 50) / 10, count: n, run: true }),
                { qos: 1 },
              );
            }, 1000),
          ),
        (i * 1000) / MQTT_DEVICES,
      ),
    );
  }
  return {
    sent: () => sent,
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all(clients.map((c) => c.endAsync(true)));
    },
  };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(200);
  }
}

const ok = async (url: string) => {
  try {
    return (await fetch(url)).status < 500;
  } catch {
    return false;
  }
};

function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

/**
 * Where the loop probe writes its figures: in RAM (/dev/shm) when there is one. The probe runs
 * inside the measured process, so a file on the disk would count in its write_bytes: rewritten
 * every 2 s, it alone was ~170 MB/day of the "disk" column (found with strace, 2026-11-27).
 */
function probePath(dir: string): string {
  return existsSync('/dev/shm')
    ? join('/dev/shm', `linegate-probe-${basename(dir)}.json`)
    : join(dir, 'loop.json');
}

interface Row extends Record<string, string | number> {
  system: string;
  load: string;
}

/**
 * The `store:` line: FOOTPRINT_STORE when given (empty: the config's defaults), else the settings
 * the demo and config/examples/plant.yaml recommend for a Pi: change-only raw rows and the RAM
 * tier, here in a directory of /dev/shm of this run's own (removed after it).
 */
function storeLine(dir: string): string {
  const given = process.env.FOOTPRINT_STORE;
  if (given !== undefined) return given;
  if (!existsSync('/dev/shm')) return 'store: { raw: { onChange: true } }';
  return `store: { raw: { onChange: true }, ramTier: { dir: ${ramDir(dir)} } }`;
}

const ramDir = (dir: string) => join('/dev/shm', basename(dir));

async function runLinegate(influx: InfluxdbServer, withModbus: boolean): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-footprint-'));
  const store = storeLine(dir);
  const ports = withModbus ? await Promise.all(Array.from({ length: DEVICES }, () => freePort())) : [];
  const devices = withModbus
    ? spawn(
        process.execPath,
        [join(root, 'dist', 'benchmarks', 'footprint-devices.js'), ...ports.map(String)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
    : null;
  if (devices) {
    let out = '';
    devices.stdout?.on('data', (d) => {
      out += d;
    });
    await waitFor(() => out.includes('ready'), 15_000, 'Modbus devices');
  }
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const file = join(dir, 'plant.yaml');
  writeFileSync(
    file,
    `site: { id: bench, name: Bench }
lines: [{ id: bench, name: Bench }]
mqtt:
  broker:
    port: ${mqttPort}
    users: [{ username: bench, passwordHash: '${hashPassword(PW)}', publish: ['plant/#'] }]
    limits: { maxConnections: 100${process.env.FOOTPRINT_COMMIT_WINDOW_MS ? `, commitWindowMs: ${process.env.FOOTPRINT_COMMIT_WINDOW_MS}` : ''} }
machines:${modbusMachinesYaml(ports)}${mqttMachinesYaml(MQTT_DEVICES)}
sinks:
  - { id: influx, type: influxdb-v1, url: "${influx.url}", database: ${influx.database} }
${store}
http: { host: 127.0.0.1, port: ${httpPort} }
dataDir: ${join(dir, 'data')}
log: { level: warn }
`,
  );
  const probeFile = probePath(dir);
  const gw = spawn(
    process.execPath,
    [...NODE_ARGS, '--import', PROBE, join(root, 'dist', 'gateway', 'cli.js'), '--config', file],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...GATEWAY_ENV, LOOP_PROBE_FILE: probeFile, LOOP_PROBE_WARMUP_MS: String(WARMUP * 1000) },
    },
  );
  const health = `http://127.0.0.1:${httpPort}/api/health`;
  try {
    await waitFor(() => ok(health), 30_000, 'linegate');
    const pubs = await startPublishers(`mqtt://127.0.0.1:${mqttPort}`, { username: 'bench', password: PW });
    const figures = await measure(gw.pid ?? 0, probeFile);
    const h = (await (await fetch(health)).json()) as {
      machines: { online: number; total: number };
      store: { rawRows: number; usedBytes: number };
      sinks: { queueDepth: number }[];
    };
    await pubs.stop();
    return {
      system: 'linegate',
      load: withModbus ? `${DEVICES}×50 Modbus/s + ${MQTT_DEVICES} MQTT msg/s` : `${MQTT_DEVICES} MQTT msg/s`,
      ...figures,
      online: `${h.machines.online}/${h.machines.total}`,
      'sink backlog': h.sinks[0]?.queueDepth ?? -1,
    };
  } finally {
    await stopChild(gw);
    if (devices) await stopChild(devices);
    rmSync(dir, { recursive: true, force: true });
    rmSync(ramDir(dir), { recursive: true, force: true });
    rmSync(probeFile, { force: true });
  }
}

function nodeRedCopy(): string {
  const copy = join(tmpdir(), 'linegate-nodered-peer');
  if (!existsSync(join(copy, 'node_modules', 'node-red'))) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(SHARED, copy, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: copy,
      stdio: 'inherit',
      timeout: 300_000,
    });
  }
  return copy;
}

async function runNodeRed(influx: InfluxdbServer): Promise<Row> {
  const copy = nodeRedCopy();
  const dir = mkdtempSync(join(tmpdir(), 'linegate-footprint-nr-'));
  const mosq = await startMosquitto({ persistence: false });
  const nrPort = await freePort();
  cpSync(join(copy, 'flows.json'), join(dir, 'flows.json'));
  const probeFile = probePath(dir);
  const nr = spawn(
    process.execPath,
    [
      '--import',
      PROBE,
      join(copy, 'node_modules', 'node-red', 'red.js'),
      '--userDir',
      dir,
      '--settings',
      join(copy, 'settings.js'),
      join(dir, 'flows.json'),
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        LOOP_PROBE_FILE: probeFile,
        LOOP_PROBE_WARMUP_MS: String(WARMUP * 1000),
        MQTT_HOST: '127.0.0.1',
        MQTT_PORT: String(mosq.port),
        MQTT_TOPIC: 'plant/+/telemetry',
        INFLUX_HOST: '127.0.0.1',
        INFLUX_PORT: String(influx.port),
        INFLUX_DB: influx.database,
        BATCH_COUNT: '1000',
        NR_PORT: String(nrPort),
      },
    },
  );
  try {
    await waitFor(() => ok(`http://127.0.0.1:${nrPort}/`), 60_000, 'Node-RED');
    await sleep(2000);
    const pubs = await startPublishers(mosq.url, {});
    const figures = await measure(nr.pid ?? 0, probeFile);
    await pubs.stop();
    return {
      system: 'Node-RED 4 (batched flow)',
      load: `${MQTT_DEVICES} MQTT msg/s via Mosquitto`,
      ...figures,
    };
  } finally {
    await stopChild(nr);
    await mosq.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(probeFile, { force: true });
  }
}

const TARGETS = { rss: 100, cpu: 5, disk: 50, loop: 50 };

function verdict(r: Row): string {
  const miss: string[] = [];
  if (Number(r['RSS peak MB']) > TARGETS.rss) miss.push('RSS');
  if (Number(r['CPU % of 1 core']) > TARGETS.cpu) miss.push('CPU');
  if (Number(r['disk MB/day']) > TARGETS.disk) miss.push('disk');
  if (!(Number(r['loop p99 ms']) < TARGETS.loop)) miss.push('loop');
  return miss.length === 0 ? 'all met' : `missed: ${miss.join(', ')}`;
}

async function main(): Promise<void> {
  const influx = await startInfluxdb();
  const rows: Row[] = [];
  const store = process.env.FOOTPRINT_STORE ?? 'change-only raw + RAM tier (the recommended settings)';
  try {
    rows.push(await runLinegate(influx, true));
    if (!values['no-mqtt-only']) rows.push(await runLinegate(influx, false));
    if (!values['no-nodered']) {
      try {
        rows.push(await runNodeRed(influx));
      } catch (err) {
        process.stderr.write(`Node-RED could not run here: ${(err as Error).message}\n`);
      }
    }
  } finally {
    await influx.close();
  }
  for (const r of rows) r.targets = verdict(r);
  printTable(
    `Footprint, ${SECONDS} s measured after ${WARMUP} s warm-up (targets: RSS ≤ ${TARGETS.rss} MB, CPU ≤ ${TARGETS.cpu} %, disk ≤ ${TARGETS.disk} MB/day, loop p99 < ${TARGETS.loop} ms)`,
    rows,
  );
  process.stdout.write(
    `linegate ran with ${SETTINGS}${GATEWAY_ENV.LINEGATE_MEMORY_SETTINGS === 'off' ? ' (LINEGATE_MEMORY_SETTINGS=off)' : ' (the shipped memory settings, gateway/runtime/memory-settings.ts)'}; "anon MB" = RssAnon (RSS less the node binary's and libraries' file pages)\n`,
  );
  const file = writeResult('footprint', {
    seconds: SECONDS,
    warmup: WARMUP,
    store,
    settings: SETTINGS,
    targets: TARGETS,
    rows,
  });
  process.stdout.write(`wrote ${file}\n`);
}

await main();
