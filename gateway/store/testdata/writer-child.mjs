// A gateway stand-in for the kill -9 test (store.kill9.test.ts): writes and forwards through the
// BUILT store (dist/, as users run it) as fast as it can, and tells the parent over IPC what is
// durable: `flushed` after each committed flush (every id below it), `acked` after each ack.
// Usage: node writer-child.mjs <dist/gateway/store/index.js> <dataDir> [ramDir]
// With ramDir: raw rows in a RAM tier there (ram-tier.ts), moved to the card 50 ms after being
// written unless acked (acks come every third step), kept in RAM 10 min.
import { pathToFileURL } from 'node:url';

const [, , indexPath, dataDir, ramDir] = process.argv;
const { Store } = await import(pathToFileURL(indexPath).href);
const ramTier = ramDir ? { dir: ramDir, spillAfterMs: 50, keepMs: 600_000, maxBytes: 64 << 20 } : undefined;
const store = Store.open({ dataDir, ramTier });
const outbox = store.registerSink('influx', { from: 'start' });

const T0 = 1_700_000_000_000;
let id = 0;
let step = 0;
process.send({ ready: true });

function tick() {
  const n = 150 + (step % 7) * 10;
  const samples = [];
  for (let i = 0; i < n; i++, id++) {
    // Stamped now: the open rollup buckets (open-rollups.ts) are what a kill must not corrupt.
    samples.push({ machine: `m${id % 3}`, point: `p${id % 5}`, value: id, ts: Date.now(), quality: 'good' });
  }
  store.append(samples);
  store.appendEvents([
    { measurement: 'progress', tags: { step: String(step) }, fields: { upTo: id }, ts: T0 + id },
  ]);
  const r = store.flush();
  if (r.written > 0) process.send({ flushed: id });
  if (step % 3 === 0) {
    const batch = outbox.next(400);
    outbox.ack(batch);
    const last = batch.rows.at(-1);
    if (last) process.send({ acked: Number(last.key) });
  }
  step++;
  setImmediate(tick);
}
tick();
