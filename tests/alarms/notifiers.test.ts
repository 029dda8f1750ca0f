import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import type { AlarmEngine } from '../../gateway/alarms/engine.js';
import { WebhookNotifier } from '../../gateway/alarms/notifiers/webhook.js';
import { Notifications } from '../../gateway/alarms/notify/notifications.js';
import { formatSiteTime } from '../../gateway/alarms/notify/site-time.js';
import { silentLog, type TempAlarmDb, tempAlarmDb } from '../../gateway/alarms/testdata/fixtures.js';
import { freePort } from '../peers/free-port.js';
import { fakeTelegram, type Peer, smtpPeer, webhookReceiver } from './peers.js';

/**
 * Notifiers against local peers (a real SMTP server, a webhook receiver that checks the HMAC,
 * a fake Telegram Bot API — see peers.ts): each peer down, then slow, then back; every alarm
 * is delivered exactly once after recovery and nothing stays queued. Alarm evaluation never
 * waits: activations while every channel is down commit at once.
 */
const TOKEN = '123456:TEST-token';
const SECRET = 'a-webhook-secret-of-32-characters!';
const N = 6;

function configText(ports: { tg: number; smtp: number; hook: number }): string {
  const machines = Array.from(
    { length: N },
    (
      _,
      i,
    ) => `  - { id: m${i + 1}, name: Máy M${i + 1}, kind: fryer, line: l, connection: { type: tcp, host: h, unitId: ${i + 1} },
      points: [{ name: temp, area: input, address: 0, type: int16, unit: °C }] }`,
  ).join('\n');
  const rules = Array.from(
    { length: N },
    (_, i) => `    m${i + 1}: [{ id: hot, kind: high, point: temp, limit: 190, severity: 2 }]`,
  ).join('\n');
  return `site: { id: s, name: S }
lines: [{ id: l, name: Dây chuyền cơm cháy }]
machines:
${machines}
alarms:
  dashboardUrl: http://gateway.local:8080
  commLoss: { enabled: false }
  flood: { alarms: 100 }
  machines:
${rules}
  channels:
    - { id: tg, type: telegram, botToken: '\${TG_TOKEN}', chatId: -100123, baseUrl: 'http://127.0.0.1:${ports.tg}' }
    - { id: mail, type: email, host: 127.0.0.1, port: ${ports.smtp}, from: gateway@htx.vn, to: [kythuat@htx.vn], language: en }
    - { id: hook, type: webhook, url: 'http://127.0.0.1:${ports.hook}/linegate', secret: '\${HOOK_SECRET}' }
  routes:
    - { channels: [tg, mail, hook], maxSeverity: 3 }
`;
}

let t: TempAlarmDb | null = null;
const peers: Peer[] = [];
let stopAll: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stopAll?.();
  stopAll = null;
  for (const p of peers.splice(0)) await p.down();
  t?.cleanup();
  t = null;
});

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('notifiers: down, slow, back', () => {
  it('delivers every alarm exactly once to Telegram (fake), SMTP and the webhook', {
    timeout: 60_000,
  }, async () => {
    const ports = { tg: await freePort(), smtp: await freePort(), hook: await freePort() };
    const config = loadConfigText(configText(ports), 'notify.yaml', {
      env: { TG_TOKEN: TOKEN, HOOK_SECRET: SECRET },
    });
    const alarms = config.alarms;
    if (!alarms) throw new Error('no alarms config');
    const tg = fakeTelegram(ports.tg, TOKEN);
    const mail = smtpPeer(ports.smtp);
    const hook = webhookReceiver(ports.hook, SECRET);
    peers.push(tg, mail, hook);

    t = tempAlarmDb();
    const db = t;
    const engine: AlarmEngine = db.engine({ machines: alarms.machines });
    const notifications = new Notifications({
      config: alarms,
      db: db.db,
      alarms: db.store,
      site: 's',
      log: silentLog,
      backoff: { baseMs: 100, maxMs: 400 },
      checkMs: 60_000,
    });
    engine.onEvent(() => notifications.onAlarmEvent());
    engine.start();
    notifications.start(() => engine.list({ active: true }));
    stopAll = async () => {
      engine.stop();
      await notifications.stop();
    };
    const fire = (i: number) =>
      engine.samples([{ machine: `m${i}`, point: 'temp', value: 200 + i, ts: Date.now(), quality: 'good' }]);

    // Down: activations commit at once, messages wait.
    for (const i of [1, 2, 3]) fire(i);
    const m1At = db.store.history({ from: 0, to: Date.now(), machine: 'm1' })[0]?.ts ?? 0;
    expect(engine.list({ active: true })).toHaveLength(3);
    await until('retries on every channel', () => notifications.status().every((s) => s.failed >= 2));
    expect(notifications.status().map((s) => s.pending)).toEqual([3, 3, 3]);
    expect(notifications.status().every((s) => s.lastError !== null)).toBe(true);

    // Slow: the peers answer after 1.5 s (within the notifier timeout).
    for (const p of peers) p.delayMs = 1500;
    for (const p of peers) await p.up();
    for (const i of [4, 5]) fire(i);
    await until('5 delivered everywhere', () => peers.every((p) => p.received.length >= 5));

    // Back to normal.
    for (const p of peers) p.delayMs = 0;
    fire(6);
    await until('6 delivered everywhere', () => peers.every((p) => p.received.length >= N));
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up, if any

    const names = Array.from({ length: N }, (_, i) => `Máy M${i + 1}:`);
    const telegramTexts = tg.received.map(
      (r) => (JSON.parse(r.body) as { text: string; chat_id: number }).text,
    );
    expect(telegramTexts).toHaveLength(N);
    for (const n of names) expect(telegramTexts.filter((x) => x.includes(n))).toHaveLength(1);
    // Sent in the order the alarms came, after the outage too.
    expect(telegramTexts.map((x) => /Máy M(\d)/.exec(x)?.[1])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(telegramTexts[0]).toBe(
      `Cảnh báo mức 2 (cao)\nMáy M1: temp cao: 201 °C (ngưỡng 190 °C)\nDây chuyền: Dây chuyền cơm cháy · ${formatSiteTime(m1At, 'Asia/Ho_Chi_Minh', 'vi')}\nXem: http://gateway.local:8080/#/alarms/m1.hot`,
    );

    const hooks = hook.received.map(
      (r) => JSON.parse(r.body) as { data: { id: string; value: number; limit: number } },
    );
    expect(hooks.map((h) => h.data.id).sort()).toEqual(Array.from({ length: N }, (_, i) => `m${i + 1}.hot`));
    expect(hooks.find((h) => h.data.id === 'm1.hot')?.data).toMatchObject({ value: 201, limit: 190 });
    expect(hook.rejected).toBe(0);

    expect(mail.received).toHaveLength(N);
    expect(new Set(mail.received.map((r) => r.delivery)).size).toBe(N);
    for (const i of [1, 6]) expect(mail.received.some((r) => r.body.includes(`M${i}`))).toBe(true);
    expect(notifications.status().map((s) => s.pending)).toEqual([0, 0, 0]);
  });

  it('a receiver refuses a webhook signed with another secret, and it stays queued', async () => {
    const port = await freePort();
    const hook = webhookReceiver(port, SECRET);
    peers.push(hook);
    await hook.up();
    const wrong = new WebhookNotifier({
      id: 'h',
      url: `http://127.0.0.1:${port}/x`,
      secret: 'another-secret-0123456789',
      site: 's',
    });
    const msg = { kind: 'alarm' as const, severity: 2, subject: 's', text: 't', data: {} };
    await expect(wrong.send(msg, { id: 'd1' })).rejects.toThrow('HTTP 401');
    expect(hook.rejected).toBe(1);
    const right = new WebhookNotifier({
      id: 'h',
      url: `http://127.0.0.1:${port}/x`,
      secret: SECRET,
      site: 's',
    });
    await right.send(msg, { id: 'd2' });
    expect(hook.received.map((r) => r.delivery)).toEqual(['d2']);
  });
});
