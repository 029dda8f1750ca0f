import type { LocalText } from '../core/points.js';
import { stateOf } from './lifecycle.js';
import type { AlarmRule, AlarmStateName, AlarmStatus, Severity } from './types.js';

/** One alarm as GET /api/alarms shows it (the agreed contract). */
export interface AlarmView {
  readonly id: string;
  readonly machine: string;
  readonly line: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly state: AlarmStateName;
  readonly message: LocalText;
  readonly value: number | null;
  readonly limit: number | null;
  readonly unit: string | null;
  readonly activatedAt: number | null;
  readonly ackedAt: number | null;
  readonly ackedBy: string | null;
  readonly comment: string | null;
  readonly shelvedUntil: number | null;
}

export function toView(s: AlarmStatus, rule: AlarmRule, line: string, message: LocalText): AlarmView {
  return {
    id: s.id,
    machine: s.machine,
    line,
    rule: s.rule,
    severity: rule.severity,
    state: stateOf(s),
    message,
    value: s.value,
    limit: s.limit,
    unit: rule.unit,
    activatedAt: s.activatedAt,
    ackedAt: s.ackedAt,
    ackedBy: s.ackedBy,
    comment: s.comment,
    shelvedUntil: s.shelvedUntil,
  };
}
