import type { OutboxRow } from '../../core/outbox.js';
import type { EncodeResult } from '../types.js';
import { encodeUplinkRow, SEP, topicLevel, type UplinkEncoderDeps } from './encode.js';

/**
 * Row → uplink line for `format: sparkplug-b`, pure. Samples and machine state become Sparkplug
 * metrics of the machine's device: a line `P{SEP}{device}{SEP}{json array of {n, v, t, q?}}`
 * that the writer turns into DDATA (sparkplug.ts). Sparkplug has no event model, so alarm,
 * production and other event rows keep their JSON topics of encode.ts.
 */

/** Quality as Ignition/OPC reads the `Quality` property: 192 good, 64 uncertain, 0 bad. */
export const QUALITY_CODE = { good: 192, uncertain: 64, bad: 0 } as const;

const finite = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

const pLine = (device: string, metrics: readonly Record<string, unknown>[]): EncodeResult => ({
  ok: true,
  line: `P${SEP}${topicLevel(device)}${SEP}${JSON.stringify(metrics)}`,
});

export function encodeSparkplugRow(row: OutboxRow, deps: UplinkEncoderDeps): EncodeResult {
  if (row.kind === 'sample')
    return pLine(row.machine, [
      {
        n: row.point,
        v: finite(row.value),
        t: row.ts,
        ...(row.quality !== 'good' ? { q: QUALITY_CODE[row.quality] ?? 0 } : {}),
      },
    ]);
  const machine = row.tags.machine;
  if (row.measurement === 'machine_state' && machine && Number.isFinite(row.ts)) {
    const metrics: Record<string, unknown>[] = [{ n: 'state', v: String(row.fields.state ?? ''), t: row.ts }];
    const code = row.fields.fault_code;
    if (typeof code === 'number' && Number.isFinite(code))
      metrics.push({ n: 'fault_code', v: code, t: row.ts });
    return pLine(machine, metrics);
  }
  return encodeUplinkRow(row, deps);
}

export function createSparkplugEncoder(deps: UplinkEncoderDeps): (row: OutboxRow) => EncodeResult {
  return (row) => encodeSparkplugRow(row, deps);
}
