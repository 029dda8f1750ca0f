import type { LocalText } from '../core/points.js';
import type { AlarmRule, EvalInput, EvalResult, EvalState, RuleKind } from './types.js';

/**
 * Rule evaluation: a pure function of (rule, previous state, input, now). No clock, no I/O.
 * Each kind gives the undelayed condition (`raw`) from the value; on-delay and off-delay are
 * applied the same way for every kind afterwards (ISA-18.2 §10.5: alarm on-/off-delay,
 * deadband as hysteresis on the return).
 */

interface Raw {
  /** null = no opinion (no usable sample): keep the previous raw condition. */
  readonly raw: boolean | null;
  readonly value: number | null;
  readonly limit: number | null;
  readonly text?: LocalText | null;
  /** frozen / jam bookkeeping. */
  readonly changedAt?: number | null;
}

type Condition = (rule: AlarmRule, prev: EvalState, input: EvalInput, now: number) => Raw;

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** A sample counts only when its quality is not bad; a bad value never raises or clears. */
function usable(input: EvalInput): number | null {
  const s = input.sample;
  if (!s || s.quality === 'bad') return null;
  return num(s.value);
}

const limitOf = (r: AlarmRule) => r.limit ?? 0;

/** Register, don't branch: one condition per kind. */
const CONDITIONS: Record<RuleKind, Condition> = {
  high(rule, prev, input) {
    const v = usable(input);
    if (v === null) return { raw: null, value: null, limit: rule.limit };
    const l = limitOf(rule);
    return { raw: prev.raw ? v > l - rule.deadband : v > l, value: v, limit: l };
  },
  low(rule, prev, input) {
    const v = usable(input);
    if (v === null) return { raw: null, value: null, limit: rule.limit };
    const l = limitOf(rule);
    return { raw: prev.raw ? v < l + rule.deadband : v < l, value: v, limit: l };
  },
  state_equals(rule, _prev, input) {
    const s = input.sample;
    if (!s || s.quality === 'bad') return { raw: null, value: null, limit: null };
    const eq = rule.equals;
    const hit =
      typeof eq === 'string' ? String(s.value) === eq : num(s.value) !== null && num(s.value) === num(eq);
    return { raw: hit, value: num(s.value), limit: num(eq) };
  },
  fault_code(rule, _prev, input) {
    const v = usable(input);
    if (v === null) return { raw: null, value: null, limit: null };
    const text = v !== 0 ? (rule.codes[String(v)] ?? null) : null;
    return { raw: v !== 0, value: v, limit: null, text };
  },
  rate_of_change(rule, prev, input) {
    const v = usable(input);
    const s = input.sample;
    const p = num(prev.lastValue);
    if (v === null || !s || p === null || prev.lastTs === null || s.ts <= prev.lastTs)
      return { raw: null, value: null, limit: rule.limit };
    const perMin = ((v - p) / (s.ts - prev.lastTs)) * 60_000;
    const l = limitOf(rule);
    const mag = Math.abs(perMin);
    return { raw: prev.raw ? mag > l - rule.deadband : mag > l, value: perMin, limit: l };
  },
  frozen: stillWhileRunning,
  jam: stillWhileRunning,
  comm_loss(_rule, _prev, input) {
    if (input.online === null) return { raw: null, value: null, limit: null };
    return { raw: !input.online, value: null, limit: null };
  },
};

/** frozen and jam: the value has not moved (beyond tolerance) for `forMs` while running. */
function stillWhileRunning(rule: AlarmRule, prev: EvalState, input: EvalInput, now: number): Raw {
  if (input.running !== true) return { raw: false, value: null, limit: null, changedAt: null };
  const v = usable(input);
  const p = num(prev.lastValue);
  let changedAt = prev.changedAt ?? now;
  if (v !== null && p !== null && Math.abs(v - p) > rule.tolerance) changedAt = now;
  const still = now - changedAt;
  return { raw: still >= rule.forMs, value: v ?? p, limit: rule.forMs / 1000, changedAt };
}

export function evaluate(rule: AlarmRule, prev: EvalState, input: EvalInput, now: number): EvalResult {
  const c = CONDITIONS[rule.kind](rule, prev, input, now);
  const raw = c.raw ?? prev.raw;
  const rawSince = raw !== prev.raw ? now : prev.rawSince;
  let active = prev.active;
  if (raw && !active && now - rawSince >= rule.onDelayMs) active = true;
  if (!raw && active && now - rawSince >= rule.offDelayMs) active = false;
  const sample = input.sample;
  const keepValue = sample && sample.quality !== 'bad';
  const state: EvalState = {
    raw,
    rawSince,
    active,
    lastValue: keepValue ? sample.value : prev.lastValue,
    lastTs: keepValue ? sample.ts : prev.lastTs,
    changedAt: c.changedAt === undefined ? prev.changedAt : c.changedAt,
  };
  return { state, value: c.value, limit: c.limit, text: c.text ?? null };
}

/** Process alarms are suppressed by design when their machine is offline or planned-stopped. */
export function isProcessRule(rule: AlarmRule): boolean {
  return rule.kind !== 'comm_loss';
}
