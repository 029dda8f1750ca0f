import type { StoreEvent } from '../store/sample-writer.js';
import type { AlarmEventRecord } from './alarm-store.js';

/**
 * An alarm event as an outbox row (the agreed `alarm` contract): measurement `alarm`, tags site,
 * line, machine, rule, severity; fields event, state, message (vi), message_en, value, limit,
 * unit, actor, comment (absent values left out); ts = time of the event. Pure.
 */
export function alarmEventRow(site: string, e: AlarmEventRecord): StoreEvent {
  const fields: Record<string, string | number> = {
    event: e.event,
    state: e.state,
    message: e.message.vi,
    message_en: e.message.en,
    actor: e.actor,
  };
  if (e.value !== null && Number.isFinite(e.value)) fields.value = e.value;
  if (e.limit !== null && Number.isFinite(e.limit)) fields.limit = e.limit;
  if (e.unit) fields.unit = e.unit;
  if (e.comment) fields.comment = e.comment;
  return {
    measurement: 'alarm',
    tags: { site, line: e.line, machine: e.machine, rule: e.rule, severity: String(e.severity) },
    fields,
    ts: e.ts,
  };
}
