import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../gateway/store/index.js';
import { freePort } from '../peers/free-port.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from '../peers/pymodbus.js';
import { requirePeer } from '../peers/require-peer.js';
import { type Health, requireBuiltCli, startGatewayProcess } from './gateway-process.js';

/**
 * A real filling disk under the built gateway: its data dir is a 32 MiB tmpfs (mounted here,
 * which needs root) of which a ballast file takes all but 10 MiB, four pymodbus machines of 100
 * registers each are read every 50 ms, and the store already holds production and alarm event
 * rows. As the file system fills, the gateway keeps running and collecting, sheds the oldest raw
 * samples only (never the events) before the disk is completely full (it keeps `minFreeBytes`,
 * 8 MiB, writable: see gateway/store/retention.ts), counts every shed sample (in /api/health,
 * per sink too), and once the ballast is deleted (space returns) it writes without shedding.
 */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'linegate-mount-probe-'));
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { timeout: 10_000 });
    if (r.status !== 0) return false;
    spawnSync('umount', [dir], { timeout: 10_000 });
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ok =
  requirePeer('pymodbus', pymodbusAvailable) &&
  requirePeer('tmpfs mount', canMountTmpfs, { aptPackages: 'mount; the suite must run as root' });
const UNITS = [1, 2, 3, 4];
const REGISTERS = 100;
const EVENTS = { production: 40, alarm: 60 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mount(dir: string, sizeKiB: number): void {
  const opts = `size=${sizeKiB}k`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status !== 0) throw new Error(`mount ${opts} ${dir}: ${r.stderr}`);
}

describe.skipIf(!ok)('disk full under the built gateway (tmpfs data dir)', () => {
  let modbus: PymodbusServer;
  let dataDir = '';
  let mounted = false;

  beforeAll(async () => {
    requireBuiltCli();
    const holding = Object.fromEntries(Array.from({ length: REGISTERS }, (_, i) => [i, i]));
    modbus = await startPymodbus({
      transport: 'tcp',
      units: Object.fromEntries(UNITS.map((u) => [u, { holding }])),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'linegate-diskfull-'));
    mount(dataDir, 32 * 1024);
    mounted = true;
    writeFileSync(join(dataDir, 'ballast'), Buffer.alloc(22 * 1024 * 1024, 1));
  });

  afterAll(async () => {
    await modbus?.kill();
    if (mounted) spawnSync('umount', ['-l', dataDir], { timeout: 10_000 });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps running, sheds the oldest raw samples only, counts every one, and resumes when space returns', async () => {
    // Events written before: they must survive the whole test.
    const seed = Store.open({ dataDir });
    const t0 = Date.now() - 3_600_000;
    seed.appendEvents([
      ...Array.from({ length: EVENTS.production }, (_, i) => ({
        measurement: 'production',
        tags: { site: 'htx-test', line: 'line-1', machine: 'm1', period: 'hour' },
        fields: { good: i, reject: 0, kg: i * 1.5 },
        ts: t0 + i * 60_000,
      })),
      ...Array.from({ length: EVENTS.alarm }, (_, i) => ({
        measurement: 'alarm',
        tags: { site: 'htx-test', line: 'line-1', machine: 'm2', rule: 'temp-high', severity: '2' },
        fields: { event: 'activate', state: 'active_unack', message: 'Nhiệt độ cao', value: 190 + i },
        ts: t0 + i * 30_000,
      })),
    ]);
    expect(seed.flush().written).toBe(EVENTS.production + EVENTS.alarm);
    seed.close();

    const port = await freePort();
    const deadSink = await freePort(); // nothing listens: no row is ever acked
    const file = join(tmpdir(), `linegate-diskfull-${port}.yaml`);
    const points = Array.from(
      { length: REGISTERS },
      (_, a) => `      - { name: r${a}, area: holding, address: ${a}, type: uint16 }`,
    ).join('\n');
    writeFileSync(
      file,
      `site: { id: htx-test, name: HTX thử }
lines: [{ id: line-1, name: Dây chuyền 1 }]
machines:
${UNITS.map(
  (u) => `  - id: m${u}
    name: Máy ${u}
    kind: dryer
    line: line-1
    pollIntervalMs: 50
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: ${u} }
    points:
${points}`,
).join('\n')}
store: { flushIntervalMs: 200 }
sinks:
  - { id: influx, type: influxdb-v1, url: "http://127.0.0.1:${deadSink}", database: x, from: start, timeoutMs: 500 }
http: { host: 127.0.0.1, port: ${port} }
dataDir: ${dataDir}
`,
    );
    const gw = startGatewayProcess(file, port);
    try {
      // 1. The disk fills up: shedding starts, the gateway stays up and keeps collecting.
      const full = await gw.waitHealth((h) => (h.store?.shed ?? 0) > 0, 150_000);
      expect(full?.store?.shed, gw.output()).toBeGreaterThan(0);
      const healths: Health[] = [];
      for (let i = 0; i < 10; i++) {
        await sleep(300);
        const h = await gw.health();
        expect(h, `no health during disk full: ${gw.output()}`).not.toBeNull();
        healths.push(h as Health);
      }
      const last = healths[healths.length - 1] as Health;
      expect(last.machines.online).toBe(UNITS.length);
      expect(last.store?.shed).toBeGreaterThan(full?.store?.shed ?? 0); // still shedding to write
      // Collecting: samples kept + samples shed grows (kept alone may drop when a chunk is shed).
      const seen = (h: Health | undefined) => (h?.store?.rawRows ?? 0) + (h?.store?.shed ?? 0);
      expect(seen(last)).toBeGreaterThan(seen(healths[0]));
      expect(last.store?.sinks?.[0]?.dropped.shed).toBe(last.store?.shed); // the sink never acked
      expect(last.store?.capBytes).toBeLessThan(32 * 1024 * 1024);
      // Shed in time: the file system never filled up, so no write ever failed.
      for (const h of healths) expect(h.store?.writer).toMatchObject({ full: false, lastError: null });
      expect(gw.child.exitCode).toBeNull();

      // 2. Space returns: collection goes on without shedding.
      rmSync(join(dataDir, 'ballast'));
      await sleep(1500);
      const a = (await gw.health()) as Health;
      await sleep(1500);
      const b = (await gw.health()) as Health;
      expect(b.store?.shed).toBe(a.store?.shed); // no more shedding
      expect(b.store?.rawRows).toBeGreaterThan(a.store?.rawRows ?? 0); // collecting
      expect(b.store?.writer.full).toBe(false);
    } finally {
      expect(await gw.kill('SIGTERM'), gw.output()).toBe(0);
    }

    // 3. In the file: every event kept; every sample either kept or counted as shed (the
    // rollups, written in the same transaction as the raw rows and never shed, count them all);
    // per series the shed ones are the oldest.
    const db = new Database(join(dataDir, 'linegate.db'), { readonly: true });
    try {
      const events = db
        .prepare('SELECT measurement, count(*) AS n FROM event GROUP BY measurement')
        .all() as { measurement: string; n: number }[];
      const byMeasurement = Object.fromEntries(events.map((e) => [e.measurement, e.n]));
      expect(byMeasurement).toMatchObject(EVENTS);
      const raw = db.prepare('SELECT count(*) FROM sample').pluck().get() as number;
      const shed = db
        .prepare(`SELECT coalesce(sum(n), 0) FROM counter WHERE name = 'shed' AND sink = ''`)
        .pluck()
        .get() as number;
      const rolled = db.prepare('SELECT sum(cnt) FROM rollup_1m').pluck().get() as number;
      expect(shed).toBeGreaterThan(1000);
      expect(raw + shed).toBe(rolled);
      // Oldest first: per series, minute buckets go (all shed)… (partly shed)? (all kept)….
      const buckets = db
        .prepare(
          `SELECT r.series, r.bucket, r.cnt,
                  (SELECT count(*) FROM sample s WHERE s.series = r.series
                     AND s.ts >= r.bucket AND s.ts < r.bucket + 60000) AS kept
             FROM rollup_1m r ORDER BY r.series, r.bucket`,
        )
        .all() as { series: number; bucket: number; cnt: number; kept: number }[];
      const shape = new Map<number, string>();
      for (const x of buckets) {
        const c = x.kept === 0 ? 'S' : x.kept === x.cnt ? 'K' : 'P';
        shape.set(x.series, (shape.get(x.series) ?? '') + c);
      }
      for (const [series, s] of shape) expect(s, `series ${series}`).toMatch(/^S*P?K*$/);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 240_000);
});
