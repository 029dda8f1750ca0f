// A sink stand-in for the two-lane kill -9 test (outbox-lanes.kill9.test.ts), on the BUILT store
// (dist/): a backlog of samples at the first start, then live samples while it alternates a
// batch of the backlog (next) and one of the live lane (nextLive), like RunningSink. Each batch
// is "delivered" by sending its ids to the parent, and acked only once that message is handed
// to the OS (so whatever is acked has reached the parent, kill -9 or not).
// Usage: node lanes-child.mjs <dist/gateway/store/index.js> <dataDir>
import { pathToFileURL } from 'node:url';

const [, , indexPath, dataDir] = process.argv;
const { Store } = await import(pathToFileURL(indexPath).href);
const store = Store.open({ dataDir });
const outbox = store.registerSink('influx', { from: 'start' });
let id = store.db.prepare('SELECT count(*) FROM sample').pluck().get();
const T0 = 1_700_000_000_000;

function append(n) {
  const samples = [];
  for (let i = 0; i < n; i++, id++)
    samples.push({ machine: `m${id % 3}`, point: `p${id % 5}`, value: id, ts: T0 + id, quality: 'good' });
  store.append(samples);
  store.flush();
}
if (id === 0) for (let k = 0; k < 8; k++) append(2500); // the backlog: 20 000 rows

const deliver = (batch, lane) =>
  new Promise((resolve) => {
    const ids = batch.rows.filter((r) => r.kind === 'sample').map((r) => r.value);
    process.send({ delivered: ids, lane }, () => {
      outbox.ack(batch);
      resolve();
    });
  });

process.send({ ready: true });
for (;;) {
  append(40);
  const replay = outbox.next(700);
  if (replay.rows.length > 0) await deliver(replay, 'replay');
  const live = outbox.nextLive(300, 1000);
  if (live.rows.length > 0) await deliver(live, 'live');
}
