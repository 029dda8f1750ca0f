import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmsConfig } from '../../config/alarms.js';
import type { Notifier } from '../../gateway/alarms/notifiers/types.js';
import { Notifications } from '../../gateway/alarms/notify/notifications.js';
import {
  machine,
  rule,
  silentLog,
  type TempAlarmDb,
  tempAlarmDb,
} from '../../gateway/alarms/testdata/fixtures.js';

/** Escalation to a second group when nobody acknowledges in N minutes; once per activation. */
const T0 = Date.UTC(2026, 10, 27, 3, 0, 0);
const quiet: Notifier = { id: 'x', send: async () => {}, close: async () => {} };

let t: TempAlarmDb | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

describe('escalation', () => {
  it('goes to the second group after N minutes unacknowledged, once; an ack in time prevents it', async () => {
    let now = T0;
    const machines = [
      machine('m1', [rule({ id: 'hot', kind: 'high', point: 't', limit: 100, severity: 1 })]),
      machine('m2', [rule({ id: 'hot', kind: 'high', point: 't', limit: 100, severity: 1 })]),
      machine('m3', [rule({ id: 'hot', kind: 'high', point: 't', limit: 100, severity: 3 })]),
    ];
    const config: AlarmsConfig = {
      machines,
      dashboardUrl: null,
      timezone: 'Asia/Ho_Chi_Minh',
      channels: [
        { id: 'tech', type: 'telegram', botToken: 'x', chatId: 1, language: 'vi', maxPerHour: 100 },
        { id: 'boss', type: 'telegram', botToken: 'x', chatId: 2, language: 'en', maxPerHour: 100 },
      ],
      routes: [{ channels: ['tech'], maxSeverity: 4, lines: null, hours: null }],
      escalation: { afterMs: 15 * 60_000, channels: ['boss'], maxSeverity: 2 },
      quietHours: null,
      flood: { alarms: 10, windowMs: 600_000, chatterCount: 3, chatterWindowMs: 60_000 },
    };
    t = tempAlarmDb();
    const db = t;
    const engine = db.engine({ machines, now: () => now, tickMs: 3_600_000 });
    const n = new Notifications({
      config,
      db: db.db,
      alarms: db.store,
      site: 's',
      log: silentLog,
      now: () => now,
      checkMs: 3_600_000,
      notifiers: new Map([
        ['tech', { ...quiet, id: 'tech' }],
        ['boss', { ...quiet, id: 'boss' }],
      ]),
    });
    engine.onEvent(() => n.onAlarmEvent());
    engine.start();
    n.start(() => engine.list({ active: true }));
    for (const m of ['m1', 'm2', 'm3'])
      engine.samples([{ machine: m, point: 't', value: 120, ts: now, quality: 'good' }]);
    now += 10 * 60_000;
    expect(engine.ack('m2.hot', 'kythuat', null).ok).toBe(true);
    n.check();
    const boss = () =>
      db.db.prepare("SELECT message FROM notify_queue WHERE channel = 'boss'").pluck().all() as string[];
    expect(boss()).toHaveLength(0);
    now += 6 * 60_000;
    n.check();
    n.check();
    expect(boss()).toHaveLength(1); // m1 only: m2 was acked, m3 is below the escalation severity
    const msg = JSON.parse(boss()[0] ?? '{}');
    expect(msg.kind).toBe('escalation');
    expect(msg.text).toContain('[ESCALATED – not acknowledged] Alarm severity 1 (critical)');
    expect(msg.data.id).toBe('m1.hot');
    // Sent messages are pruned after 30 days, but the escalation stays: no second escalation.
    for (
      let i = 0;
      i < 100 &&
      (db.db.prepare('SELECT COUNT(*) FROM notify_queue WHERE sent_at IS NULL').pluck().get() as number) > 0;
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    const all = () => db.db.prepare('SELECT COUNT(*) FROM notify_queue').pluck().get() as number;
    expect(all()).toBe(4);
    const escId = () => db.db.prepare("SELECT id FROM notify_queue WHERE channel = 'boss'").pluck().all();
    const before = escId();
    now += 31 * 24 * 3_600_000;
    n.check();
    n.check();
    expect(all()).toBe(1);
    expect(escId()).toEqual(before); // the original row, not a new escalation
    engine.stop();
    await n.stop();
  });
});
