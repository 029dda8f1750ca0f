/**
 * npm run bench:alarms — how fast the alarm engine evaluates samples (the work added to every
 * poll), and what an alarm transition costs (one SQLite commit of state + event). Prints a table
 * and writes .bench/alarms.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { AlarmStore } from '../gateway/alarms/alarm-store.js';
import { AlarmEngine } from '../gateway/alarms/engine.js';
import { rule } from '../gateway/alarms/testdata/fixtures.js';
import { median, printTable, writeResult } from './lib.js';

const MACHINES = 20;
const RULES_PER_MACHINE = 6;
const ROUNDS = 5;

function run(toggle: boolean): { samplesPerS: number; transitions: number; msPerTransition: number } {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-bench-alarms-'));
  const db = new Database(join(dir, 'store.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const machines = Array.from({ length: MACHINES }, (_, m) => ({
    id: `m${m}`,
    name: `M${m}`,
    line: 'l',
    runPoint: 'run',
    labels: {},
    rules: Array.from({ length: RULES_PER_MACHINE }, (_, r) =>
      rule({
        id: `r${r}`,
        kind: r % 2 ? 'low' : 'high',
        point: `p${r}`,
        limit: r % 2 ? 0 : 200,
        deadband: 1,
      }),
    ),
  }));
  let now = Date.UTC(2026, 0, 1);
  const engine = new AlarmEngine({
    machines,
    store: AlarmStore.open(db),
    log: pino({ level: 'silent' }),
    now: () => now,
    tickMs: 3_600_000,
  });
  let transitions = 0;
  engine.onEvent(() => transitions++);
  engine.start();
  const polls = 2000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < polls; i++) {
    now += 1000;
    for (let m = 0; m < MACHINES; m++) {
      const value = toggle && i % 2 === 0 ? 250 : toggle ? -50 : 90 + (i % 5);
      engine.samples(
        Array.from({ length: RULES_PER_MACHINE }, (_, r) => ({
          machine: `m${m}`,
          point: `p${r}`,
          value,
          ts: now,
          quality: 'good' as const,
        })),
      );
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  engine.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const samples = polls * MACHINES * RULES_PER_MACHINE;
  return {
    samplesPerS: (samples / ms) * 1000,
    transitions,
    msPerTransition: transitions ? ms / transitions : 0,
  };
}

const quiet = Array.from({ length: ROUNDS }, () => run(false));
const busy = Array.from({ length: ROUNDS }, () => run(true));
const rows = [
  {
    case: 'no transitions',
    'samples/s (median)': Math.round(median(quiet.map((r) => r.samplesPerS))),
    transitions: quiet[0]?.transitions ?? 0,
    'ms/transition': '-',
  },
  {
    case: 'every sample a transition',
    'samples/s (median)': Math.round(median(busy.map((r) => r.samplesPerS))),
    transitions: busy[0]?.transitions ?? 0,
    'ms/transition': median(busy.map((r) => r.msPerTransition)),
  },
];
printTable(`alarm engine: ${MACHINES} machines × ${RULES_PER_MACHINE} rules, ${ROUNDS} rounds`, rows);
process.stdout.write(
  `\nwrote ${writeResult('alarms', { machines: MACHINES, rulesPerMachine: RULES_PER_MACHINE, rows })}\n`,
);
