import { SEP, type UplinkKind } from './encode.js';

/** One PUBLISH: QoS 1 unless `qos` says 0 (Sparkplug births); `retain` for last-value topics. */
export interface UplinkMessage {
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly retain: boolean;
  readonly qos?: 0 | 1;
  /** Rows it carries. */
  readonly rows: number;
}

/**
 * Encoded lines (encode.ts) → messages, in order, pure. Consecutive telemetry lines of the same
 * topic become one message, a JSON array of up to `maxSamples` samples; every other line is one
 * message. Order is kept: a run of one machine's samples is only merged while no other line
 * comes between them.
 */
export function groupUplinkLines(lines: readonly string[], maxSamples: number): UplinkMessage[] {
  const out: UplinkMessage[] = [];
  let run: { topic: string; items: string[] } | null = null;
  const flush = (): void => {
    if (run)
      out.push({
        topic: run.topic,
        payload: `[${run.items.join(',')}]`,
        retain: false,
        rows: run.items.length,
      });
    run = null;
  };
  for (const l of lines) {
    const a = l.indexOf(SEP);
    const b = l.indexOf(SEP, a + 1);
    if (a < 0 || b < 0) throw new Error('not an uplink line');
    const kind = l.slice(0, a) as UplinkKind;
    const topic = l.slice(a + 1, b);
    const json = l.slice(b + 1);
    if (kind === 'T') {
      if (run && (run.topic !== topic || run.items.length >= maxSamples)) flush();
      if (!run) run = { topic, items: [] };
      run.items.push(json);
      continue;
    }
    flush();
    out.push({ topic, payload: json, retain: kind === 'R', rows: 1 });
  }
  flush();
  return out;
}
