import type { StoreEvent } from '../store/sample-writer.js';
import type { KpiRow } from './kpi.js';
import type { StateChange } from './tracker.js';

/** Event rows of the production contract (BRIEF: machine_state, production, stop). Pure. */
export interface MachineTags {
  readonly site: string;
  readonly line: string;
  readonly machine: string;
  readonly kind: string;
}

export function stateEvent(tags: MachineTags, c: StateChange): StoreEvent {
  return {
    measurement: 'machine_state',
    tags: { site: tags.site, line: tags.line, machine: tags.machine, kind: tags.kind },
    fields: {
      state: c.state,
      previous: c.previous,
      ...(c.faultCode !== null ? { fault_code: c.faultCode } : {}),
      ...(c.faultText ? { fault_text: c.faultText.vi } : {}),
    },
    ts: c.ts,
  };
}

export function productionEvent(
  tags: MachineTags,
  period: 'hour' | 'shift' | 'day',
  start: number,
  row: KpiRow,
  extra: { shift?: string; product?: string | null },
): StoreEvent {
  const fields: Record<string, number> = {
    good: row.good,
    reject: row.reject,
    run_s: row.runS,
    down_s: row.downS,
    planned_s: row.plannedS,
  };
  // Unknown values are left out, never written as 0 (kg without a pack weight, OEE without a rate).
  for (const [k, v] of [
    ['kg', row.kg],
    ['availability', row.availability],
    ['performance', row.performance],
    ['quality', row.quality],
    ['oee', row.oee],
  ] as const) {
    if (v !== null) fields[k] = v;
  }
  return {
    measurement: 'production',
    tags: {
      site: tags.site,
      line: tags.line,
      machine: tags.machine,
      period,
      ...(extra.shift ? { shift: extra.shift } : {}),
      ...(extra.product ? { product: extra.product } : {}),
    },
    fields,
    ts: start,
  };
}

export function stopEvent(
  tags: MachineTags,
  s: { start: number; downMs: number; state: string; reason: string | null },
): StoreEvent {
  return {
    measurement: 'stop',
    tags: { site: tags.site, line: tags.line, machine: tags.machine },
    fields: { duration_s: Math.round(s.downMs / 1000), state: s.state, reason: s.reason ?? '' },
    ts: s.start,
  };
}
