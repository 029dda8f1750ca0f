/**
 * Point definitions as they stand after the config has been validated and normalised.
 * Profiles (devices/*.yaml) and inline machine points both end up in this shape.
 */

/** Modbus data model tables (Modbus application protocol v1.1b3 §4.3). */
export type RegisterArea = 'coil' | 'discrete' | 'holding' | 'input';

export const DATA_TYPES = [
  'bool',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
  'bit',
  'string',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

/**
 * Byte/word order, written as the order in which the bytes A (most significant) … D reach the wire.
 * ABCD: big-endian bytes, high word first (Modbus default).
 * CDAB: big-endian bytes, low word first ("word swap").
 * BADC: bytes swapped inside each register, high word first ("byte swap").
 * DCBA: fully little-endian.
 * For 64-bit values the same rule extends over four registers; for 16-bit values only the byte
 * swap matters (ABCD = CDAB, BADC = DCBA). For strings: ABCD/CDAB = high byte first in each
 * register, BADC/DCBA = low byte first.
 */
export type ByteOrder = 'ABCD' | 'DCBA' | 'BADC' | 'CDAB';

/** What a point means to the rest of the gateway. Production and alarms key on these. */
export const POINT_ROLES = [
  'run', // run signal: true/non-zero while the machine runs
  'fault', // fault flag: true/non-zero while faulted
  'fault_code', // numeric fault code, text from the profile's fault table
  'state_code', // machine state enumeration (profile's state table)
  'good_counter', // good units produced (monotonic, may wrap)
  'reject_counter', // rejected units (monotonic, may wrap)
  'total_counter', // all units, good + reject
  'batch_counter', // batches completed
  'weight_total', // totaliser in kg
  'pack_weight', // weight of the last pack / set pack weight (g or kg, see unit)
  'batch_weight', // kg per batch
  'speed', // rate (packs/min, rpm…)
  'temperature',
  'setpoint',
  'pressure',
  'humidity',
  'level',
  'current',
  'power',
  'energy',
  'output_percent',
  'recipe',
  'info',
] as const;
export type PointRole = (typeof POINT_ROLES)[number];

export interface LocalText {
  readonly vi: string;
  readonly en: string;
}

export interface PointDef {
  /** Unique within a machine; snake_case. */
  readonly name: string;
  readonly label?: LocalText;
  readonly area: RegisterArea;
  /** 0-based protocol address (the number in the PDU). */
  readonly address: number;
  readonly type: DataType;
  readonly order: ByteOrder;
  /** For type `bit`: bit index in the 16-bit register, 0 = least significant. */
  readonly bit?: number;
  /** For type `string`: number of registers (two characters each). */
  readonly length?: number;
  /** value = raw × scale + offset (numeric types only). */
  readonly scale: number;
  readonly offset: number;
  readonly unit?: string;
  readonly role?: PointRole;
  /** Counter width for wrap detection on counter roles (16, 32 or 64 bits). */
  readonly counterBits?: 16 | 32 | 64;
}

/** How many registers (or bits, for coil/discrete) a point occupies. */
export function pointWidth(p: Pick<PointDef, 'area' | 'type' | 'length'>): number {
  if (p.area === 'coil' || p.area === 'discrete') return 1;
  switch (p.type) {
    case 'bool':
    case 'bit':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return p.length ?? 1;
  }
}

export function isBitArea(area: RegisterArea): boolean {
  return area === 'coil' || area === 'discrete';
}

/** The value types of an MQTT point (JSON has no integer type: a number is a number). */
export type MqttValueType = 'number' | 'boolean' | 'string';

/** Payload timestamp formats: Unix time in s/ms/µs/ns (number or numeric text), or RFC 3339 text. */
export type TimestampFormat = 'unix_s' | 'unix_ms' | 'unix_us' | 'unix_ns' | 'rfc3339';

/** A point of an MQTT machine: a value at a path of the JSON payload. */
export interface MqttPointDef {
  readonly name: string;
  readonly label?: LocalText;
  /** Dotted path with optional indexes: `temp`, `data.temp`, `values[2]`. */
  readonly path: string;
  readonly type: MqttValueType;
  /** value = raw × scale + offset (numbers only). */
  readonly scale: number;
  readonly offset: number;
  readonly unit?: string;
  readonly role?: PointRole;
  readonly counterBits?: 16 | 32 | 64;
}
