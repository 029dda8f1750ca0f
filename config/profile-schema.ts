import { type Static, Type as T } from '@sinclair/typebox';
import { AlarmRuleInput } from './alarm-rule-schema.js';
import {
  CodeTable,
  Id,
  LocalText,
  ModbusQuirks,
  MqttPointInput,
  PayloadFormat,
  PointInput,
} from './point-schema.js';

export const MACHINE_KINDS = [
  'dryer',
  'roaster',
  'fryer',
  'vacuum_sealer',
  'packer',
  'rice_former',
  'checkweigher',
  'energy_meter',
  'other',
] as const;

export const MachineKind = T.Union(MACHINE_KINDS.map((k) => T.Literal(k)));

/** The fields every machine of the site config has, whatever its connection. */
export const MACHINE_COMMON = {
  id: Id,
  name: T.String({ minLength: 1 }),
  kind: T.Optional(MachineKind),
  line: Id,
  profile: T.Optional(Id),
  enabled: T.Optional(T.Boolean()),
};

/** A machine profile: devices/<id>.yaml. Data, not code. */
export const ProfileSchema = T.Object(
  {
    id: Id,
    protocol: T.Optional(T.Literal('modbus', { description: 'modbus (the default) or mqtt' })),
    kind: MachineKind,
    name: LocalText,
    vendor: T.Optional(T.String()),
    model: T.Optional(T.String()),
    manual: T.Optional(T.String({ description: 'the vendor manual this map was taken from' })),
    notes: T.Optional(T.String()),
    modbus: T.Optional(ModbusQuirks),
    serial: T.Optional(
      T.Object(
        {
          baudRate: T.Optional(T.Integer({ minimum: 300, maximum: 921600 })),
          parity: T.Optional(T.Union([T.Literal('none'), T.Literal('even'), T.Literal('odd')])),
          dataBits: T.Optional(T.Union([T.Literal(7), T.Literal(8)])),
          stopBits: T.Optional(T.Union([T.Literal(1), T.Literal(2)])),
          responseDelayMs: T.Optional(T.Integer({ minimum: 0 })),
        },
        { additionalProperties: false, description: 'factory defaults of the serial line' },
      ),
    ),
    points: T.Array(PointInput, { minItems: 1 }),
    faultCodes: T.Optional(CodeTable),
    stateCodes: T.Optional(CodeTable),
    alarms: T.Optional(
      T.Array(AlarmRuleInput, { description: 'alarm templates for every machine of this profile' }),
    ),
  },
  { additionalProperties: false },
);
export type ProfileInput = Static<typeof ProfileSchema>;

/** A profile of an MQTT device (`protocol: mqtt`): JSON paths instead of registers. */
export const MqttProfileSchema = T.Object(
  {
    id: Id,
    protocol: T.Literal('mqtt'),
    kind: MachineKind,
    name: LocalText,
    vendor: T.Optional(T.String()),
    model: T.Optional(T.String()),
    manual: T.Optional(
      T.String({ description: 'the firmware or vendor document the payload was taken from' }),
    ),
    notes: T.Optional(T.String()),
    payload: T.Optional(PayloadFormat),
    points: T.Array(MqttPointInput, { minItems: 1 }),
    faultCodes: T.Optional(CodeTable),
    stateCodes: T.Optional(CodeTable),
    alarms: T.Optional(
      T.Array(AlarmRuleInput, { description: 'alarm templates for every machine of this profile' }),
    ),
  },
  { additionalProperties: false },
);
export type MqttProfileInput = Static<typeof MqttProfileSchema>;

/** Both profile forms, for the exported JSON Schema (the loader picks one by `protocol`). */
export const AnyProfileSchema = T.Union([ProfileSchema, MqttProfileSchema]);
