import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmsConfig } from '../../config/alarms.js';
import type { Notifier } from '../../gateway/alarms/notifiers/types.js';
import type { OutgoingMessage } from '../../gateway/alarms/notify/queue-store.js';
import {
  machine,
  manualAlarms,
  rule,
  type TempAlarmDb,
  tempAlarmDb,
} from '../../gateway/alarms/testdata/fixtures.js';

/**
 * Flood and chatter: a whole RS-485 bus goes offline → its machines' process alarms are
 * suppressed (no message for them), the comm-loss alarms activate, and the technicians get a
 * bounded number of messages: at most `flood.alarms` one by one, then one summary.
 * The channel here is an in-memory recorder (this is about how many messages are queued and
 * sent, not about a wire; the wire is tests/alarms/notifiers.test.ts).
 */
const T0 = Date.UTC(2026, 10, 27, 3, 0, 0); // 10:00 in Hồ Chí Minh City

class Recorder implements Notifier {
  readonly sent: OutgoingMessage[] = [];
  constructor(readonly id: string) {}
  async send(m: OutgoingMessage): Promise<void> {
    this.sent.push(m);
  }
  async close(): Promise<void> {}
}

let t: TempAlarmDb | null = null;
let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
  t?.cleanup();
  t = null;
});

function setup(machines: AlarmsConfig['machines'], flood: Partial<AlarmsConfig['flood']> = {}) {
  let now = T0;
  const config: AlarmsConfig = {
    machines,
    dashboardUrl: null,
    timezone: 'Asia/Ho_Chi_Minh',
    channels: [{ id: 'tg', type: 'telegram', botToken: 'x', chatId: 1, language: 'vi', maxPerHour: 1000 }],
    routes: [{ channels: ['tg'], maxSeverity: 4, lines: null, hours: null }],
    escalation: null,
    quietHours: null,
    flood: { alarms: 10, windowMs: 600_000, chatterCount: 3, chatterWindowMs: 60_000, ...flood },
  };
  t = tempAlarmDb();
  const db = t;
  const rec = new Recorder('tg');
  const { engine, n } = manualAlarms(db, config, () => now, new Map([['tg', rec]]));
  stop = async () => {
    engine.stop();
    await n.stop();
  };
  const advance = (ms: number) => {
    now += ms;
    engine.tick();
  };
  const queued = () =>
    db.db
      .prepare("SELECT json_extract(message, '$.kind') AS kind, message FROM notify_queue ORDER BY id")
      .all() as {
      kind: string;
      message: string;
    }[];
  return { engine, n, rec, advance, queued, now: () => now };
}

describe('flood', () => {
  it('a whole bus offline: process alarms suppressed, comm loss alarms, bounded messages', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `m${i + 1}`);
    const machines = ids.map((id) =>
      machine(id, [
        rule({ id: 'oil_hot', kind: 'high', point: 'oil', limit: 190, severity: 2 }),
        rule({ id: 'fault', kind: 'fault_code', point: 'fault_code', severity: 2 }),
        rule({ id: 'comm_loss', kind: 'comm_loss', onDelayMs: 10_000, severity: 2 }),
      ]),
    );
    const { engine, n, rec, advance, queued } = setup(machines);
    for (const id of ids) engine.status({ machine: id, online: true, ts: T0 });
    // Three fryers already too hot before the bus fails: three messages.
    engine.samples(
      ['m1', 'm2', 'm3'].map((m) => ({
        machine: m,
        point: 'oil',
        value: 195,
        ts: T0,
        quality: 'good' as const,
      })),
    );
    expect(queued()).toHaveLength(3);

    advance(60_000);
    for (const id of ids) engine.status({ machine: id, online: false, ts: T0 + 60_000, reason: 'timeout' });
    // The bus is down: every process alarm is suppressed, nothing is annunciated for them.
    expect(engine.list({ machine: 'm1' }).find((a) => a.rule === 'oil_hot')?.state).toBe('suppressed');
    expect(engine.list({ active: true }).filter((a) => a.state === 'active_unack')).toHaveLength(0);
    for (let i = 0; i < 12; i++) advance(1000); // past the 10 s on-delay of comm loss
    const comm = engine.list({ active: true }).filter((a) => a.rule === 'comm_loss');
    expect(comm).toHaveLength(12);
    expect(comm.every((a) => a.state === 'active_unack')).toBe(true);
    // A fault code arriving late from the dead bus (a stale sample) does not annunciate either.
    engine.samples([{ machine: 'm5', point: 'fault_code', value: 3, ts: T0, quality: 'good' }]);
    expect(engine.get('m5.fault')?.state).toBe('suppressed');

    // 3 + 12 activations in 10 minutes > 10: the 11th and later are held.
    const alarmsQueued = queued().filter((q) => q.kind === 'alarm');
    expect(alarmsQueued).toHaveLength(10);
    // The flood is over once the window has passed; one summary names the rest.
    advance(11 * 60_000);
    n.check();
    const summaries = queued().filter((q) => q.kind === 'summary');
    expect(summaries).toHaveLength(1);
    const summary = JSON.parse(summaries[0]?.message ?? '{}') as OutgoingMessage;
    expect(summary.data).toMatchObject({ count: 5, reason: 'flood' });
    expect(summary.text).toContain('Tóm tắt (quá nhiều cảnh báo cùng lúc): thêm 5 cảnh báo');
    n.check();
    expect(queued()).toHaveLength(11); // no second summary
    for (let i = 0; i < 100 && rec.sent.length < 11; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rec.sent).toHaveLength(11);
  });

  it('a chattering alarm: two messages, then one summary instead of the rest', async () => {
    const { engine, n, advance, queued } = setup([
      machine('m1', [rule({ id: 'vac', kind: 'low', point: 'p', limit: -80, severity: 3 })]),
    ]);
    engine.status({ machine: 'm1', online: true, ts: T0 });
    for (let i = 0; i < 20; i++) {
      engine.samples([
        { machine: 'm1', point: 'p', value: i % 2 === 0 ? -70 : -90, ts: T0 + i * 1000, quality: 'good' },
      ]);
      advance(1000);
    }
    const q = queued().filter((x) => x.kind === 'alarm');
    expect(q).toHaveLength(2); // the third activation within 60 s marks it chattering
    advance(11 * 60_000);
    n.check();
    const s = queued().filter((x) => x.kind === 'summary');
    expect(s).toHaveLength(1);
    expect(JSON.parse(s[0]?.message ?? '{}').data).toMatchObject({
      reason: 'chatter',
      count: 8,
      machines: ['m1'],
    });
  });
});
