import type { AlarmsConfig } from '../../../config/alarms.js';
import type { AlarmEventRecord } from '../alarm-store.js';
import { inWindow, windowEnd } from './site-time.js';

/**
 * Which channels an alarm activation goes to, and when: pure. A route matches by severity
 * (1 = most urgent; `maxSeverity: 2` takes 1 and 2), line and site-time hours (a shift).
 * Quiet hours hold messages less urgent than `quietHours.maxSeverity` until the quiet time ends
 * (held, not dropped). A return-to-normal message follows `routeReturn` below.
 */
export function routeAlarm(
  e: Pick<AlarmEventRecord, 'severity' | 'line' | 'ts'>,
  config: Pick<AlarmsConfig, 'routes' | 'quietHours' | 'timezone'>,
): { channel: string; due: number }[] {
  const channels = new Set<string>();
  for (const r of config.routes) {
    if (e.severity > r.maxSeverity) continue;
    if (r.lines && !r.lines.includes(e.line)) continue;
    if (r.hours && !inWindow(e.ts, config.timezone, r.hours)) continue;
    for (const c of r.channels) channels.add(c);
  }
  const q = config.quietHours;
  const due =
    q && e.severity > q.maxSeverity && inWindow(e.ts, config.timezone, q)
      ? windowEnd(e.ts, config.timezone, q.to)
      : e.ts;
  return [...channels].map((channel) => ({ channel, due }));
}

/**
 * Channels that want a "returned to normal" message for this alarm: routes with `notifyReturn`
 * that match its severity and line (not the hours: an alarm sent in a shift is closed in the next
 * one too). The caller still sends it only where the activation itself was sent.
 */
export function routeReturn(
  e: Pick<AlarmEventRecord, 'severity' | 'line'>,
  config: Pick<AlarmsConfig, 'routes'>,
): string[] {
  const channels = new Set<string>();
  for (const r of config.routes) {
    if (!r.notifyReturn || e.severity > r.maxSeverity) continue;
    if (r.lines && !r.lines.includes(e.line)) continue;
    for (const c of r.channels) channels.add(c);
  }
  return [...channels];
}
