import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmsConfig } from '../../config/alarms.js';
import type { Notifier } from '../../gateway/alarms/notifiers/types.js';
import {
  machine,
  manualAlarms,
  rule,
  type TempAlarmDb,
  tempAlarmDb,
} from '../../gateway/alarms/testdata/fixtures.js';

/**
 * Escalation to a second group when nobody acknowledges in N minutes (once per activation), and
 * return-to-normal messages.
 */
const T0 = Date.UTC(2026, 10, 27, 3, 0, 0);
const quiet: Notifier = { id: 'x', send: async () => {}, close: async () => {} };
const techAndBoss = () =>
  new Map([
    ['tech', { ...quiet, id: 'tech' }],
    ['boss', { ...quiet, id: 'boss' }],
  ]);

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
    const { engine, n } = manualAlarms(db, config, () => now, techAndBoss());
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

/** "Returned to normal" messages: opt-in per route, one per activation a channel was sent. */
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
    const { engine, n } = manualAlarms(db, config, () => now, techAndBoss());
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
