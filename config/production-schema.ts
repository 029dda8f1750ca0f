import { type Static, Type as T } from '@sinclair/typebox';
import { Id, LocalText } from './point-schema.js';

/**
 * `production:` of the site config: shift calendar, products, stop reasons. Normalised by
 * config/production.ts into ProductionConfig (gateway/production reads only that).
 */

const Clock = T.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: 'local time HH:MM' });

const Break = T.Object(
  { start: Clock, end: Clock, name: T.Optional(LocalText) },
  { additionalProperties: false },
);

const Shift = T.Object(
  {
    id: Id,
    name: T.Optional(LocalText),
    start: Clock,
    end: Clock, // before start = the shift crosses midnight
    breaks: T.Optional(T.Array(Break)),
  },
  { additionalProperties: false },
);

const Target = T.Object(
  {
    day: T.Optional(T.Number({ minimum: 0, description: 'kg per production day' })),
    shift: T.Optional(T.Number({ minimum: 0, description: 'kg per shift' })),
  },
  { additionalProperties: false },
);

const Product = T.Object(
  {
    id: Id,
    name: LocalText,
    packWeightG: T.Optional(T.Number({ exclusiveMinimum: 0, description: 'net weight of one pack, g' })),
    packWeightKg: T.Optional(T.Number({ exclusiveMinimum: 0, description: 'net weight of one pack, kg' })),
    batchWeightKg: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        description: 'kg per batch (batch counters without a batch weight point)',
      }),
    ),
    idealRatePerMin: T.Optional(
      T.Number({ exclusiveMinimum: 0, description: 'units per minute at full speed (performance)' }),
    ),
    targetKg: T.Optional(Target),
  },
  { additionalProperties: false },
);

const Reason = T.Object(
  {
    code: Id,
    vi: T.String({ minLength: 1 }),
    en: T.String({ minLength: 1 }),
    planned: T.Optional(T.Boolean({ description: 'a planned stop (changeover, cleaning): not downtime' })),
  },
  { additionalProperties: false },
);

export const ProductionSection = T.Object(
  {
    timezone: T.Optional(T.String({ minLength: 1, description: 'IANA zone; default: site.timezone' })),
    dayStartsAt: T.Optional(Clock),
    shifts: T.Optional(T.Array(Shift)),
    nonWorkingDays: T.Optional(
      T.Array(
        T.String({
          pattern: '^(mon|tue|wed|thu|fri|sat|sun|[0-9]{4}-[0-9]{2}-[0-9]{2})$',
          description: 'a weekday (mon…sun) or a date YYYY-MM-DD',
        }),
      ),
    ),
    products: T.Optional(T.Array(Product)),
    machines: T.Optional(
      T.Record(
        T.String(),
        T.Object(
          {
            product: T.Optional(Id),
            idealRatePerMin: T.Optional(T.Number({ exclusiveMinimum: 0 })),
            idleAfterS: T.Optional(T.Integer({ minimum: 1, maximum: 86_400 })),
            recipes: T.Optional(
              T.Record(T.String({ pattern: '^[0-9]+$' }), Id, {
                description: 'recipe register value → product id: the machine tells its product',
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    lines: T.Optional(T.Record(T.String(), T.Object({ outputMachine: Id }, { additionalProperties: false }))),
    reasons: T.Optional(T.Array(Reason)),
    stopThresholdS: T.Optional(T.Integer({ minimum: 0, maximum: 86_400 })),
    counterNoise: T.Optional(
      T.Number({ minimum: 0, description: 'a counter that goes back by at most this much is noise' }),
    ),
    idleAfterS: T.Optional(
      T.Integer({ minimum: 1, maximum: 3600, description: 'run signal on, counter still this long → idle' }),
    ),
    flushIntervalS: T.Optional(T.Integer({ minimum: 1, maximum: 3600 })),
  },
  { additionalProperties: false },
);
export type ProductionInput = Static<typeof ProductionSection>;
