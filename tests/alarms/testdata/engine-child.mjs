// Child process for alarms.kill9.test.ts: runs the built alarm engine and notification queue
// over <dir>/store.db and obeys the parent's commands over IPC, answering each one only after
// it has committed. argv: <dist root> <dir>. Churn: m4 toggles every 5 ms so the kill lands
// in the middle of writes.
import { join } from 'node:path';

const [dist, dir] = process.argv.slice(2);
const { default: Database } = await import('better-sqlite3');
const { pino } = await import('pino');
const { AlarmStore } = await import(join(dist, 'gateway/alarms/alarm-store.js'));
const { AlarmEngine } = await import(join(dist, 'gateway/alarms/engine.js'));
const { AuditLog } = await import(join(dist, 'gateway/store/audit.js'));
const { Notifications } = await import(join(dist, 'gateway/alarms/notify/notifications.js'));
const { killConfig } = await import(join(dist, 'gateway/alarms/testdata/kill-config.js'));

const db = new Database(join(dir, 'store.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const log = pino({ level: 'silent' });
const config = killConfig();
const store = AlarmStore.open(db);
const engine = new AlarmEngine({ machines: config.machines, store, audit: AuditLog.open(db), log });
const notifications = new Notifications({
  config,
  db,
  alarms: store,
  site: 's',
  log,
  backoff: { baseMs: 50, maxMs: 100 },
});
engine.onEvent(() => notifications.onAlarmEvent());
engine.onRestart((n) => notifications.restarted(n));
engine.start();
notifications.start(() => engine.list({ active: true }));
engine.status({ machine: 'm1', online: true, ts: Date.now() });

let flip = false;
setInterval(() => {
  flip = !flip;
  engine.samples([
    { machine: 'm4', point: 'temp', value: flip ? 250 : 100, ts: Date.now(), quality: 'good' },
  ]);
}, 5);

process.on('message', (m) => {
  let result = null;
  if (m.fire)
    engine.samples([{ machine: m.fire, point: 'temp', value: 200, ts: Date.now(), quality: 'good' }]);
  if (m.ack) result = engine.ack(m.ack, 'kythuat', m.comment ?? null);
  if (m.shelve) result = engine.shelve(m.shelve, m.minutes, 'kythuat', 'tạm ẩn khi thay cảm biến');
  process.send({ done: m.seq, ok: result ? result.ok : true });
});
process.send({ ready: true });
