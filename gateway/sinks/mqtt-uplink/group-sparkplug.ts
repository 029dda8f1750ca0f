import { SEP } from './encode.js';
import { groupUplinkLines, type UplinkMessage } from './group.js';
import type { MetricValue, SparkplugSession } from './sparkplug.js';

/**
 * Encoded lines of a `sparkplug-b` uplink → messages, in order. Consecutive `P` lines of one
 * device become one DDATA of up to `maxMetrics` values (after a DBIRTH when the session needs
 * one); runs of other lines go through groupUplinkLines (JSON topics). Not pure: the session
 * numbers the messages it makes, so call it once per connection attempt's publish.
 */
export function groupSparkplugLines(
  lines: readonly string[],
  session: SparkplugSession,
  opts: { readonly maxMetrics: number; readonly qos: 0 | 1 },
): UplinkMessage[] {
  const out: UplinkMessage[] = [];
  let other: string[] = [];
  let run: { device: string; values: MetricValue[] } | null = null;
  const flushRun = (): void => {
    if (!run) return;
    for (const m of session.data(run.device, run.values))
      out.push({
        topic: m.topic,
        payload: m.payload,
        retain: false,
        qos: m.kind === 'birth' ? 0 : opts.qos,
        rows: m.rows,
      });
    run = null;
  };
  const flushOther = (): void => {
    if (other.length > 0) out.push(...groupUplinkLines(other, opts.maxMetrics));
    other = [];
  };
  for (const l of lines) {
    if (!l.startsWith(`P${SEP}`)) {
      flushRun();
      other.push(l);
      continue;
    }
    flushOther();
    const b = l.indexOf(SEP, 2);
    if (b < 0) throw new Error('not a Sparkplug uplink line');
    const device = l.slice(2, b);
    const metrics = JSON.parse(l.slice(b + 1)) as {
      n: string;
      v: MetricValue['value'];
      t: number;
      q?: number;
    }[];
    if (run && (run.device !== device || run.values.length + metrics.length > opts.maxMetrics)) flushRun();
    if (!run) run = { device, values: [] };
    for (const m of metrics)
      run.values.push({ name: m.n, value: m.v, ts: m.t, ...(m.q !== undefined ? { q: m.q } : {}) });
  }
  flushRun();
  flushOther();
  return out;
}
