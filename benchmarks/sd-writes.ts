/**
 * `npm run bench:sd-writes` — what the store alone writes to the card per day, as a function of
 * how many values change per second and how often it commits. It explains the footprint
 * bench's disk figure (issue 8's 50 MB/day budget) without Modbus, MQTT or HTTP in the way.
 *
 * Each case is one child process that runs in REAL time (the kernel counts a page in
 * `write_bytes` when it goes from clean to dirty, so rewriting a page that is still dirty is
 * free and a time-compressed run would be wrong): it opens a Store in a temp dir on the disk,
 * appends 1 150 samples every second (the nominal Pi load: 20 × 50 Modbus + 50 × 3 MQTT) of
 * which `changing` have a new value, with change-only raw storage (deadband 0, heartbeat 60 s,
 * as the demo ships), flushes every `commitS` seconds, and acks everything to one sink after
 * each flush in its own commit, like a healthy InfluxDB sink. Figures: write_bytes and wchar of
 * /proc/self/io over the run after a warm-up, per day.
 *
 * The RAM-tier cases (store.ramTier, gateway/store/ram-tier.ts: raw rows in a file under
 * /dev/shm, on the card only when not acked within 30 s; closed minutes and sink cursors on the
 * card once an hour) run beside them; the card cases ack at every flush.
 *
 * Flags: --seconds N (default 120), --warmup N (10), --only card|ram. Writes .bench/sd-writes.json.
 * The RAM cases write the card about once an hour (the hour's rollups, packed minutes and
 * cursors), so their figures want runs of an hour or more (--seconds 3900).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../gateway/store/index.js';
import { printTable, writeResult } from './lib.js';

const SERIES = 1150;
const DAY_S = 86_400;

interface Case {
  readonly changing: number;
  readonly commitS: number;
  /** RAM tier on (raw rows in /dev/shm first). */
  readonly ram: boolean;
  /** store.ackPersistS: 0 = every ack is a commit. */
  readonly ackS: number;
}

interface Measured {
  readonly writeBytes: number;
  readonly wchar: number;
  readonly rawRows: number;
  readonly seconds: number;
}

function io(): { writeBytes: number; wchar: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  return { writeBytes: num(/^write_bytes:\s+(\d+)/m), wchar: num(/^wchar:\s+(\d+)/m) };
}

/** The child: one case, in real time. Prints one JSON line. */
async function child(c: Case, seconds: number, warmup: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-sd-writes-'));
  const ramDir = c.ram ? mkdtempSync('/dev/shm/linegate-sd-writes-') : null;
  const store = Store.open({
    dataDir: dir,
    raw: { onChange: true, deadband: 0, heartbeatMs: 60_000 },
    ackPersistMs: c.ackS * 1000,
    ...(ramDir
      ? { ramTier: { dir: ramDir, spillAfterMs: 30_000, keepMs: 900_000, maxBytes: 64 << 20 } }
      : {}),
  });
  const outbox = store.registerSink('influx');
  const values = new Float64Array(SERIES);
  let start: { writeBytes: number; wchar: number } | null = null;
  let rows0 = 0;
  let unchanged0 = 0;
  let rows = 0;
  const tick = (sec: number) => {
    const ts = Date.now();
    const batch = [];
    for (let i = 0; i < SERIES; i++) {
      // `changing` series move every second (a counter, a noisy temperature); the rest hold.
      if (i < c.changing) values[i] = (values[i] ?? 0) + 1 + (i % 7) * 0.1;
      batch.push({
        machine: `m${Math.floor(i / 50)}`,
        point: `p${i % 50}`,
        value: values[i] ?? 0,
        ts,
        quality: 'good' as const,
      });
    }
    store.append(batch);
    if (sec % c.commitS === 0) {
      const f = store.flush();
      rows += f.samples;
      for (;;) {
        const b = outbox.next(5000);
        if (b.rows.length === 0) break;
        outbox.ack(b);
      }
    }
  };
  for (let sec = 1; sec <= warmup + seconds; sec++) {
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
    if (sec === warmup + 1) {
      start = io();
      rows0 = rows;
      unchanged0 = store.writer.stats().unchangedNotStored ?? 0;
    }
    tick(sec);
  }
  const end = io();
  const unchanged = store.writer.stats().unchangedNotStored ?? 0;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  if (ramDir) rmSync(ramDir, { recursive: true, force: true });
  const s = start ?? end;
  const m: Measured = {
    writeBytes: end.writeBytes - s.writeBytes,
    wchar: end.wchar - s.wchar,
    rawRows: rows - rows0 - (unchanged - unchanged0),
    seconds,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

function runCase(c: Case, seconds: number, warmup: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        process.argv[1] ?? '',
        '--child',
        String(c.changing),
        String(c.commitS),
        String(c.ram ? 1 : 0),
        String(c.ackS),
        String(seconds),
        String(warmup),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) reject(new Error(`case ${JSON.stringify(c)} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Measured);
    });
  });
}

const mbPerDay = (bytes: number, seconds: number) => Math.round(((bytes / seconds) * DAY_S) / 1e6);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [changing, commitS, ram, ackS, seconds, warmup] = args.slice(1).map(Number);
    await child(
      { changing: changing ?? 0, commitS: commitS ?? 1, ram: ram === 1, ackS: ackS ?? 0 },
      seconds ?? 60,
      warmup ?? 10,
    );
    return;
  }
  if (args.includes('--help')) {
    process.stdout.write(
      'npm run bench:sd-writes -- [--seconds 120] [--warmup 10] [--only card|ram]\nBytes the store writes per day vs values changing per second, the commit interval, and the RAM tier.\n',
    );
    return;
  }
  const flag = (name: string, d: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const seconds = flag('--seconds', 120);
  const warmup = flag('--warmup', 10);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const cases: Case[] = [];
  if (only !== 'ram')
    for (const changing of [350, 35, 0])
      for (const commitS of [1, 5, 30]) cases.push({ changing, commitS, ram: false, ackS: 0 });
  if (only !== 'card')
    for (const changing of [350, 35, 0]) cases.push({ changing, commitS: 1, ram: true, ackS: 0 });
  process.stdout.write(
    `running ${cases.length} cases at once, ${warmup + seconds} s of real time each (write_bytes needs real time)…\n`,
  );
  const measured = await Promise.all(cases.map((c) => runCase(c, seconds, warmup)));
  const rows = cases.map((c, i) => {
    const m = measured[i] as Measured;
    return {
      tier: c.ram ? 'RAM' : 'card',
      'values changing /s': c.changing,
      'commit every s': c.commitS,
      'acks written every s': c.ram ? 'RAM: ack, card: 1 h' : c.ackS || 'ack',
      'raw rows /s': Math.round(m.rawRows / m.seconds),
      'write_bytes MB/day': mbPerDay(m.writeBytes, m.seconds),
      'wchar MB/day': mbPerDay(m.wchar, m.seconds),
      'bytes per raw row': m.rawRows > 0 ? Math.round(m.writeBytes / m.rawRows) : '-',
    };
  });
  printTable(
    `Store writes per day, ${SERIES} samples/s, change-only raw (heartbeat 60 s), one acking sink; RAM: store.ramTier`,
    rows,
  );
  const file = writeResult('sd-writes', { seconds, warmup, series: SERIES, rows });
  process.stdout.write(`\nwrote ${file}\n`);
}

await main();
