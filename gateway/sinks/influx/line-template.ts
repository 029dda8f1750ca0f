/**
 * The line protocol of a sample as a LineTemplate (core/outbox.ts), so the store can render a
 * batch in SQL (store/outbox-render.ts): the same lines as `encodeSample`, except that a number
 * may be spelled differently (`60.0` for 60, `1.0e+21` for 1e21), which InfluxDB reads as the
 * same float. Every series prefix comes from the encoder's own `seriesPrefix`.
 */
import type { LineTemplate } from '../../core/outbox.js';

let lives = 0;

export function createLineTemplate(
  prefix: (machine: string, point: string) => { ok: true; text: string } | { ok: false },
  fields: { readonly number: string; readonly boolean: string },
): LineTemplate {
  return {
    id: `line-protocol-${++lives}`,
    prefix: (machine, point) => {
      const p = prefix(machine, point);
      return p.ok ? p.text : null;
    },
    numberField: ` ${fields.number}=`,
    boolField: ` ${fields.boolean}=`,
    trueText: 'true',
    falseText: 'false',
    afterValue: { good: ',quality="good" ', uncertain: ',quality="uncertain" ', bad: ',quality="bad" ' },
    noValue: { good: ' quality="good" ', uncertain: ' quality="uncertain" ', bad: ' quality="bad" ' },
  };
}
