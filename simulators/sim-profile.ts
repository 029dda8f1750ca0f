import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ImagePoint, PointType } from './register-image.js';
import { parseWordOrder, type WordOrder } from './word-codec.js';

/**
 * What the simulator needs from a machine profile (devices/<id>.yaml), read with the `yaml` package
 * on purpose rather than through the gateway's loader: the simulator must stay an independent
 * witness of where each point lives. Full schema validation is the config loader's job (and
 * simulators/profiles.test.ts checks the files against config/profile-schema.ts).
 */

export interface SimPoint extends ImagePoint {
  readonly role?: string;
}

export interface SimProfile {
  readonly id: string;
  readonly kind: string;
  readonly file: string;
  readonly points: readonly SimPoint[];
  /** The codes of the profile's fault table, 0 (no fault) left out. */
  readonly faultCodes: readonly number[];
  /** The codes of the profile's state table, 0 left out. */
  readonly stateCodes: readonly number[];
  readonly responseDelayMs: number;
  /** Registers per FC3/FC4 request the device accepts (Modbus v1.1b3 §6.3: ≤ 125). */
  readonly maxRegistersPerRead: number;
  readonly serial: {
    readonly baudRate?: number;
    readonly parity?: 'none' | 'even' | 'odd';
    readonly dataBits?: 7 | 8;
    readonly stopBits?: 1 | 2;
  };
}

const AREAS = new Set(['coil', 'discrete', 'holding', 'input']);
const TYPES = new Set<string>([
  'bool',
  'bit',
  'string',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
]);

type Json = Record<string, unknown>;

function asObject(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function readProfile(file: string): SimProfile {
  const doc = asObject(parse(readFileSync(file, 'utf8')));
  const where = (detail: string): Error => new Error(`profile ${file}: ${detail}`);
  if (typeof doc.id !== 'string') throw where('id is missing');
  if (!Array.isArray(doc.points)) throw where('points is missing');
  const modbus = asObject(doc.modbus);
  const serial = asObject(doc.serial);
  const base = modbus.addressBase === 1 ? 1 : 0;
  const defaultOrder = parseWordOrder(modbus.byteOrder as string | undefined) ?? 'ABCD';
  const points = doc.points.map((raw, i): SimPoint => {
    const p = asObject(raw);
    const name = typeof p.name === 'string' ? p.name : `#${i}`;
    if (!AREAS.has(String(p.area))) throw where(`points[${i}] (${name}): bad area ${String(p.area)}`);
    if (!TYPES.has(String(p.type))) throw where(`points[${i}] (${name}): bad type ${String(p.type)}`);
    if (typeof p.address !== 'number') throw where(`points[${i}] (${name}): address is missing`);
    const order: WordOrder | undefined = parseWordOrder(p.order as string | undefined);
    if (p.order !== undefined && order === undefined) throw where(`points[${i}] (${name}): bad order`);
    return {
      name,
      area: p.area as SimPoint['area'],
      address: p.address - base,
      type: p.type as PointType,
      order: order ?? defaultOrder,
      ...(typeof p.bit === 'number' ? { bit: p.bit } : {}),
      ...(typeof p.length === 'number' ? { length: p.length } : {}),
      scale: num(p.scale, 1),
      offset: num(p.offset, 0),
      ...(typeof p.role === 'string' ? { role: p.role } : {}),
    };
  });
  const codes = (table: unknown): number[] =>
    Object.keys(asObject(table))
      .map(Number)
      .filter((c) => Number.isInteger(c) && c !== 0)
      .sort((a, b) => a - b);
  return {
    id: doc.id,
    kind: String(doc.kind ?? 'other'),
    file,
    points,
    faultCodes: codes(doc.faultCodes),
    stateCodes: codes(doc.stateCodes),
    responseDelayMs: num(serial.responseDelayMs, 0),
    maxRegistersPerRead: Math.min(125, num(modbus.maxRegistersPerRead, 125)),
    serial: {
      ...(typeof serial.baudRate === 'number' ? { baudRate: serial.baudRate } : {}),
      ...(typeof serial.parity === 'string' ? { parity: serial.parity as 'none' | 'even' | 'odd' } : {}),
      ...(serial.dataBits === 7 || serial.dataBits === 8 ? { dataBits: serial.dataBits } : {}),
      ...(serial.stopBits === 1 || serial.stopBits === 2 ? { stopBits: serial.stopBits } : {}),
    },
  };
}

/** Read devices/<id>.yaml from the first directory that has it. */
export function findProfile(id: string, dirs: readonly string[]): SimProfile {
  for (const dir of dirs) {
    const file = join(dir, `${id}.yaml`);
    try {
      return readProfile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`profile "${id}" not found in ${dirs.join(', ')}`);
}

/** The point that carries a role, if the profile has one. */
export function pointWithRole(profile: SimProfile, role: string): SimPoint | undefined {
  return profile.points.find((p) => p.role === role);
}
