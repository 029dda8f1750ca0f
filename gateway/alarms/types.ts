import type { LocalText } from '../core/points.js';
import type { Quality, SampleValue } from '../core/sample.js';

/**
 * Alarm rules and alarm states as the engine uses them (normalised from the profile templates
 * and the site config by config/alarms.ts). Words follow the glossary: cảnh báo, xác nhận,
 * tạm ẩn, đã chặn, mất kết nối.
 */

/** 1 critical (khẩn cấp), 2 high (cao), 3 medium (trung bình), 4 low (thấp). */
export type Severity = 1 | 2 | 3 | 4;

export const RULE_KINDS = [
  'high', // value above limit (H or HH), deadband below the limit to return
  'low', // value below limit (L or LL), deadband above the limit to return
  'state_equals', // discrete value equals `equals`
  'fault_code', // numeric fault code non-zero; text from the profile's fault table
  'rate_of_change', // |Δvalue| per minute above limit
  'frozen', // value has not changed while the machine runs, for `forS`
  'jam', // counter has not moved while the machine runs, for `forS`
  'comm_loss', // machine offline (mất kết nối); never suppressed by the offline state
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export type Level = 'HH' | 'H' | 'L' | 'LL';

export interface AlarmRule {
  /** Unique within its machine; snake_case. */
  readonly id: string;
  readonly kind: RuleKind;
  /** The point the rule watches (none for comm_loss). */
  readonly point: string | null;
  readonly level: Level | null;
  readonly limit: number | null;
  readonly deadband: number;
  readonly equals: number | boolean | string | null;
  /** frozen / jam: how long without change (while running) before the condition holds. */
  readonly forMs: number;
  /** frozen: changes of at most this size count as "no change". */
  readonly tolerance: number;
  readonly onDelayMs: number;
  readonly offDelayMs: number;
  readonly severity: Severity;
  /** Text with {machine} {value} {unit} {limit} placeholders; null = the kind's default text. */
  readonly message: LocalText | null;
  readonly unit: string | null;
  /** Fault code → text, for fault_code rules (the profile's faultCodes table). */
  readonly codes: Readonly<Record<string, LocalText>>;
}

/** What one evaluation sees: the rule's point now, and the machine around it. */
export interface EvalInput {
  /** The latest sample of the rule's point; null on a timer tick without a new sample. */
  readonly sample: { readonly value: SampleValue; readonly quality: Quality; readonly ts: number } | null;
  /** The machine's run signal (null = unknown / no run point). */
  readonly running: boolean | null;
  /** Communication with the machine (null = not yet known). */
  readonly online: boolean | null;
}

/** What evaluation keeps between calls. Plain data: persisted as JSON. */
export interface EvalState {
  /** Undelayed condition, with deadband (hysteresis) applied. */
  readonly raw: boolean;
  /** When `raw` last changed. */
  readonly rawSince: number;
  /** Condition after on/off delay: what the lifecycle sees. */
  readonly active: boolean;
  readonly lastValue: SampleValue;
  readonly lastTs: number | null;
  /** frozen / jam: when the value last changed (or running started). */
  readonly changedAt: number | null;
}

export const INITIAL_EVAL: EvalState = {
  raw: false,
  rawSince: 0,
  active: false,
  lastValue: null,
  lastTs: null,
  changedAt: null,
};

export interface EvalResult {
  readonly state: EvalState;
  /** The value and limit to report (null when not meaningful). */
  readonly value: number | null;
  readonly limit: number | null;
  /** For fault_code rules: the code's text. */
  readonly text: LocalText | null;
}

/** Display states of the contract (ISA-18.2 / IEC 62682 names). */
export const ALARM_STATES = [
  'normal',
  'active_unack',
  'active_ack',
  'returned_unack',
  'shelved',
  'suppressed',
  'out_of_service',
] as const;
export type AlarmStateName = (typeof ALARM_STATES)[number];

export const ALARM_EVENTS = [
  'activate',
  'return',
  'ack',
  'shelve',
  'unshelve',
  'suppress',
  'unsuppress',
  'out_of_service',
  'in_service',
] as const;
export type AlarmEventKind = (typeof ALARM_EVENTS)[number];

/** One alarm instance (machine × rule): the lifecycle's memory. Plain data: persisted. */
export interface AlarmStatus {
  /** `${machine}.${rule}` */
  readonly id: string;
  readonly machine: string;
  readonly rule: string;
  /** The process condition (after delays), whatever the annunciation does with it. */
  readonly condition: boolean;
  /** Acknowledged since the last activation (true while normal). */
  readonly acked: boolean;
  readonly shelvedUntil: number | null;
  readonly suppressed: boolean;
  readonly outOfService: boolean;
  readonly activatedAt: number | null;
  readonly ackedAt: number | null;
  readonly ackedBy: string | null;
  readonly comment: string | null;
  readonly value: number | null;
  readonly limit: number | null;
  readonly text: LocalText | null;
}
