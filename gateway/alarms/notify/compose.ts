import type { AlarmEventRecord } from '../alarm-store.js';
import type { OutgoingMessage } from './queue-store.js';
import { formatSiteTime } from './site-time.js';

/** Notification texts, pure, in the channel's language (Vietnamese first, glossary words). */

type Lang = 'vi' | 'en';

const SEVERITY: Record<number, { vi: string; en: string }> = {
  1: { vi: 'khẩn cấp', en: 'critical' },
  2: { vi: 'cao', en: 'high' },
  3: { vi: 'trung bình', en: 'medium' },
  4: { vi: 'thấp', en: 'low' },
};

export interface ComposeContext {
  readonly lang: Lang;
  readonly timezone: string;
  readonly dashboardUrl: string | null;
  readonly lineName: string;
}

const link = (ctx: ComposeContext, path: string) =>
  ctx.dashboardUrl
    ? `\n${ctx.lang === 'vi' ? 'Xem' : 'Open'}: ${ctx.dashboardUrl.replace(/\/$/, '')}${path}`
    : '';

function data(e: AlarmEventRecord): Record<string, unknown> {
  return {
    id: e.alarm,
    machine: e.machine,
    line: e.line,
    rule: e.rule,
    severity: e.severity,
    event: e.event,
    state: e.state,
    message: e.message,
    value: e.value,
    limit: e.limit,
    unit: e.unit,
    ts: e.ts,
  };
}

export function composeAlarm(e: AlarmEventRecord, ctx: ComposeContext, escalation = false): OutgoingMessage {
  const sev = SEVERITY[e.severity] ?? { vi: String(e.severity), en: String(e.severity) };
  const head =
    ctx.lang === 'vi'
      ? `${escalation ? '[CHUYỂN CẤP – chưa ai xác nhận] ' : ''}Cảnh báo mức ${e.severity} (${sev.vi})`
      : `${escalation ? '[ESCALATED – not acknowledged] ' : ''}Alarm severity ${e.severity} (${sev.en})`;
  const when = formatSiteTime(e.ts, ctx.timezone, ctx.lang);
  const where =
    ctx.lang === 'vi' ? `Dây chuyền: ${ctx.lineName} · ${when}` : `Line: ${ctx.lineName} · ${when}`;
  const text = `${head}\n${e.message[ctx.lang]}\n${where}${link(ctx, `/#/alarms/${encodeURIComponent(e.alarm)}`)}`;
  return {
    kind: escalation ? 'escalation' : 'alarm',
    severity: e.severity,
    subject: `[linegate] ${head}: ${e.message[ctx.lang]}`.slice(0, 200),
    text,
    data: data(e),
  };
}

/** "Returned to normal": short, for an alarm whose activation this channel was sent. */
export function composeReturn(e: AlarmEventRecord, ctx: ComposeContext): OutgoingMessage {
  const when = formatSiteTime(e.ts, ctx.timezone, ctx.lang);
  const head = ctx.lang === 'vi' ? 'Đã trở lại bình thường' : 'Returned to normal';
  const where =
    ctx.lang === 'vi' ? `Dây chuyền: ${ctx.lineName} · ${when}` : `Line: ${ctx.lineName} · ${when}`;
  const state =
    e.state === 'returned_unack'
      ? ctx.lang === 'vi'
        ? '\nChưa ai xác nhận cảnh báo này.'
        : '\nNobody has acknowledged this alarm yet.'
      : '';
  return {
    kind: 'return',
    severity: e.severity,
    subject: `[linegate] ${head}: ${e.message[ctx.lang]}`.slice(0, 200),
    text: `${head}: ${e.message[ctx.lang]}\n${where}${state}${link(ctx, `/#/alarms/${encodeURIComponent(e.alarm)}`)}`,
    data: data(e),
  };
}

export function composeSummary(
  held: { count: number; machines: readonly string[]; reason: 'flood' | 'chatter' | 'limit' },
  since: number,
  ctx: ComposeContext,
): OutgoingMessage {
  const when = formatSiteTime(since, ctx.timezone, ctx.lang);
  const ms = held.machines.slice(0, 8).join(', ') + (held.machines.length > 8 ? '…' : '');
  const why = {
    flood: { vi: 'quá nhiều cảnh báo cùng lúc', en: 'alarm flood' },
    chatter: { vi: 'cảnh báo bật/tắt liên tục', en: 'chattering alarms' },
    limit: { vi: 'đã đạt giới hạn tin nhắn', en: 'message limit reached' },
  }[held.reason];
  const text =
    ctx.lang === 'vi'
      ? `Tóm tắt (${why.vi}): thêm ${held.count} cảnh báo từ ${when} chưa gửi riêng.\nMáy: ${ms}`
      : `Summary (${why.en}): ${held.count} more alarms since ${when} not sent one by one.\nMachines: ${ms}`;
  return {
    kind: 'summary',
    severity: 2,
    subject: `[linegate] ${ctx.lang === 'vi' ? 'Tóm tắt cảnh báo' : 'Alarm summary'}: ${held.count}`,
    text: text + link(ctx, '/#/alarms'),
    data: { count: held.count, machines: held.machines, reason: held.reason, since },
  };
}

export function composeRestart(
  n: { ts: number; active: number; unacked: number; shelved: number },
  ctx: ComposeContext,
): OutgoingMessage {
  const when = formatSiteTime(n.ts, ctx.timezone, ctx.lang);
  const text =
    ctx.lang === 'vi'
      ? `Gateway đã khởi động lại (${when}) sau khi dừng đột ngột. Đang cảnh báo: ${n.active}, chưa xác nhận: ${n.unacked}, tạm ẩn: ${n.shelved}.`
      : `Gateway restarted (${when}) after an unclean stop. Active: ${n.active}, unacknowledged: ${n.unacked}, shelved: ${n.shelved}.`;
  return {
    kind: 'restart',
    severity: 3,
    subject: `[linegate] ${ctx.lang === 'vi' ? 'Gateway đã khởi động lại' : 'Gateway restarted'}`,
    text: text + link(ctx, '/#/alarms'),
    data: { ...n },
  };
}
