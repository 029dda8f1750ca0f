/**
 * The gateway side of `npm run bench:mqtt`, in its own process so that its peak RSS is its own:
 * startMqtt (embedded broker or external client) with persist = the real local store
 * (SQLite, gateway/store) in a temp dir. argv[2] is the site config as JSON text (already
 * validated by the parent through the loader's YAML path is not needed: it is a LinegateConfig).
 * Prints one JSON line when ready and one every 200 ms: { stored, samples, rejected }.
 */
import { pino } from 'pino';
import { loadConfigText } from '../config/load.js';
import { loadMqtt } from '../gateway/runtime/load-mqtt.js';
import { applyMemoryV8Flags } from '../gateway/runtime/memory-settings.js';
import { storePersist } from '../gateway/runtime/store-persist.js';
import { Store } from '../gateway/store/store.js';

applyMemoryV8Flags(); // as `linegate run` does (gateway/runtime/memory-settings.ts)
const [yaml, dataDir] = [process.argv[2] ?? '', process.argv[3] ?? ''];
const config = loadConfigText(yaml, 'bench.yaml', { env: {} });
const store = Store.open({ dataDir, log: pino({ level: 'silent' }) });
let samples = 0;
// As the gateway loads it (gateway/runtime/load-mqtt.ts: mqtt-packet's number cache off).
const startMqtt = await loadMqtt();
const mqtt = await startMqtt(config, {
  log: pino({ level: 'warn' }, pino.destination(2)),
  // BENCH_PERSIST=hook: count only (the persist hook without the store), to see the store's share.
  persist: process.env.BENCH_PERSIST === 'hook' ? () => undefined : storePersist(store),
  emit: (s) => {
    samples += s.length;
  },
});
const report = () => {
  const st = mqtt.stats();
  const stored = Object.values(st.sources).reduce((n, s) => n + s.stored, 0);
  const commits = (st.broker?.commits ?? 0) + st.clients.reduce((n, c) => n + c.commits, 0);
  process.stdout.write(
    `${JSON.stringify({ stored, samples, commits, rejected: st.rejected, connected: st.clients.every((c) => c.connected), mem: process.env.BENCH_MEM ? process.memoryUsage() : undefined })}\n`,
  );
};
process.stdout.on('error', () => process.exit(1)); // the parent is gone
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const timer = setInterval(report, 200);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void mqtt.stop().then(() => {
    store.close();
    process.exit(0);
  });
});
