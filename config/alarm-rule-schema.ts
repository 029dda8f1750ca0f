import { type Static, Type as T } from '@sinclair/typebox';
import { RULE_KINDS } from '../gateway/alarms/types.js';
import { LocalText } from './point-schema.js';

/**
 * One alarm rule, as written in a profile's `alarms:` list (a template for every machine of the
 * profile) or in the site config's `alarms.machines.<machine>` (added, or replacing a template of
 * the same id). See docs/alarms.md for each kind.
 */
export const AlarmRuleInput = T.Object(
  {
    id: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'unique within the machine' }),
    kind: T.Union(
      RULE_KINDS.map((k) => T.Literal(k)),
      { description: 'high, low, state_equals, fault_code, rate_of_change, frozen, jam, comm_loss' },
    ),
    point: T.Optional(T.String({ minLength: 1, description: 'the point watched (not for comm_loss)' })),
    level: T.Optional(
      T.Union(
        ['HH', 'H', 'L', 'LL'].map((l) => T.Literal(l)),
        { description: 'the ISA-18.2 limit name' },
      ),
    ),
    limit: T.Optional(T.Number({ description: 'high/low: the limit; rate_of_change: units per minute' })),
    deadband: T.Optional(T.Number({ minimum: 0, description: 'hysteresis on the return, in the unit' })),
    equals: T.Optional(T.Union([T.Number(), T.Boolean(), T.String()])),
    forS: T.Optional(T.Number({ minimum: 0, description: 'frozen / jam: seconds without change' })),
    tolerance: T.Optional(T.Number({ minimum: 0, description: 'frozen: changes this small count as none' })),
    onDelayS: T.Optional(T.Number({ minimum: 0, maximum: 86400 })),
    offDelayS: T.Optional(T.Number({ minimum: 0, maximum: 86400 })),
    severity: T.Optional(
      T.Integer({ minimum: 1, maximum: 4, description: '1 critical, 2 high, 3 medium, 4 low' }),
    ),
    message: T.Optional(LocalText),
    enabled: T.Optional(T.Boolean({ description: 'false turns a profile template off for a machine' })),
  },
  { additionalProperties: false },
);
export type AlarmRuleInput = Static<typeof AlarmRuleInput>;
