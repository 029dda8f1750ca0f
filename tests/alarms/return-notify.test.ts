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

/** "Returned to normal" messages: opt-in per route, one per activation a channel was sent. */
const T0 = Date.UTC(2026, 10, 27, 3, 0, 0);
const quiet: Notifier = { id: 'x', send: async () => {}, close: async () => {} };

let t: TempAlarmDb | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

describe('return-to-normal notifications', () => {
  it('go to routes with notifyReturn, once per activation sent, never for a held one', async () => {
    let now = T0;
    const machines = [
      machine('m1', [rule({ id: 'hot', kind: 'high', point: 't', limit: 100, severity: 1 })]),
    ];
    const config: AlarmsConfig = {
      machines,
      dashboardUrl: 'http://gw.local:8080',
      timezone: 'Asia/Ho_Chi_Minh',
      channels: [
        { id: 'tech', type: 'telegram', botToken: 'x', chatId: 1, language: 'vi', maxPerHour: 1 },
        { id: 'boss', type: 'telegram', botToken: 'x', chatId: 2, language: 'en', maxPerHour: 100 },
      ],
      routes: [
        { channels: ['tech'], maxSeverity: 4, lines: null, hours: null, notifyReturn: true },
        { channels: ['boss'], maxSeverity: 1, lines: null, hours: null },
      ],
      escalation: null,
      quietHours: null,
      flood: { alarms: 100, windowMs: 600_000, chatterCount: 100, chatterWindowMs: 60_000 },
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
    const value = (v: number) => {
      now += 60_000;
      engine.samples([{ machine: 'm1', point: 't', value: v, ts: now, quality: 'good' }]);
    };
    const queued = (channel: string) =>
      (
        db.db
          .prepare('SELECT message FROM notify_queue WHERE channel = ? ORDER BY id')
          .pluck()
          .all(channel) as string[]
      ).map((m) => JSON.parse(m) as { kind: string; text: string; data: { id: string } });

    value(120); // activation 1: sent to both
    value(90); // return 1: tech only (boss's route has no notifyReturn)
    expect(queued('tech').map((m) => m.kind)).toEqual(['alarm', 'return']);
    expect(queued('boss').map((m) => m.kind)).toEqual(['alarm']);
    const ret = queued('tech')[1];
    expect(ret?.text).toContain('Đã trở lại bình thường');
    expect(ret?.text).toContain('Chưa ai xác nhận');
    expect(ret?.text).toContain('http://gw.local:8080/#/alarms/m1.hot');
    expect(ret?.data.id).toBe('m1.hot');

    value(90); // still normal: nothing more
    value(130); // activation 2: tech's hourly limit (1) is reached → held, summarised later
    value(80); // its return: no message, the activation was never sent on tech
    expect(queued('tech').map((m) => m.kind)).toEqual(['alarm', 'return']);
    expect(queued('boss').map((m) => m.kind)).toEqual(['alarm', 'alarm']);

    now += 3_600_000; // a new hour: the limit frees up
    value(125); // activation 3, acknowledged before it clears
    expect(engine.ack('m1.hot', 'kythuat', null).ok).toBe(true);
    value(95);
    const kinds = queued('tech').map((m) => m.kind);
    expect(kinds.slice(0, 2)).toEqual(['alarm', 'return']);
    expect(kinds.filter((k) => k === 'alarm')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'return')).toHaveLength(2);
    expect(kinds[kinds.length - 1]).toBe('return');
    expect(queued('tech').at(-1)?.text).not.toContain('Chưa ai xác nhận');
    // Routing again (a restart re-reading events) adds nothing: dedup keys.
    db.db.prepare("UPDATE notify_meta SET value = '0' WHERE key = 'cursor'").run();
    n.onAlarmEvent();
    expect(queued('tech').filter((m) => m.kind === 'return')).toHaveLength(2);
    await n.stop();
    engine.stop();
  });
});
