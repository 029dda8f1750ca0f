import type { LocalText } from '../core/points.js';
import { numberText } from './number-text.js';
import type { AlarmRule, RuleKind } from './types.js';

/**
 * Alarm texts, Vietnamese first (glossary words), pure. `alarmText` is the short text stored
 * with each event; notify/compose.ts adds time, severity and the dashboard link.
 */

export interface TextContext {
  readonly machineName: string;
  readonly label: LocalText;
  readonly value: number | null;
  readonly limit: number | null;
  readonly unit: string | null;
  /** fault_code: the code's text from the profile's table. */
  readonly codeText: LocalText | null;
}

/** A value or limit in an alarm text ('—' when there is none): number-text.ts, without Intl. */
export function formatNumber(v: number | null, lang: 'vi' | 'en'): string {
  return v === null ? '—' : numberText(v, lang);
}

type Template = (rule: AlarmRule) => LocalText;

const DEFAULTS: Record<RuleKind, Template> = {
  high: (r) =>
    r.level === 'HH'
      ? {
          vi: '{label} rất cao: {value} {unit} (ngưỡng {limit} {unit})',
          en: '{label} very high: {value} {unit} (limit {limit} {unit})',
        }
      : {
          vi: '{label} cao: {value} {unit} (ngưỡng {limit} {unit})',
          en: '{label} high: {value} {unit} (limit {limit} {unit})',
        },
  low: (r) =>
    r.level === 'LL'
      ? {
          vi: '{label} rất thấp: {value} {unit} (ngưỡng {limit} {unit})',
          en: '{label} very low: {value} {unit} (limit {limit} {unit})',
        }
      : {
          vi: '{label} thấp: {value} {unit} (ngưỡng {limit} {unit})',
          en: '{label} low: {value} {unit} (limit {limit} {unit})',
        },
  state_equals: () => ({ vi: '{label} = {value}', en: '{label} = {value}' }),
  fault_code: () => ({ vi: 'Lỗi {value}: {code}', en: 'Fault {value}: {code}' }),
  rate_of_change: () => ({
    vi: '{label} thay đổi nhanh: {value} {unit}/phút (ngưỡng {limit})',
    en: '{label} changing fast: {value} {unit}/min (limit {limit})',
  }),
  frozen: () => ({
    vi: '{label} không thay đổi khi máy đang chạy (≥ {limit} s)',
    en: '{label} frozen while running (≥ {limit} s)',
  }),
  jam: () => ({
    vi: '{label} không tăng khi máy đang chạy (≥ {limit} s): kẹt máy?',
    en: '{label} not moving while running (≥ {limit} s): jam?',
  }),
  comm_loss: () => ({ vi: 'Mất kết nối', en: 'Communication lost' }),
};

function fill(t: string, ctx: TextContext, lang: 'vi' | 'en'): string {
  const unknownCode = lang === 'vi' ? 'mã lỗi không có trong bảng' : 'code not in the table';
  return t
    .replaceAll('{machine}', ctx.machineName)
    .replaceAll('{label}', ctx.label[lang])
    .replaceAll('{value}', formatNumber(ctx.value, lang))
    .replaceAll('{limit}', formatNumber(ctx.limit, lang))
    .replaceAll('{unit}', ctx.unit ?? '')
    .replaceAll('{code}', ctx.codeText?.[lang] ?? unknownCode)
    .replace(/ +\)/g, ')')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** "Máy chiên cơm cháy 1: Nhiệt độ dầu cao: 195,2 °C (ngưỡng 190 °C)". */
export function alarmText(rule: AlarmRule, ctx: TextContext): LocalText {
  const t = rule.message ?? DEFAULTS[rule.kind](rule);
  const prefix = (s: string) => (rule.message?.vi.includes('{machine}') ? s : `${ctx.machineName}: ${s}`);
  return { vi: prefix(fill(t.vi, ctx, 'vi')), en: prefix(fill(t.en, ctx, 'en')) };
}
