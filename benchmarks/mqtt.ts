/**
 * npm run bench:mqtt — MQTT ingestion figures (issue 3), side by side with the Node-RED baseline:
 *  - linegate: publishers → embedded broker (in-process) → persist → local store (SQLite), and
 *    publishers → Mosquitto → linegate's mqtt.js client → persist → local store; QoS 0 and 1.
 *  - Node-RED: the same publishers → Mosquitto → Node-RED flow → InfluxDB, run by the shared
 *    peer's own bench.sh (../shared/peers/nodered, copied to a temp dir and installed once).
 * The load generator is the shared loadgen.js for both (same payloads: {"ts","temp","count","run"},
 * 10 devices, max rate). linegate stores 3 samples per message (temp, count, run); Node-RED writes
 * one InfluxDB point with those fields per message: compare messages/s with Node-RED's points/s.
 * Loss = messages published (acknowledged for QoS 1) − messages stored. Peak RSS = VmHWM of the
 * gateway process (linegate in its own child process; Node-RED's node process).
 *
 * Every case runs --repeat times (default 3), linegate and Node-RED in the same run on the same
 * machine; the tables show each run and the medians, and the ratios are of the medians.
 * "Points" = messages landed (one Node-RED InfluxDB point per message; linegate stores the same
 * message as 3 samples).
 *
 * Options: --n N (messages per case, default 100000), --repeat R (default 3), --no-nodered (print
 * the recorded baseline instead: marked RECORDED, not a measurement of this run).
 * Subsets while iterating (the published comparison is the full run): --only linegate|nodered,
 * --qos 0|1, --path embedded|mosquitto. Load generator: --window W (unacknowledged messages per
 * publisher, default 200) and --procs P (publisher processes, default 1), for linegate only
 * (Node-RED's bench.sh runs loadgen with its defaults, which are the same 200 and 1).
 * Environment: BENCH_GW_NODE_ARGS (extra node flags for the gateway process, e.g.
 * '--cpu-prof --cpu-prof-dir=/tmp/prof'), BENCH_MOSQ_INFLIGHT (Mosquitto max_inflight_messages).
 * Columns beside points/s: CPU µs/msg (CPU time of the gateway process during the case per
 * landed message; Node-RED's from its measure.js) and msgs/commit (linegate's group commits).
 * Prints tables and writes .bench/mqtt.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../config/paths.js';
import { describeMemorySettings, withMemorySettings } from '../gateway/runtime/memory-settings.js';
import { hashPassword } from '../gateway/sources/mqtt/password.js';
import { freePort } from '../tests/peers/free-port.js';
import { startMosquitto } from '../tests/peers/mosquitto.js';
import { linesOf } from '../tests/peers/process-group.js';
import { median, printTable, writeResult } from './lib.js';

const root = packageRoot();
/** The shared Node-RED peer: $LINEGATE_NODERED_PEER, else ../shared (main repo) or ../../shared (a worktree). */
const SHARED =
  process.env.LINEGATE_NODERED_PEER ??
  [join(root, '..', 'shared', 'peers', 'nodered'), join(root, '..', '..', 'shared', 'peers', 'nodered')].find(
    (d) => existsSync(join(d, 'loadgen.js')),
  ) ??
  join(root, '..', 'shared', 'peers', 'nodered');
const LOADGEN = join(SHARED, 'loadgen.js');
const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    repeat: { type: 'string' },
    'no-nodered': { type: 'boolean' },
    only: { type: 'string' },
    qos: { type: 'string' },
    path: { type: 'string' },
    window: { type: 'string' },
    procs: { type: 'string' },
  },
});
/** --only linegate|nodered, --qos 0|1, --path embedded|mosquitto: a subset while iterating. */
const ONLY = values.only ?? 'both';
const QOS_LIST = values.qos === undefined ? [0, 1] : [Number(values.qos)];
const PATHS = values.path ?? 'both';
/** Extra node flags for the gateway process (e.g. BENCH_GW_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'). */
/** Load generator: unacknowledged messages per publisher (--window) and publisher processes (--procs). */
const LOADGEN_ARGS = ['--window', values.window ?? '200', '--procs', values.procs ?? '1'];
const GW_NODE_ARGS = (process.env.BENCH_GW_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const N = Number(values.n ?? 100_000);
const REPEAT = Math.max(1, Number(values.repeat ?? 3));
const PW = 'bench-password-1';
/** The gateway process runs with the memory settings linegate ships with (docs/footprint.md). */
const GATEWAY_ENV = withMemorySettings(process.env);

interface Row extends Record<string, string | number> {
  system: string;
  path: string;
  qos: number;
  n: number;
  'msgs/s landed': number;
  'samples/s': number;
  'loss %': number;
  'peak RSS MB': number;
  /** CPU time of the gateway process (linegate's; Node-RED's node) during the case, per landed message. */
  'CPU µs/msg': number;
  /** linegate: stored messages per SQLite commit (group commit); '-' for Node-RED. */
  'msgs/commit': number | string;
  measured: string;
}

function machinesYaml(source: string): string {
  return Array.from(
    { length: 10 },
    (_, i) => `
  - id: dev${i}
    name: Bench ${i}
    kind: other
    line: bench
    connection: { type: mqtt, source: ${source}, topic: 'plant/{machine}/telemetry' }
    payload: { timestamp: { path: ts, format: unix_us } }
    points:
      - { name: temp, path: temp, type: number }
      - { name: count, path: count, type: number }
      - { name: run, path: run, type: string }`,
  ).join('');
}

const SITE = 'site: { id: bench, name: Bench }\nlines: [{ id: bench, name: Bench }]\n';

/** utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15; 100 ticks/s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function vmHwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
}

async function runLoadgen(
  url: string,
  qos: number,
  n: number,
): Promise<{ completed: number; start_ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        LOADGEN,
        '--url',
        url,
        '--topic',
        'plant/{dev}/telemetry',
        '--n',
        String(n),
        '--qos',
        String(qos),
        '--devices',
        '10',
        ...LOADGEN_ARGS,
      ],
      {
        env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`loadgen: ${out}`));
      }
    });
  });
}

/** One case: a fresh gateway process, one loadgen run, wait until nothing more lands. */
async function runCase(
  path: string,
  yaml: string,
  url: string,
  qos: number,
  waitConnected: boolean,
): Promise<Row> {
  const data = mkdtempSync(join(tmpdir(), 'linegate-bench-mqtt-'));
  const gw: ChildProcess = spawn(
    process.execPath,
    [...GW_NODE_ARGS, join(root, 'dist', 'benchmarks', 'mqtt-gateway.js'), yaml, data],
    { stdio: ['ignore', 'pipe', 'inherit'], env: GATEWAY_ENV },
  );
  let last = { stored: 0, samples: 0, commits: 0, connected: false };
  let lastChange = Date.now();
  let ready = false;
  if (!gw.stdout) throw new Error('no stdout');
  linesOf(gw.stdout).on('line', (line) => {
    const m = JSON.parse(line) as {
      ready?: boolean;
      stored?: number;
      samples?: number;
      commits?: number;
      connected?: boolean;
    };
    if (m.ready) ready = true;
    else {
      if ((m.stored ?? 0) > last.stored) lastChange = Date.now();
      last = {
        stored: m.stored ?? 0,
        samples: m.samples ?? 0,
        commits: m.commits ?? 0,
        connected: m.connected ?? false,
      };
    }
  });
  const until = async (cond: () => boolean, ms: number) => {
    const t0 = Date.now();
    while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
  };
  await until(() => ready && (!waitConnected || last.connected), 15_000);
  await new Promise((r) => setTimeout(r, 300));
  const cpu0 = cpuSeconds(gw.pid ?? 0);
  const lg = await runLoadgen(url, qos, N).catch((err: unknown) => {
    gw.kill('SIGKILL');
    throw err;
  });
  await until(() => last.stored >= lg.completed || Date.now() - lastChange > 3000, 120_000);
  await new Promise((r) => setTimeout(r, 250));
  const hwm = vmHwmMb(gw.pid ?? 0);
  const cpu = cpuSeconds(gw.pid ?? 0) - cpu0;
  const seconds = Math.max(0.001, (lastChange - lg.start_ms) / 1000);
  gw.kill('SIGTERM');
  await new Promise((r) => gw.once('exit', r));
  rmSync(data, { recursive: true, force: true });
  return {
    system: 'linegate',
    path,
    qos,
    n: N,
    'msgs/s landed': Math.round(last.stored / seconds),
    'samples/s': Math.round(last.samples / seconds),
    'loss %': Math.round(((lg.completed - Math.min(last.stored, lg.completed)) / lg.completed) * 10000) / 100,
    'peak RSS MB': hwm,
    'CPU µs/msg': Math.round((cpu / Math.max(1, last.stored)) * 1e6),
    'msgs/commit': Math.round(last.stored / Math.max(1, last.commits)),
    measured: 'this run',
  };
}

interface NodeRedLine {
  label: string;
  loadgen: { qos: number; n: number };
  sustained_points_s: number;
  loss_pct: number;
  landed: number;
  processes: { name: string; peak_rss_mb_vmhwm: number; cpu_s: number | null }[];
}

function nodeRedRows(lines: NodeRedLine[], measured: string): Row[] {
  return lines.map((r) => ({
    system: 'Node-RED',
    path: `mosquitto → ${r.label.replace(/^.*nodered-(\w+).*$/, '$1')} flow → InfluxDB`,
    qos: r.loadgen.qos,
    n: r.loadgen.n,
    'msgs/s landed': r.sustained_points_s,
    'samples/s': r.sustained_points_s * 2,
    'loss %': r.loss_pct,
    'peak RSS MB': r.processes.find((p) => p.name === 'nodered')?.peak_rss_mb_vmhwm ?? Number.NaN,
    'CPU µs/msg': Math.round(
      ((r.processes.find((p) => p.name === 'nodered')?.cpu_s ?? Number.NaN) / Math.max(1, r.landed)) * 1e6,
    ),
    'msgs/commit': '-',
    measured,
  }));
}

/** The shared peer's bench.sh on a temp copy (installed once); null when it cannot run here. */
function measureNodeRed(): NodeRedLine[] | null {
  const copy =
    process.env.LINEGATE_NODERED_COPY ?? join(tmpdir(), `linegate-nodered-peer-${process.getuid?.() ?? 0}`);
  try {
    if (!existsSync(join(copy, 'node_modules', 'node-red', 'red.js'))) {
      rmSync(copy, { recursive: true, force: true });
      cpSync(SHARED, copy, { recursive: true });
      execFileSync('chmod', ['-R', 'u+w', copy]);
      execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
        cwd: copy,
        stdio: 'inherit',
        timeout: 300_000,
      });
    }
    const out = join(mkdtempSync(join(tmpdir(), 'linegate-nodered-out-')), 'results.jsonl');
    execFileSync('bash', [join(copy, 'bench.sh')], {
      cwd: copy,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 300_000 * REPEAT,
      env: {
        ...process.env,
        CASES: Array.from({ length: REPEAT }, () => QOS_LIST.map((q) => `batched:${q}:${N}`).join(' ')).join(
          ' ',
        ),
        MOSQ_MAX_QUEUED: '0',
        OUT: out,
        RUN_DIR: join(tmpdir(), 'linegate-nr-bench'),
        STALL_S: '15',
      },
    });
    return readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as NodeRedLine);
  } catch (err) {
    process.stderr.write(`Node-RED baseline could not run here: ${(err as Error).message}\n`);
    return null;
  }
}

function recordedNodeRed(): Row[] {
  const lines = readFileSync(join(SHARED, 'results', 'baseline-2026-11-26.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as NodeRedLine)
    .filter((l) => l.label.includes('B[') && l.label.includes('batched') && l.loadgen.n === 100_000);
  return nodeRedRows(lines, 'RECORDED 2026-11-26, not this run');
}

interface Summary extends Record<string, string | number> {
  system: string;
  path: string;
  qos: number;
  runs: number;
  'points/s (median)': number;
  'samples/s (median)': number;
  'loss % (max)': number;
  'peak RSS MB (median)': number;
  'CPU µs/msg (median)': number;
}

function summarise(rows: readonly Row[]): Summary[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.system}|${r.path}|${r.qos}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as Row;
    return {
      system: first.system,
      path: first.path,
      qos: first.qos,
      runs: g.length,
      'points/s (median)': Math.round(median(g.map((r) => r['msgs/s landed']))),
      'samples/s (median)': Math.round(median(g.map((r) => r['samples/s']))),
      'loss % (max)': Math.max(...g.map((r) => r['loss %'])),
      'peak RSS MB (median)': median(g.map((r) => r['peak RSS MB'])),
      'CPU µs/msg (median)': median(g.map((r) => r['CPU µs/msg'])),
    };
  });
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const brokerPort = await freePort();
  const brokerYaml = `${SITE}mqtt:
  broker:
    port: ${brokerPort}
    users: [{ username: bench, passwordHash: '${hashPassword(PW)}', publish: ['plant/#'] }]
    limits: { maxConnections: 100 }
machines:${machinesYaml('broker')}
`;
  const mosq = await startMosquitto({
    persistence: false,
    extra: process.env.BENCH_MOSQ_INFLIGHT
      ? [`max_inflight_messages ${process.env.BENCH_MOSQ_INFLIGHT}`]
      : [],
  });
  try {
    for (let i = 0; i < REPEAT && ONLY !== 'nodered'; i++) {
      for (const qos of QOS_LIST) {
        if (PATHS !== 'mosquitto')
          rows.push(
            await runCase(
              'embedded broker',
              brokerYaml,
              `mqtt://bench:${PW}@127.0.0.1:${brokerPort}`,
              qos,
              false,
            ),
          );
        const yaml = `${SITE}mqtt:
  clients: [{ id: lan, url: '${mosq.url}', clientId: bench-gw-q${qos}-${i}, qos: ${qos} }]
machines:${machinesYaml('lan')}
`;
        if (PATHS !== 'embedded')
          rows.push(await runCase('mosquitto → mqtt.js client', yaml, mosq.url, qos, true));
      }
    }
  } finally {
    await mosq.kill();
  }
  const nr = values['no-nodered'] || ONLY === 'linegate' ? null : measureNodeRed();
  const nrRows = nr ? nodeRedRows(nr, 'this run') : recordedNodeRed();
  printTable(`MQTT ingestion, every run, ${N} messages per case (3 samples per message for linegate)`, [
    ...rows,
    ...nrRows,
  ]);
  const summary = summarise([...rows, ...nrRows]);
  printTable(
    `Medians of ${REPEAT} runs (Node-RED ${nr ? 'measured in this run' : 'RECORDED baseline'})`,
    summary,
  );
  const pick = (system: string, q: number, path?: string) =>
    summary.find((r) => r.system === system && r.qos === q && (path === undefined || r.path === path));
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = [0, 1].flatMap((q) => {
    const nrq = pick('Node-RED', q);
    if (!nrq) return [];
    return ['embedded broker', 'mosquitto → mqtt.js client'].map((path) => {
      const lg = pick('linegate', q, path);
      const speed = ratio(lg?.['points/s (median)'] ?? 0, nrq['points/s (median)']);
      const mem = ratio(lg?.['peak RSS MB (median)'] ?? Number.NaN, nrq['peak RSS MB (median)']);
      const loss = lg?.['loss % (max)'] ?? Number.NaN;
      return {
        qos: q,
        'linegate path': path,
        'points/s ÷ Node-RED': speed,
        'target ≥ 5×': speed >= 5 ? 'met' : 'MISSED',
        'linegate loss %': loss,
        'Node-RED loss %': nrq['loss % (max)'],
        'zero loss (QoS 1)': q === 1 ? (loss === 0 ? 'met' : 'MISSED') : '-',
        'peak RSS ÷ Node-RED': mem,
        'target ≤ 0.33': mem <= 1 / 3 ? 'met' : 'MISSED',
      };
    });
  });
  printTable(
    'Ratios of the medians (targets: ≥ 5× Node-RED points/s, 0 loss at QoS 1, ≤ ⅓ its peak RSS)',
    ratios,
  );
  process.stdout.write(`linegate's process ran with ${describeMemorySettings(GATEWAY_ENV)}\n`);
  const file = writeResult('mqtt', {
    n: N,
    settings: describeMemorySettings(GATEWAY_ENV),
    repeat: REPEAT,
    nodeRedMeasured: nr !== null,
    rows,
    nodeRed: nrRows,
    summary,
    ratios,
  });
  process.stdout.write(`wrote ${file}\n`);
}

await main();
