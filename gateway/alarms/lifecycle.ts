import type { LocalText } from '../core/points.js';
import type { AlarmEventKind, AlarmStateName, AlarmStatus } from './types.js';

/**
 * The alarm lifecycle of ANSI/ISA-18.2-2016 §5 (the state diagram, fig. 5) and IEC 62682:
 *
 *   normal ──activate──► active_unack ──ack──► active_ack ──return──► normal
 *                            │ return                                   ▲
 *                            ▼                                          │
 *                       returned_unack ─────────────ack─────────────────┘
 *
 * plus shelved (by an operator, with an expiry), suppressed by design (machine offline or in a
 * planned stop) and out of service. While shelved, suppressed or out of service the condition is
 * still tracked but not annunciated; when it ends, an alarm whose condition still holds is
 * annunciated again as active_unack (ISA-18.2 §16.3: unshelving "returns it to the state
 * determined by the process"). Pure: (status, command, now) → (status, events).
 */

export type LifecycleCommand =
  | {
      readonly type: 'condition';
      readonly active: boolean;
      readonly value: number | null;
      readonly limit: number | null;
      readonly text: LocalText | null;
    }
  | { readonly type: 'ack'; readonly actor: string; readonly comment: string | null }
  | {
      readonly type: 'shelve';
      readonly until: number;
      readonly actor: string;
      readonly comment: string | null;
    }
  | { readonly type: 'unshelve'; readonly actor: string }
  | { readonly type: 'expire' }
  | { readonly type: 'suppress'; readonly on: boolean }
  | { readonly type: 'out_of_service'; readonly on: boolean; readonly actor: string };

export type LifecycleOutcome =
  | { readonly ok: true; readonly status: AlarmStatus; readonly events: readonly AlarmEventKind[] }
  | { readonly ok: false; readonly reason: 'not-ackable' | 'not-shelved' | 'not-shelvable' };

export function stateOf(s: AlarmStatus): AlarmStateName {
  if (s.outOfService) return 'out_of_service';
  if (s.shelvedUntil !== null) return 'shelved';
  if (s.suppressed) return 'suppressed';
  if (s.condition) return s.acked ? 'active_ack' : 'active_unack';
  return s.acked ? 'normal' : 'returned_unack';
}

/** Annunciated = shown to people and notified (not shelved, suppressed or out of service). */
export function isAnnunciated(s: AlarmStatus): boolean {
  return !s.outOfService && s.shelvedUntil === null && !s.suppressed;
}

export function initialStatus(machine: string, rule: string): AlarmStatus {
  return {
    id: `${machine}.${rule}`,
    machine,
    rule,
    condition: false,
    acked: true,
    shelvedUntil: null,
    suppressed: false,
    outOfService: false,
    activatedAt: null,
    ackedAt: null,
    ackedBy: null,
    comment: null,
    value: null,
    limit: null,
    text: null,
  };
}

const ok = (status: AlarmStatus, events: AlarmEventKind[]): LifecycleOutcome => ({
  ok: true,
  status,
  events,
});

/** After a hidden spell ends: still active → annunciate afresh; else clean normal. */
function reannunciate(s: AlarmStatus, now: number): AlarmStatus {
  if (!isAnnunciated(s)) return s;
  return s.condition
    ? { ...s, acked: false, activatedAt: now, ackedAt: null, ackedBy: null, comment: null }
    : { ...s, acked: true };
}

export function applyCommand(s: AlarmStatus, cmd: LifecycleCommand, now: number): LifecycleOutcome {
  switch (cmd.type) {
    case 'condition': {
      const measured = { value: cmd.value ?? s.value, limit: cmd.limit ?? s.limit, text: cmd.text ?? s.text };
      if (cmd.active === s.condition) return ok({ ...s, ...(cmd.active ? measured : {}) }, []);
      if (cmd.active) {
        const hidden = !isAnnunciated(s);
        const next: AlarmStatus = {
          ...s,
          ...measured,
          condition: true,
          // A hidden alarm needs no ack for what nobody was shown.
          acked: hidden,
          activatedAt: now,
          ackedAt: null,
          ackedBy: null,
          comment: null,
        };
        return ok(next, hidden ? [] : ['activate']);
      }
      return ok({ ...s, condition: false }, isAnnunciated(s) ? ['return'] : []);
    }
    case 'ack': {
      if (!isAnnunciated(s) || s.acked) return { ok: false, reason: 'not-ackable' };
      return ok({ ...s, acked: true, ackedAt: now, ackedBy: cmd.actor, comment: cmd.comment }, ['ack']);
    }
    case 'shelve': {
      if (s.outOfService || cmd.until <= now) return { ok: false, reason: 'not-shelvable' };
      return ok({ ...s, shelvedUntil: cmd.until, acked: true, ackedBy: cmd.actor, comment: cmd.comment }, [
        'shelve',
      ]);
    }
    case 'unshelve':
    case 'expire': {
      if (s.shelvedUntil === null) return { ok: false, reason: 'not-shelved' };
      if (cmd.type === 'expire' && s.shelvedUntil > now) return { ok: false, reason: 'not-shelved' };
      const next = reannunciate({ ...s, shelvedUntil: null }, now);
      return ok(next, next.condition && isAnnunciated(next) ? ['unshelve', 'activate'] : ['unshelve']);
    }
    case 'suppress': {
      if (cmd.on === s.suppressed) return ok(s, []);
      if (cmd.on) return ok({ ...s, suppressed: true, acked: true }, ['suppress']);
      const next = reannunciate({ ...s, suppressed: false }, now);
      return ok(next, next.condition && isAnnunciated(next) ? ['unsuppress', 'activate'] : ['unsuppress']);
    }
    case 'out_of_service': {
      if (cmd.on === s.outOfService) return ok(s, []);
      if (cmd.on)
        return ok({ ...s, outOfService: true, shelvedUntil: null, acked: true }, ['out_of_service']);
      const next = reannunciate({ ...s, outOfService: false }, now);
      return ok(next, next.condition && isAnnunciated(next) ? ['in_service', 'activate'] : ['in_service']);
    }
  }
}
