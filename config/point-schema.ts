import { type Static, Type as T } from '@sinclair/typebox';
import { DATA_TYPES, POINT_ROLES } from '../gateway/core/points.js';

/** Shared pieces of the config and profile schemas. One schema language: TypeBox. */

export const Id = T.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
  description: 'lower-case letters, digits, - and _; at most 63 characters',
});

export const LocalText = T.Object(
  { vi: T.String({ minLength: 1 }), en: T.String({ minLength: 1 }) },
  { additionalProperties: false },
);

/** Every spelling of a byte/word order that vendors' manuals use, collapsed later to four. */
export const BYTE_ORDER_ALIASES: Readonly<Record<string, 'ABCD' | 'DCBA' | 'BADC' | 'CDAB'>> = {
  ABCD: 'ABCD',
  AB: 'ABCD',
  big: 'ABCD',
  'big-endian': 'ABCD',
  BE: 'ABCD',
  'high-word-first': 'ABCD',
  CDAB: 'CDAB',
  'word-swap': 'CDAB',
  'low-word-first': 'CDAB',
  'little-endian-word-swap': 'CDAB',
  BADC: 'BADC',
  BA: 'BADC',
  'byte-swap': 'BADC',
  DCBA: 'DCBA',
  little: 'DCBA',
  'little-endian': 'DCBA',
  LE: 'DCBA',
};

export const ByteOrderInput = T.Union(
  Object.keys(BYTE_ORDER_ALIASES).map((k) => T.Literal(k)),
  { description: 'ABCD, CDAB, BADC or DCBA (or an alias: big, little, word-swap, byte-swap…)' },
);

export const RegisterArea = T.Union(
  [T.Literal('coil'), T.Literal('discrete'), T.Literal('holding'), T.Literal('input')],
  { description: 'one of coil (FC1), discrete (FC2), holding (FC3), input (FC4)' },
);

export const DataType = T.Union(DATA_TYPES.map((k) => T.Literal(k)));

export const PointRole = T.Union(POINT_ROLES.map((r) => T.Literal(r)));

const pointFields = {
  name: T.String({ pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'snake_case, unique in the machine' }),
  label: T.Optional(LocalText),
  area: RegisterArea,
  address: T.Integer({
    minimum: 0,
    maximum: 65535,
    description: 'protocol address (0-based unless addressBase is 1)',
  }),
  type: DataType,
  order: T.Optional(ByteOrderInput),
  bit: T.Optional(T.Integer({ minimum: 0, maximum: 15 })),
  length: T.Optional(T.Integer({ minimum: 1, maximum: 125, description: 'registers, for type string' })),
  scale: T.Optional(T.Number({ description: 'value = raw × scale + offset' })),
  offset: T.Optional(T.Number()),
  unit: T.Optional(T.String({ maxLength: 16 })),
  role: T.Optional(PointRole),
  counterBits: T.Optional(T.Union([T.Literal(16), T.Literal(32), T.Literal(64)])),
  source: T.Optional(T.String({ description: 'where this register is documented (manual, page)' })),
};

export const PointInput = T.Object(pointFields, { additionalProperties: false });
export type PointInput = Static<typeof PointInput>;

/** An override changes some fields of a profile point, by name. */
export const PointOverride = T.Object(
  {
    address: T.Optional(pointFields.address),
    type: T.Optional(DataType),
    order: T.Optional(ByteOrderInput),
    bit: T.Optional(pointFields.bit),
    length: T.Optional(pointFields.length),
    scale: T.Optional(T.Number()),
    offset: T.Optional(T.Number()),
    unit: T.Optional(pointFields.unit),
    role: T.Optional(PointRole),
    counterBits: T.Optional(pointFields.counterBits),
    label: T.Optional(LocalText),
    enabled: T.Optional(T.Boolean({ description: 'false removes the point from this machine' })),
  },
  { additionalProperties: false },
);

/** Per-device Modbus quirks. */
export const ModbusQuirks = T.Object(
  {
    maxRegistersPerRead: T.Optional(
      T.Integer({ minimum: 1, maximum: 125, description: 'Modbus v1.1b3 §6.3: at most 125 registers' }),
    ),
    maxBitsPerRead: T.Optional(
      T.Integer({ minimum: 1, maximum: 2000, description: 'Modbus v1.1b3 §6.1: at most 2000 bits' }),
    ),
    maxGap: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 124,
        description: 'unused registers that may be read to save a request',
      }),
    ),
    interRequestDelayMs: T.Optional(T.Integer({ minimum: 0, maximum: 10000 })),
    addressBase: T.Optional(
      T.Union([T.Literal(0), T.Literal(1)], { description: '1 when the addresses are written 1-based' }),
    ),
    byteOrder: T.Optional(ByteOrderInput),
  },
  { additionalProperties: false },
);

export const CodeTable = T.Record(T.String({ pattern: '^[0-9]+$' }), LocalText);

/** MQTT points: a value taken from a JSON payload by its path (`temp`, `data.temp`, `vals[2]`). */
export const JsonPath = T.String({
  pattern: '^[A-Za-z0-9_-]{1,64}(\\[[0-9]{1,4}\\])*(\\.[A-Za-z0-9_-]{1,64}(\\[[0-9]{1,4}\\])*){0,7}$',
  description: 'a JSON path such as temp, data.temp or values[2] (at most 8 levels)',
});

export const MqttValueType = T.Union([T.Literal('number'), T.Literal('boolean'), T.Literal('string')], {
  description: 'number, boolean or string',
});

const mqttPointFields = {
  name: pointFields.name,
  label: T.Optional(LocalText),
  path: JsonPath,
  type: MqttValueType,
  scale: T.Optional(T.Number({ description: 'value = raw × scale + offset' })),
  offset: T.Optional(T.Number()),
  unit: T.Optional(T.String({ maxLength: 16 })),
  role: T.Optional(PointRole),
  counterBits: T.Optional(T.Union([T.Literal(16), T.Literal(32), T.Literal(64)])),
  source: T.Optional(T.String({ description: 'where this field is documented (firmware, manual)' })),
};

export const MqttPointInput = T.Object(mqttPointFields, { additionalProperties: false });
export type MqttPointInput = Static<typeof MqttPointInput>;

export const MqttPointOverride = T.Object(
  {
    path: T.Optional(JsonPath),
    type: T.Optional(MqttValueType),
    scale: T.Optional(T.Number()),
    offset: T.Optional(T.Number()),
    unit: T.Optional(mqttPointFields.unit),
    role: T.Optional(PointRole),
    counterBits: T.Optional(mqttPointFields.counterBits),
    label: T.Optional(LocalText),
    enabled: T.Optional(T.Boolean({ description: 'false removes the point from this machine' })),
  },
  { additionalProperties: false },
);

/** How a JSON payload carries its timestamp; without it the receive time is used. */
export const PayloadFormat = T.Object(
  {
    timestamp: T.Optional(
      T.Object(
        {
          path: JsonPath,
          format: T.Union(
            [
              T.Literal('unix_s'),
              T.Literal('unix_ms'),
              T.Literal('unix_us'),
              T.Literal('unix_ns'),
              T.Literal('rfc3339'),
            ],
            { description: 'unix_s, unix_ms, unix_us, unix_ns (numbers) or rfc3339 (text)' },
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
