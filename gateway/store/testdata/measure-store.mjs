// Quick figures for the store (not a test): flush throughput and what one million samples cost
// on disk and in bytes written. Runs the built store: `npm run build`, then
//   node gateway/store/testdata/measure-store.mjs [samples=1000000] [perFlush=200,5000]
// Scenario: 20 machines × 10 points (temperatures with 1 decimal, counters, run flags), one
// sample per point per second, all good; one sink registered, acking nothing.
// "written" is wchar from /proc/self/io: the bytes SQLite handed to write() (WAL frames and
// checkpoints), i.e. before the file system; what the SD card sees is at least this.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..', '..');
const { Store } = await import(pathToFileURL(join(root, 'dist', 'gateway', 'store', 'index.js')).href);
const total = Number(process.argv[2] ?? 1_000_000);
const perFlushList = (process.argv[3] ?? '200,5000').split(',').map(Number);

const wchar = () => {
  try {
    return Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
};

function makeSamples(from, n, t0) {
  const out = [];
  for (let k = from; k < from + n; k++) {
    const sec = Math.floor(k / 200);
    const p = k % 200;
    const machine = `machine-${Math.floor(p / 10)}`;
    const kind = p % 10;
    const point = `point-${kind}`;
    const value =
      kind < 6
        ? Math.round((60 + 20 * Math.sin(sec / 300 + p)) * 10) / 10
        : kind < 9
          ? sec * (p + 1)
          : sec % 600 < 500;
    out.push({ machine, point, value, ts: t0 + sec * 1000, quality: 'good' });
  }
  return out;
}

for (const perFlush of perFlushList) {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-measure-'));
  const store = Store.open({ dataDir: dir, maxBatch: Math.max(perFlush, 50_000) });
  store.registerSink('influx');
  const t0 = Date.UTC(2025, 0, 1);
  const w0 = wchar();
  let flushMs = 0;
  for (let i = 0; i < total; i += perFlush) {
    const batch = makeSamples(i, Math.min(perFlush, total - i), t0);
    store.append(batch);
    const a = performance.now();
    store.flush();
    flushMs += performance.now() - a;
  }
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const written = wchar() - w0;
  const u = store.retention.usage();
  let tables = '';
  try {
    const rows = store.db
      .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6')
      .all();
    tables = rows.map((r) => `${r.name}=${(r.bytes / 1e6).toFixed(1)}MB`).join(' ');
  } catch {
    tables = '(dbstat not available)';
  }
  const qc0 = performance.now();
  store.db.pragma('quick_check');
  const qcMs = performance.now() - qc0;
  const d0 = performance.now();
  const depth = store.outbox('influx').depth();
  const depthMs = performance.now() - d0;
  const n0 = performance.now();
  const batch = store.outbox('influx').next(5000);
  const nextMs = performance.now() - n0;
  const per1M = 1e6 / total;
  process.stdout.write(
    `${total} samples, ${perFlush}/flush: ${Math.round(total / (flushMs / 1000))} rows/s in flush ` +
      `(${(flushMs / Math.ceil(total / perFlush)).toFixed(2)} ms/flush); ` +
      `on disk ${(((u.pages - u.freePages) * u.pageSize * per1M) / 1e6).toFixed(1)} MB per 1M samples ` +
      `(${(((u.pages - u.freePages) * u.pageSize) / total).toFixed(1)} B/sample); ` +
      `written ${((written * per1M) / 1e6).toFixed(0)} MB per 1M samples; ` +
      `quick_check ${qcMs.toFixed(0)} ms; depth() ${depth} in ${depthMs.toFixed(1)} ms; ` +
      `next(5000) ${batch.rows.length} rows in ${nextMs.toFixed(1)} ms\n  tables: ${tables}\n`,
  );
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
